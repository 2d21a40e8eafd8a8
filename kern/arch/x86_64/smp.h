/* Starting the application processors. */
#ifndef KERN_ARCH_SMP_H
#define KERN_ARCH_SMP_H

/* Boot CPU: set up the local and I/O APIC from the MADT (when there is
 * one; otherwise the 8259s and the PIT stay, and one CPU runs). */
void smp_init_interrupts(void);
/* Boot CPU, with its clock running: start every other enabled CPU of the
 * MADT (at most `limit`, 0 for all) and wait for each to come online. */
void smp_start_aps(int limit);
/* A panic: halt every other CPU (they may be what broke, and should not
 * run on past the report). */
void smp_stop_others(void);
/* Print the CPUs (the boot log). */
void smp_print_cpus(void);

#endif
