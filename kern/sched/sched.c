/* The scheduler: one run queue that every CPU takes from, round robin,
 * preemption on each CPU's tick, and a woken thread runs next
 * (wake_queued).
 *
 * sched_lock protects the run queue, every thread's state and every CPU's
 * `current`. It is held across context_switch: the thread that switches in
 * releases it (in schedule() after its own switch returned, or in
 * sched_finish_switch() for a thread's very first run). So a thread put
 * back on the queue cannot be taken by another CPU before its registers
 * are saved. */
#include "sched/thread.h"
#include "sched/sched_internal.h"
#include "sched/clock.h"
#include "obj/process.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/apic.h"
#include "mm/paging.h"
#include "lib/assert.h"

extern void context_switch(uint64_t *save_rsp, uint64_t new_rsp);

static struct list run_queue = { &run_queue, &run_queue };
static struct spinlock sched_lock = SPINLOCK_INIT("sched");
static struct thread idle_threads[MAX_CPUS];

void sched_init(void)
{
	struct cpu *cpu = this_cpu();
	/* The flow that calls this becomes the CPU's idle thread, on the stack
	 * it runs on (the boot stack, or an application processor's). */
	struct thread *idle = &idle_threads[cpu->id];
	idle->state = LO_THREAD_RUNNING;
	idle->on_cpu = true;
	idle->cpu = cpu->id;
	idle->affinity = 1u << cpu->id;
	list_init(&idle->run_node);
	list_init(&idle->process_node);
	idle->name[0] = 'i';
	idle->name[1] = 'd';
	idle->name[2] = 'l';
	idle->name[3] = 'e';
	cpu->idle = idle;
	cpu->current = idle;
}

static void resched_cpu(struct cpu *c)
{
	__atomic_store_n(&c->need_resched, true, __ATOMIC_RELEASE);
	if (c != this_cpu())
		lapic_send_ipi(c->apic_id, VEC_IPI_RESCHED);
}

static bool allowed(const struct thread *t, int cpu)
{
	return t->affinity & (1u << cpu);
}

/* `t` was queued (sched_lock held): an idle CPU it may run on, this one
 * first, should come and take it. False when all those CPUs are busy. */
static bool kick_idle_cpu(struct thread *t)
{
	struct cpu *self = this_cpu();
	if (self->current == self->idle && allowed(t, self->id)) {
		resched_cpu(self);
		return true;
	}
	for (int i = 0; i < cpu_count; i++) {
		struct cpu *c = &cpus[i];
		if (c != self && c->online && c->current == c->idle && allowed(t, i) &&
		    !__atomic_load_n(&c->need_resched, __ATOMIC_ACQUIRE)) {
			resched_cpu(c);
			return true;
		}
	}
	return false;
}

/* The first queued thread that may run on `cpu`, taken off the queue. */
static struct thread *take_runnable(int cpu)
{
	for (struct list *n = run_queue.next; n != &run_queue; n = n->next) {
		struct thread *t = container_of(n, struct thread, run_node);
		if (allowed(t, cpu)) {
			list_remove(n);
			return t;
		}
	}
	return NULL;
}

void sched_make_runnable(struct thread *t)
{
	spin_lock(&sched_lock);
	t->state = LO_THREAD_RUNNABLE;
	t->slice = THREAD_TIME_SLICE;
	list_push_back(&run_queue, &t->run_node);
	kick_idle_cpu(t);
	spin_unlock(&sched_lock);
}

status_t sched_set_affinity(struct thread *t, uint32_t mask)
{
	uint32_t online = 0;
	for (int i = 0; i < cpu_count; i++) {
		if (__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			online |= 1u << i;
	}
	if (!(mask & online))
		return LO_ERR_INVALID_ARGS;
	spin_lock(&sched_lock);
	t->affinity = mask;
	/* Running where it may no longer run: move it now. */
	if (t->on_cpu && t->state == LO_THREAD_RUNNING && !allowed(t, t->cpu))
		resched_cpu(&cpus[t->cpu]);
	spin_unlock(&sched_lock);
	return LO_OK;
}

void sched_kick(struct thread *t)
{
	spin_lock(&sched_lock);
	if (t->on_cpu && t->cpu != this_cpu_id() && t->state == LO_THREAD_RUNNING)
		resched_cpu(&cpus[t->cpu]);
	spin_unlock(&sched_lock);
}

void sched_mark_blocked(struct thread *t)
{
	spin_lock(&sched_lock);
	assert(t->state == LO_THREAD_RUNNING);
	t->state = LO_THREAD_BLOCKED;
	spin_unlock(&sched_lock);
}

/* A woken thread with time left in its slice runs next: at the front of
 * the queue, and if no CPU is idle, this CPU's thread makes way for it at
 * once (it keeps its place, at the front too, with the rest of its
 * slice). A woken thread's slice is not renewed, so two threads waking
 * each other in turn still leave the queue behind them its turn once
 * their slices run out. */
static void wake_queued(struct thread *t)
{
	t->state = LO_THREAD_RUNNABLE;
	if (t->slice <= 0) {
		t->slice = THREAD_TIME_SLICE;
		list_push_back(&run_queue, &t->run_node);
		kick_idle_cpu(t);
		return;
	}
	list_insert_after(&run_queue, &t->run_node);
	if (kick_idle_cpu(t))
		return;
	/* Every CPU it may use is busy: this one, or the first it may use. */
	struct cpu *c = this_cpu();
	for (int i = 0; !allowed(t, c->id) && i < cpu_count; i++)
		c = &cpus[i];
	if (allowed(t, c->id) && c->online) {
		c->wake_preempt = true;
		resched_cpu(c);
	}
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
			wake_queued(t);
		}
	}
	spin_unlock(&sched_lock);
}

