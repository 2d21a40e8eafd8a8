#include "arch/x86_64/pit.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"

#define PIT_HZ      1193182u
#define PIT_CH0     0x40
#define PIT_CMD     0x43

static void (*tick_callback)(void);

static void pit_irq(struct trap_frame *f)
{
	(void)f;
	if (tick_callback)
		tick_callback();
}

void pit_init(void (*on_tick)(void))
{
	uint16_t divisor = (uint16_t)(PIT_HZ / TICK_HZ);
	tick_callback = on_tick;
	outb(PIT_CMD, 0x34);                 /* channel 0, lo/hi byte, rate generator */
	outb(PIT_CH0, divisor & 0xff);
	outb(PIT_CH0, divisor >> 8);
	irq_register(0, pit_irq);
}
