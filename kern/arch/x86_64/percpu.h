/* Per-CPU data, reached through the GS base in kernel mode. The first
 * fields are read by assembly at fixed offsets (syscall.asm). */
#ifndef KERN_ARCH_PERCPU_H
#define KERN_ARCH_PERCPU_H

#include <stdint.h>
#include <stdbool.h>

struct thread;

struct cpu {
	struct cpu *self;          /* gs:0 */
	uint64_t kernel_rsp;       /* gs:8  top of the running thread's kernel stack */
	uint64_t user_rsp;         /* gs:16 user rsp, saved at syscall entry */
	struct thread *current;    /* gs:24 */
	struct thread *idle;
	int id;
	bool need_resched;
};

#define PERCPU_KERNEL_RSP 8
#define PERCPU_USER_RSP   16

void percpu_init(void);

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

#endif
