/* The local APIC (one per CPU: its timer, inter-processor interrupts) and
 * the I/O APIC (device interrupt lines to vectors). */
#ifndef KERN_ARCH_APIC_H
#define KERN_ARCH_APIC_H

#include <stdint.h>
#include <stdbool.h>

/* Vectors above the 16 ISA lines (32..47). */
#define VEC_LAPIC_TIMER 48
#define VEC_IPI_RESCHED 49   /* look at need_resched / killed now */
#define VEC_IPI_TLB     50   /* a TLB shootdown waits (mm/tlb.c) */
#define VEC_IPI_STOP    51   /* another CPU panicked: stop */

/* True once the I/O APIC routes the ISA lines (the 8259s are masked). */
extern bool ioapic_active;

/* Map the local APIC at physical `pa` (from the MADT). Boot CPU, once. */
void lapic_map(uint64_t pa);
/* Enable this CPU's local APIC. */
void lapic_cpu_init(void);
bool lapic_present(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_ipi_others(uint8_t vector);
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint32_t page);

/* Measure the timer's rate against the PIT (boot CPU, once), then run it
 * periodically at TICK_HZ on this CPU. */
void lapic_timer_calibrate(void);
void lapic_timer_start(void);

/* Route the ISA lines through the I/O APIC at `pa` to the boot CPU, all
 * masked, and mask the 8259s for good. */
void ioapic_init(uint64_t pa, uint32_t gsi_base);
void ioapic_mask(unsigned isa_irq);
void ioapic_unmask(unsigned isa_irq);

#endif
