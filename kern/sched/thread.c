/* Threads: creation, start, exit, kill, and blocking. */
#include "sched/thread.h"
#include "sched/sched_internal.h"
#include "obj/process.h"
#include "obj/job.h"
#include "obj/kernel_types.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/cpu.h"
#include "mm/pmm.h"
#include "mm/kstack.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "lib/string.h"
#include "lib/assert.h"

extern void thread_trampoline(void);
extern void trap_return(void);

static uint64_t threads_alive;

static void thread_destroy(struct cap_object *obj)
{
	struct thread *t = (struct thread *)obj;
	assert(t->state == LO_THREAD_NEW || t->state == LO_THREAD_DEAD);
	assert(!t->on_cpu);
	if (t->process)
		cap_unref(&t->process->obj.cap);
	kstack_free(&t->kstack);
	if (t->fpu.raw)
		fpu_state_free(&t->fpu);
	kobject_count_destroyed(LO_TYPE_THREAD);
	if (t->obj.job)   /* made by thread_create: its job paid for the stack */
		job_uncharge_memory(t->obj.job, (uint64_t)KSTACK_PAGES * PAGE_SIZE);
	kobject_uncharge(&t->obj);
	__atomic_fetch_sub(&threads_alive, 1, __ATOMIC_RELAXED);
	kfree(t);
}

static const struct cap_object_ops thread_ops = {
	.destroy = thread_destroy,
	.on_zero_handles = NULL,
};

uint64_t thread_live_count(void)
{
	return __atomic_load_n(&threads_alive, __ATOMIC_RELAXED);
}

static void wait_timeout(struct ktimer *timer)
{
	struct thread *t = container_of(timer, struct thread, wait_timer);
	thread_wake(t, LO_ERR_TIMED_OUT);
}

static struct thread *thread_alloc(const char *name)
{
	struct thread *t = kmalloc(sizeof(*t));
	if (!t)
		return NULL;
	if (kstack_alloc(&t->kstack) != LO_OK) {
		kfree(t);
		return NULL;
	}
	kobject_init(&t->obj, LO_TYPE_THREAD, &thread_ops);
	__atomic_fetch_add(&threads_alive, 1, __ATOMIC_RELAXED);
	t->kstack_top = t->kstack.top;
	t->state = LO_THREAD_NEW;
	t->affinity = ~0u;
	list_init(&t->run_node);
	list_init(&t->process_node);
	ktimer_init(&t->wait_timer, wait_timeout);
	strlcpy(t->name, name, sizeof(t->name));
	return t;
}

/* The interrupt frame a user thread leaves the kernel through the first
 * time sits at the very top of its kernel stack, above everything else. */
static struct trap_frame *first_user_frame(struct thread *t)
{
	return (struct trap_frame *)(t->kstack_top - sizeof(struct trap_frame));
}

/* Lay out the stack so context_switch "returns" into thread_trampoline,
 * below `reserve` bytes kept free at the top. */
static void prepare_first_switch(struct thread *t, void (*fn)(void *), void *arg,
				 uint64_t reserve)
{
	uint64_t *sp = (uint64_t *)(t->kstack_top - reserve);
	/* After context_switch's ret pops this, rsp is 16-byte aligned again,
	 * as the trampoline's call expects. */
	*--sp = (uint64_t)thread_trampoline; /* return address */
	*--sp = 0;                           /* rbp */
	*--sp = 0;                           /* rbx */
	*--sp = (uint64_t)fn;                /* r12 */
	*--sp = (uint64_t)arg;               /* r13 */
	*--sp = 0;                           /* r14 */
	*--sp = 0;                           /* r15 */
	t->saved_rsp = (uint64_t)sp;
}

struct thread *thread_create_kernel(void (*fn)(void *), void *arg, const char *name)
{
	struct thread *t = thread_alloc(name);
	if (!t)
		return NULL;
	t->kernel_fn = fn;
	t->kernel_arg = arg;
	prepare_first_switch(t, fn, arg, 0);
	return t;
}

/* First code of every new thread, entered from thread_trampoline. */
__attribute__((noreturn)) void thread_first_run(void (*fn)(void *), void *arg)
{
	sched_finish_switch();
	irq_enable();
	fn(arg);
	thread_exit_current(0);
}

static void enter_user(void *arg)
{
	struct thread *t = arg;
	if (__atomic_load_n(&t->killed, __ATOMIC_ACQUIRE))
		thread_exit_current(0);
	/* Fill the interrupt frame reserved at the top of the kernel stack
	 * and leave through the common interrupt return path. */
	struct trap_frame *f = first_user_frame(t);
	memset(f, 0, sizeof(*f));
	f->rip = t->user_entry;
	f->rsp = t->user_stack;
	f->rdi = t->user_arg0;
	f->rsi = t->user_arg1;
	f->cs = SEL_USER_CODE;
	f->ss = SEL_USER_DATA;
	f->rflags = 0x202;   /* IF */
	irq_disable();
	__asm__ volatile("mov %0, %%rsp\n"
			 "jmp trap_return\n" : : "r"(f) : "memory");
	__builtin_unreachable();
}

