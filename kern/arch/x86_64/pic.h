/* The legacy 8259 interrupt controllers, remapped to vectors 32..47. */
#ifndef KERN_ARCH_PIC_H
#define KERN_ARCH_PIC_H

#include <stdbool.h>

void pic_init(void);
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
void pic_eoi(unsigned irq);
/* For good: the I/O APIC took over. */
void pic_mask_all(void);
/* IRQ 7 and 15 can fire spuriously; true if this one was. */
bool pic_is_spurious(unsigned irq);

#endif
