/* The 8254 programmable interval timer drives the scheduler tick. */
#ifndef KERN_ARCH_PIT_H
#define KERN_ARCH_PIT_H

#include <stdint.h>

#define TICK_HZ 1000

/* Program channel 0 for TICK_HZ interrupts on IRQ 0 and call `on_tick` each. */
void pit_init(void (*on_tick)(void));
/* Wait `us` microseconds by polling channel 2 (interrupts not needed). */
void pit_delay_us(uint32_t us);

#endif