status_t thread_create_user(struct process *process, const char *name, struct thread **out)
{
	struct thread *t = thread_alloc(name);
	if (!t)
		return LO_ERR_NO_MEMORY;
	/* Starts from the clean initial state, never another thread's. */
	if (!fpu_state_alloc(&t->fpu)) {
		cap_unref(&t->obj.cap);
		return LO_ERR_NO_MEMORY;
	}
	cap_ref(&process->obj.cap);
	t->process = process;
	*out = t;
	return LO_OK;
}

status_t thread_start_user(struct thread *t, uint64_t entry, uint64_t stack,
			   uint64_t arg0, uint64_t arg1)
{
	if (!t->process)
		return LO_ERR_WRONG_TYPE;
	if (entry >= USER_TOP || stack >= USER_TOP || stack < PAGE_SIZE)
		return LO_ERR_INVALID_ARGS;
	if (__atomic_exchange_n(&t->started, true, __ATOMIC_ACQ_REL))
		return LO_ERR_BAD_STATE;
	/* A thread counts in its process from its start: one never started
	 * cannot keep a process from ending. */
	status_t st = process_add_thread(t->process, t);
	if (st != LO_OK) {
		t->started = false;
		return st;
	}
	t->user_entry = entry;
	t->user_stack = stack;
	t->user_arg0 = arg0;
	t->user_arg1 = arg1;
	prepare_first_switch(t, enter_user, t, sizeof(struct trap_frame));
	thread_make_ready(t);
	return LO_OK;
}

void thread_make_ready(struct thread *t)
{
	assert(t->state == LO_THREAD_NEW);
	cap_ref(&t->obj.cap);    /* the scheduler's reference, dropped after death */
	sched_make_runnable(t);
}

_Static_assert(sizeof(struct trap_frame) % 16 == 0, "keeps the kernel stack aligned");

struct thread *thread_current(void)
{
	return this_cpu_current();
}

/* Before the boot CPU has a thread, the boot flow's own flag. */
int *cap_thread_draining(void)
{
	static int boot_draining;
	struct thread *t = this_cpu_current();
	return t ? &t->cap_draining : &boot_draining;
}

void thread_exit_current(int64_t code)
{
	struct thread *t = thread_current();
	t->exit_code = code;
	ktimer_cancel(&t->wait_timer);
	if (t->process)
		process_thread_exited(t->process, t);   /* may end the process */
	kobject_signal(&t->obj, 0, LO_SIG_THREAD_TERMINATED);
	sched_exit_current();
}

void thread_request_kill(struct thread *t)
{
	__atomic_store_n(&t->killed, true, __ATOMIC_RELEASE);
	if (t->state == LO_THREAD_NEW) {
		/* Never ran: nothing to unwind. */
		return;
	}
	thread_wake(t, LO_ERR_CANCELED);
	/* Running user code elsewhere: interrupt it, so it dies now and not
	 * at its next tick or system call. */
	sched_kick(t);
}

status_t thread_set_cpu_mask(struct thread *t, uint32_t mask)
{
	return sched_set_affinity(t, mask);
}

void thread_prepare_block(uint64_t deadline)
{
	struct thread *t = thread_current();
	t->wait_result = LO_ERR_SHOULD_WAIT;
	sched_mark_blocked(t);
	if (deadline != DEADLINE_INFINITE)
		ktimer_arm(&t->wait_timer, deadline);
	/* A kill that came before we blocked must still end the wait. */
	if (__atomic_load_n(&t->killed, __ATOMIC_ACQUIRE))
		thread_wake(t, LO_ERR_CANCELED);
}

status_t thread_block(void)
{
	struct thread *t = thread_current();
	/* Already woken (a signal raced the block): no need to switch. */
	if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == LO_THREAD_BLOCKED)
		schedule();
	ktimer_cancel(&t->wait_timer);
	return t->wait_result;
}

void thread_wake(struct thread *t, status_t result)
{
	sched_wake(t, result);
}

void thread_return_to_user(struct trap_frame *f)
{
	(void)f;
	struct thread *t = thread_current();
	for (;;) {
		if (__atomic_load_n(&t->killed, __ATOMIC_ACQUIRE)) {
			irq_enable();
			thread_exit_current(0);
		}
		if (!this_cpu()->need_resched)
			return;
		schedule();
	}
}

