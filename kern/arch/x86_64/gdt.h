/* Segments and the task state segment. The selector layout is fixed by
 * syscall/sysret: kernel code, kernel data, user data, user code. */
#ifndef KERN_ARCH_GDT_H
#define KERN_ARCH_GDT_H

#include <stdint.h>

#define SEL_KERNEL_CODE 0x08
#define SEL_KERNEL_DATA 0x10
#define SEL_USER_DATA   (0x18 | 3)
#define SEL_USER_CODE   (0x20 | 3)
#define SEL_TSS         0x28

#define IST_DOUBLE_FAULT 1
#define IST_NMI          2

/* Load CPU `cpu`'s own GDT and TSS (the boot CPU is 0). */
void gdt_init(int cpu);
/* Stack this CPU switches to when an interrupt arrives in user mode. */
void tss_set_kernel_stack(uint64_t rsp0);

#endif
