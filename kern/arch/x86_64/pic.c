#include "arch/x86_64/pic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI   0x20
#define PIC_READ_ISR 0x0b

static void io_wait(void)
{
	outb(0x80, 0);
}

void pic_init(void)
{
	outb(PIC1_CMD, 0x11);  io_wait();   /* ICW1: init, expect ICW4 */
	outb(PIC2_CMD, 0x11);  io_wait();
	outb(PIC1_DATA, VEC_IRQ_BASE);      io_wait();   /* ICW2: vector base */
	outb(PIC2_DATA, VEC_IRQ_BASE + 8);  io_wait();
	outb(PIC1_DATA, 4);    io_wait();   /* ICW3: slave on line 2 */
	outb(PIC2_DATA, 2);    io_wait();
	outb(PIC1_DATA, 0x01); io_wait();   /* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01); io_wait();
	outb(PIC1_DATA, 0xfb);              /* all masked but the cascade line */
	outb(PIC2_DATA, 0xff);
}

void pic_unmask(unsigned irq)
{
	uint16_t port = irq < 8 ? PIC1_DATA : PIC2_DATA;
	outb(port, inb(port) & ~(1u << (irq % 8)));
}

void pic_mask(unsigned irq)
{
	uint16_t port = irq < 8 ? PIC1_DATA : PIC2_DATA;
	outb(port, inb(port) | (1u << (irq % 8)));
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

bool pic_is_spurious(unsigned irq)
{
	if (irq != 7 && irq != 15)
		return false;
	uint16_t cmd = irq == 7 ? PIC1_CMD : PIC2_CMD;
	outb(cmd, PIC_READ_ISR);
	if (inb(cmd) & 0x80)
		return false;
	if (irq == 15)
		outb(PIC1_CMD, PIC_EOI);   /* the master did see the cascade */
	return true;
}

void pic_mask_all(void)
{
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}
