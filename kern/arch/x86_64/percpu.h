/* Per-CPU data, reached through the GS base in kernel mode. The first
 * fields are read by assembly at fixed offsets (syscall.asm), `id` by the
 * spinlock code at a fixed offset too. */
#ifndef KERN_ARCH_PERCPU_H
#define KERN_ARCH_PERCPU_H

#include <stdint.h>
#include <stdbool.h>
#include "lib/list.h"

#define MAX_CPUS 16

struct thread;
struct addrspace;

struct cpu {
	struct cpu *self;          /* gs:0 */
	uint64_t kernel_rsp;       /* gs:8  top of the running thread's kernel stack */
	uint64_t user_rsp;         /* gs:16 user rsp, saved at syscall entry */
	struct thread *current;    /* gs:24 */
	int id;                    /* gs:32 index in cpus[], 0 = the boot CPU */
	uint32_t apic_id;
	struct thread *idle;
	struct thread *switched_from;   /* for the thread that switched in to finish */
	bool need_resched;         /* written by other CPUs too: atomics */
	bool online;
	bool wake_preempt;         /* need_resched is for a woken thread (sched.c) */
	bool tlb_pending;          /* a TLB shootdown waits for this CPU (tlb.c) */
	uint64_t ticks;            /* timer interrupts taken here */
	struct addrspace *as;      /* loaded here (in its cpus mask) */
	struct list run_queue;     /* threads waiting to run here (sched.c, sched_lock) */
	int queued;                /* how many; read racily by idle CPUs */
};

#define PERCPU_KERNEL_RSP 8
#define PERCPU_USER_RSP   16
#define PERCPU_CURRENT    24
#define PERCPU_ID         32

extern struct cpu cpus[MAX_CPUS];
extern int cpu_count;          /* CPUs online (grows during bring-up) */

/* Point this CPU's GS base at cpus[id]. */
void percpu_init(int id);

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* The thread running here, in one GS-relative load. Kernel code is
 * preemptible: a thread moved to another CPU between loading gs:0 and
 * reading ->current would read the other CPU's thread. */
static inline struct thread *this_cpu_current(void)
{
	struct thread *t;
	__asm__ volatile("mov %%gs:24, %0" : "=r"(t));
	return t;
}

static inline int this_cpu_id(void)
{
	int id;
	__asm__ volatile("movl %%gs:32, %0" : "=r"(id));
	return id;
}

#endif
