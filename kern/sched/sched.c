/* The scheduler: one run queue, round robin, preemption on the tick.
 *
 * sched_lock protects the run queue and every thread's state. It is held
 * across context_switch: the thread that switches in releases it (in
 * schedule() after its own switch returned, or in sched_finish_switch()
 * for a thread's very first run). */
#include "sched/thread.h"
#include "sched/sched_internal.h"
#include "sched/clock.h"
#include "obj/process.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/cpu.h"
#include "mm/paging.h"
#include "lib/assert.h"

extern void context_switch(uint64_t *save_rsp, uint64_t new_rsp);

static struct list run_queue = { &run_queue, &run_queue };
static struct spinlock sched_lock = SPINLOCK_INIT("sched");
static struct thread idle_thread;
/* The thread that switched out, for the one that switched in to finish. */
static struct thread *switched_from;

void sched_init(void)
{
	percpu_init();
	struct cpu *cpu = this_cpu();
	/* The boot flow becomes the idle thread; it runs on the boot stack. */
	idle_thread.state = LO_THREAD_RUNNING;
	idle_thread.on_cpu = true;
	list_init(&idle_thread.run_node);
	list_init(&idle_thread.process_node);
	idle_thread.name[0] = 'i';
	idle_thread.name[1] = 'd';
	idle_thread.name[2] = 'l';
	idle_thread.name[3] = 'e';
	cpu->idle = &idle_thread;
	cpu->current = &idle_thread;
}

void sched_make_runnable(struct thread *t)
{
	spin_lock(&sched_lock);
	t->state = LO_THREAD_RUNNABLE;
	t->slice = THREAD_TIME_SLICE;
	list_push_back(&run_queue, &t->run_node);
	this_cpu()->need_resched |= this_cpu()->current == this_cpu()->idle;
	spin_unlock(&sched_lock);
}

void sched_mark_blocked(struct thread *t)
{
	spin_lock(&sched_lock);
	assert(t->state == LO_THREAD_RUNNING);
	t->state = LO_THREAD_BLOCKED;
	spin_unlock(&sched_lock);
}

void sched_wake(struct thread *t, status_t result)
{
	spin_lock(&sched_lock);
	if (t->state == LO_THREAD_BLOCKED) {
		t->wait_result = result;
		if (t->on_cpu) {
			/* Still on its way into schedule(): it will just continue. */
			t->state = LO_THREAD_RUNNING;
		} else {
			t->state = LO_THREAD_RUNNABLE;
			t->slice = THREAD_TIME_SLICE;
			list_push_back(&run_queue, &t->run_node);
			this_cpu()->need_resched |= this_cpu()->current == this_cpu()->idle;
		}
	}
	spin_unlock(&sched_lock);
}

/* Called by the thread that just switched in, with sched_lock held. */
void sched_finish_switch(void)
{
	struct thread *prev = switched_from;
	switched_from = NULL;
	prev->on_cpu = false;
	bool dead = prev->state == LO_THREAD_DEAD;
	spin_unlock(&sched_lock);
	if (dead)
		cap_unref(&prev->obj.cap);   /* the scheduler's reference */
}

void schedule(void)
{
	/* Interrupts go off before the lock, so every holder of sched_lock
	 * took it with interrupts off: the state the lock restores on unlock
	 * is the same whichever thread unlocks. Each thread restores its own. */
	int were = irq_save();
	struct cpu *cpu = this_cpu();
	spin_lock(&sched_lock);
	cpu->need_resched = false;
	struct thread *prev = cpu->current;
	if (prev->state == LO_THREAD_RUNNING && prev != cpu->idle) {
		prev->state = LO_THREAD_RUNNABLE;
		list_push_back(&run_queue, &prev->run_node);
	}
	struct list *n = list_pop_front(&run_queue);
	struct thread *next = n ? container_of(n, struct thread, run_node) : cpu->idle;
	if (next == prev) {
		prev->state = LO_THREAD_RUNNING;
		prev->slice = THREAD_TIME_SLICE;
		spin_unlock(&sched_lock);
		irq_restore(were);
		return;
	}
	next->state = LO_THREAD_RUNNING;
	next->on_cpu = true;
	next->slice = THREAD_TIME_SLICE;
	cpu->current = next;
	if (next != cpu->idle) {
		cpu->kernel_rsp = next->kstack_top;
		tss_set_kernel_stack(next->kstack_top);
	}
	addrspace_activate(next->process ? &next->process->as : &kernel_as);
	switched_from = prev;
	/* Eagerly: the kernel never touches these registers, so they hold
	 * prev's user state until here. Kernel threads have no area. */
	if (prev->fpu.area)
		fpu_save(&prev->fpu);
	if (next->fpu.area)
		fpu_restore(&next->fpu);
	context_switch(&prev->saved_rsp, next->saved_rsp);
	/* Back on this thread: finish the switch that brought us here. */
	sched_finish_switch();
	irq_restore(were);
}

void sched_exit_current(void)
{
	struct thread *t = thread_current();
	irq_disable();
	spin_lock(&sched_lock);
	t->state = LO_THREAD_DEAD;
	spin_unlock(&sched_lock);
	schedule();
	panic("dead thread %s was scheduled", t->name);
}

void sched_yield(void)
{
	schedule();
}

void sched_tick(void)
{
	ktimer_run_expired(clock_ns());
	struct cpu *cpu = this_cpu();
	struct thread *t = cpu->current;
	if (t == cpu->idle) {
		if (!list_empty(&run_queue))
			cpu->need_resched = true;
	} else if (--t->slice <= 0) {
		cpu->need_resched = true;
	}
}

void sched_preempt_if_needed(void)
{
	if (this_cpu()->need_resched)
		schedule();
}

void sched_idle_loop(void)
{
	for (;;) {
		irq_enable();
		halt();
		sched_preempt_if_needed();
	}
}
