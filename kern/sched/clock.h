/* System time: a tick counter advanced by the timer interrupt. */
#ifndef KERN_SCHED_CLOCK_H
#define KERN_SCHED_CLOCK_H

#include <stdint.h>

/* The boot CPU's timer (the local APIC's, calibrated, or else the PIT). */
void clock_init(void);
/* An application processor's local timer, at the same rate. */
void clock_init_cpu(void);
/* A local timer interrupt on this CPU. */
void clock_tick(void);
/* Ticks since clock_init; one tick is 1/TICK_HZ seconds. */
uint64_t clock_ticks(void);
/* Nanoseconds since clock_init, at tick resolution. */
uint64_t clock_ns(void);
/* The physical page whose first word is clock_ns(), stored at every tick:
 * user space maps it read-only (clock_page, kern/obj/clock.c). */
uint64_t clock_page_phys(void);

#endif
