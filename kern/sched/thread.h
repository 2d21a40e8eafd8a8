/* Threads and the scheduler: preemptive round robin on per-CPU run queues.
 *
 * A thread is a kernel object (type thread). The scheduler holds one
 * reference to every thread that has not finished dying; a dead thread's
 * reference is dropped by the next thread to run (a thread cannot free the
 * stack it runs on). */
#ifndef KERN_SCHED_THREAD_H
#define KERN_SCHED_THREAD_H

#include <stdint.h>
#include <stdbool.h>
#include "status.h"
#include "lightos/abi.h"
#include "obj/kobject.h"
#include "sched/ktimer.h"
#include "mm/kstack.h"
#include "arch/x86_64/fpu.h"
#include "lib/list.h"

struct process;
struct trap_frame;

#define THREAD_STACK_PAGES KSTACK_PAGES
#define THREAD_TIME_SLICE  10      /* ticks */

struct thread {
	struct kobject obj;
	struct process *process;     /* counted reference; NULL for kernel threads */
	struct kstack kstack;        /* with a guard page below it */
	uint64_t kstack_top;         /* kstack.top, where the syscall entry finds it */
	uint64_t saved_rsp;          /* while switched out */
	uint32_t state;              /* LO_THREAD_NEW .. LO_THREAD_DEAD (idl/thread.idl) */
	bool on_cpu;                 /* between being switched in and switched out */
	int cpu;                     /* the CPU it runs on, or last ran on */
	uint32_t affinity;           /* CPUs it may run on (bit n: CPU n) */
	bool killed;                 /* dies at its next return to user mode */
	bool started;
	int cap_draining;            /* running object callbacks (cap/object.c) */
	struct list run_node;        /* a CPU's run queue */
	int queue_cpu;               /* whose run queue, while queued (sched.c) */
	struct list process_node;    /* process's thread list (process lock) */
	int slice;
	struct fpu_state fpu;        /* user threads: x87/SSE state while switched out */

	status_t wait_result;        /* set by whoever wakes a blocked thread */
	struct ktimer wait_timer;

	/* What the thread runs. */
	void (*kernel_fn)(void *arg);
	void *kernel_arg;
	uint64_t user_entry, user_stack, user_arg0, user_arg1;

	int64_t exit_code;
	char name[LO_THREAD_NAME_MAX];

	/* Page faults on a page already present (trap.c): a repeat at the same
	 * address is no stale TLB entry, and must not loop for ever. */
	uint64_t present_fault_addr;
	unsigned present_faults;
};

/* Make the running flow this CPU's idle thread (each CPU, once). */
void sched_init(void);

/* A thread that runs fn(arg) in the kernel, then exits. Not started. */
struct thread *thread_create_kernel(void (*fn)(void *), void *arg, const char *name);
/* A user thread in `process` (which it references). Not started. */
status_t thread_create_user(struct process *process, const char *name, struct thread **out);
/* Start a user thread at entry with a stack pointer and two arguments. */
status_t thread_start_user(struct thread *t, uint64_t entry, uint64_t stack,
			   uint64_t arg0, uint64_t arg1);
/* Start a kernel thread. */
void thread_make_ready(struct thread *t);

struct thread *thread_current(void);
__attribute__((noreturn)) void thread_exit_current(int64_t code);
/* Ask a thread to die: it stops at its next return to user mode, and a
 * blocked wait ends with LO_ERR_CANCELED. */
void thread_request_kill(struct thread *t);

/* Blocking. Prepare, publish yourself somewhere a waker will find you,
 * then call thread_block(), which returns the wake status (at once if a
 * wake came in between). A deadline (ns since boot, or DEADLINE_INFINITE)
 * wakes with LO_ERR_TIMED_OUT. */
void thread_prepare_block(uint64_t deadline);
status_t thread_block(void);
/* Wake a blocked (or blocking) thread with `result`; no effect otherwise. */
void thread_wake(struct thread *t, status_t result);

/* On every way back to user mode (interrupts off): die if killed, switch
 * if a reschedule is due. */
void thread_return_to_user(struct trap_frame *f);

/* Let t run only on the CPUs in `mask`; INVALID_ARGS if none is online. */
status_t thread_set_cpu_mask(struct thread *t, uint32_t mask);

void sched_yield(void);
/* The timer tick: slices, deadlines, preemption requests. */
void sched_tick(void);
/* From an interrupt's end: switch if a reschedule was asked for. */
void sched_preempt_if_needed(void);
/* Run threads forever on this CPU (the caller is its idle thread). */
__attribute__((noreturn)) void sched_idle_loop(void);

/* Threads alive (not yet destroyed), for leak checks. */
uint64_t thread_live_count(void);

#endif
