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

#define PIT_CH2     0x42
#define PORT_B      0x61

/* Busy-wait on channel 2 (no interrupt): its gate is port B bit 0, its
 * output port B bit 5, which rises when the count runs out (mode 0). */
void pit_delay_us(uint32_t us)
{
	while (us) {
		uint32_t step = us > 50000 ? 50000 : us;
		uint32_t count = (uint32_t)((uint64_t)PIT_HZ * step / 1000000);
		if (count == 0)
			count = 1;
		outb(PORT_B, (inb(PORT_B) & ~0x02) & ~0x01);   /* gate off, speaker off */
		outb(PIT_CMD, 0xb0);                           /* channel 2, lo/hi, mode 0 */
		outb(PIT_CH2, count & 0xff);
		outb(PIT_CH2, count >> 8);
		outb(PORT_B, inb(PORT_B) | 0x01);              /* gate on: count */
		while (!(inb(PORT_B) & 0x20))
			cpu_relax();
		us -= step;
	}
}
