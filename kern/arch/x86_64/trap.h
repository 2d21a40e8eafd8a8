/* Exceptions and interrupts. */
#ifndef KERN_ARCH_TRAP_H
#define KERN_ARCH_TRAP_H

#include <stdint.h>

/* Saved by isr.asm, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};

#define VEC_DIVIDE        0
#define VEC_DEBUG         1
#define VEC_NMI           2
#define VEC_BREAKPOINT    3
#define VEC_INVALID_OP    6
#define VEC_DOUBLE_FAULT  8
#define VEC_GP            13
#define VEC_PAGE_FAULT    14
#define VEC_IRQ_BASE      32

/* Set by isr.asm in a kernel-mode frame's error field when the trap came
 * with the user's GS base loaded (on the way out to user mode); the way
 * back swaps it in again. Hardware error codes are 32 bits. */
#define TRAP_ERROR_USER_GS (1ul << 63)
#define VEC_SPURIOUS      255

typedef void (*irq_handler_t)(struct trap_frame *frame);

void idt_init(void);
/* Load the IDT on this CPU (idt_init does it on the boot CPU). */
void idt_load(void);
/* Route hardware interrupt line `irq` (0..15) to `handler` and unmask it. */
void irq_register(unsigned irq, irq_handler_t handler);
/* Mask / unmask an ISA line at whichever controller routes it. */
void irq_mask(unsigned irq);
void irq_unmask(unsigned irq);

/* End the current user thread's process as if the user code had raised
 * exception `vector` at f->rip (addr: the faulting address, or 0). */
__attribute__((noreturn)) void trap_user_fault(struct trap_frame *f, uint64_t vector, uint64_t addr);

/* Print the frame and a frame-pointer backtrace (used by panic). */
void trap_print_frame(const struct trap_frame *f);
/* Prints `rip` (when not 0) as frame #0, then walks the rbp chain. */
void print_backtrace(uint64_t rip, uint64_t rbp);

/* Exception table: a faulting kernel instruction listed here resumes at its
 * fixup address instead of panicking. Used by user-copy and self-tests. */
struct extable_entry {
	uint64_t fault_rip;
	uint64_t fixup_rip;
};

/* Vector of the last exception recovered through the exception table. */
extern volatile uint64_t trap_last_recovered_vector;

#endif