/* Called by the thread that just switched in, with sched_lock held. */
void sched_finish_switch(void)
{
	struct cpu *cpu = this_cpu();
	struct thread *prev = cpu->switched_from;
	cpu->switched_from = NULL;
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
	__atomic_store_n(&cpu->need_resched, false, __ATOMIC_RELAXED);
	struct thread *prev = cpu->current;
	bool requeue = prev->state == LO_THREAD_RUNNING && prev != cpu->idle;
	/* Made way for a woken thread: keep the place and the rest of the
	 * slice. Otherwise (slice over, or a yield) go to the back. */
	bool keep_place = cpu->wake_preempt && prev->slice > 0;
	cpu->wake_preempt = false;
	bool stay = requeue && allowed(prev, cpu->id);
	struct thread *next = take_runnable(cpu->id);
	if (!next)
		next = stay ? prev : cpu->idle;
	if (next == prev) {
		prev->state = LO_THREAD_RUNNING;
		prev->slice = THREAD_TIME_SLICE;
		spin_unlock(&sched_lock);
		irq_restore(were);
		return;
	}
	if (requeue) {
		prev->state = LO_THREAD_RUNNABLE;
		if (keep_place) {
			list_insert_after(&run_queue, &prev->run_node);
		} else {
			prev->slice = THREAD_TIME_SLICE;
			list_push_back(&run_queue, &prev->run_node);
		}
		if (!stay)
			kick_idle_cpu(prev);   /* its affinity moved it off this CPU */
	}
	/* next->slice: what it had left (a queued thread always has some). */
	next->state = LO_THREAD_RUNNING;
	next->on_cpu = true;
	next->cpu = cpu->id;
	cpu->current = next;
	if (next != cpu->idle) {
		cpu->kernel_rsp = next->kstack_top;
		tss_set_kernel_stack(next->kstack_top);
	}
	addrspace_activate(next->process ? &next->process->as : &kernel_as);
	cpu->switched_from = prev;
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
	/* Deadlines on the CPU that keeps the clock. */
	if (this_cpu_id() == 0)
		ktimer_run_expired(clock_ns());
	struct cpu *cpu = this_cpu();
	struct thread *t = cpu->current;
	if (t == cpu->idle) {
		/* A racy peek is enough: a queued thread also kicks an idle CPU. */
		if (__atomic_load_n(&run_queue.next, __ATOMIC_RELAXED) != &run_queue)
			__atomic_store_n(&cpu->need_resched, true, __ATOMIC_RELAXED);
	} else if (--t->slice <= 0) {
		__atomic_store_n(&cpu->need_resched, true, __ATOMIC_RELAXED);
	}
}

void sched_preempt_if_needed(void)
{
	/* Never preempt a thread between thread_prepare_block and
	 * thread_block: switched out blocked before it has published itself,
	 * nothing would ever wake it. It is about to switch anyway (in
	 * thread_block, which honours need_resched), or was just woken. */
	struct cpu *cpu = this_cpu();
	if (__atomic_load_n(&cpu->need_resched, __ATOMIC_ACQUIRE) &&
	    __atomic_load_n(&cpu->current->state, __ATOMIC_ACQUIRE) != LO_THREAD_BLOCKED)
		schedule();
}

void sched_idle_loop(void)
{
	for (;;) {
		irq_disable();
		if (__atomic_load_n(&this_cpu()->need_resched, __ATOMIC_ACQUIRE)) {
			schedule();
			continue;
		}
		/* sti takes effect after hlt starts: a wake-up IPI between the
		 * check and the halt still ends the halt. */
		__asm__ volatile("sti; hlt" : : : "memory");
	}
}
