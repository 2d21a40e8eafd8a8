/* The scheduler: a run queue per CPU, round robin on each, preemption on
 * each CPU's tick.
 *
 * Where a thread runs:
 * - placement: a thread made runnable goes to an idle CPU it may use (the
 *   one it last ran on first, then this one, then any), otherwise to the
 *   least loaded CPU it may use;
 * - stealing: a CPU whose own queue is empty takes the first thread it
 *   may run from the longest queue (an idle CPU looks on every tick);
 * - balancing: a thread whose slice ran out goes back on the least loaded
 *   CPU it may use, this one on a tie;
 * - affinity is obeyed by all three: a pinned thread never migrates.
 * Wake-up preemption: a woken thread with time left in its slice runs next,
 * on an idle CPU if there is one, otherwise at the front of the waker's
 * CPU's queue, whose running thread makes way at once (a reschedule IPI
 * when the chosen CPU is another one). So a thread woken by a message does
 * not wait a slice behind busy threads.
 *
 * sched_lock protects every run queue, every thread's state and every CPU's
 * `current`. It is held across context_switch: the thread that switches in
 * releases it (in schedule() after its own switch returned, or in
 * sched_finish_switch() for a thread's very first run). So a thread put
 * back on a queue cannot be taken by another CPU before its registers are
 * saved. One lock for all the queues keeps this simple; a lock per queue
 * is the next step if it ever shows in a profile. */
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

static struct spinlock sched_lock = SPINLOCK_INIT("sched");
static struct thread idle_threads[MAX_CPUS];

void sched_init(void)
{
	struct cpu *cpu = this_cpu();
	list_init(&cpu->run_queue);
	cpu->queued = 0;
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

/* t may run on `cpu` now: allowed there, and the CPU is up (its queue too). */
static bool usable(const struct thread *t, int cpu)
{
	return cpu >= 0 && cpu < cpu_count && allowed(t, cpu) &&
	       __atomic_load_n(&cpus[cpu].online, __ATOMIC_ACQUIRE);
}

/* Threads on c: the queued ones and the running one (unless it idles). */
static int load(const struct cpu *c)
{
	return c->queued + (c->current != c->idle);
}

static bool is_idle(const struct cpu *c)
{
	return c->current == c->idle && c->queued == 0;
}

static void enqueue(struct thread *t, struct cpu *c, bool front)
{
	t->state = LO_THREAD_RUNNABLE;
	t->queue_cpu = c->id;
	if (front)
		list_insert_after(&c->run_queue, &t->run_node);
	else
		list_push_back(&c->run_queue, &t->run_node);
	c->queued++;
}

static void dequeue(struct thread *t)
{
	list_remove(&t->run_node);
	cpus[t->queue_cpu].queued--;
}

/* An idle CPU t may use: the one it last ran on (its cache), then this
 * one, then any; -1 when they are all busy. */
static int idle_cpu_for(const struct thread *t)
{
	int self = this_cpu_id();
	if (usable(t, t->cpu) && is_idle(&cpus[t->cpu]))
		return t->cpu;
	if (self != t->cpu && usable(t, self) && is_idle(&cpus[self]))
		return self;
	for (int i = 0; i < cpu_count; i++) {
		if (i != t->cpu && i != self && usable(t, i) && is_idle(&cpus[i]))
			return i;
	}
	return -1;
}

/* The least loaded CPU t may use; a tie goes to `prefer`. */
static int least_loaded(const struct thread *t, int prefer)
{
	int best = usable(t, prefer) ? prefer : -1;
	int best_load = best >= 0 ? load(&cpus[best]) : 0;
	for (int i = 0; i < cpu_count; i++) {
		if (usable(t, i) && (best < 0 || load(&cpus[i]) < best_load)) {
			best = i;
			best_load = load(&cpus[i]);
		}
	}
	assert(best >= 0);   /* set_affinity keeps an online CPU in every mask */
	return best;
}

/* Queue t at the back where it should run; an idle CPU is told to look. */
static void place(struct thread *t, int prefer)
{
	int i = idle_cpu_for(t);
	if (i < 0)
		i = least_loaded(t, prefer);
	struct cpu *c = &cpus[i];
	enqueue(t, c, false);
	if (c->current == c->idle)
		resched_cpu(c);
}

/* The first thread on c's queue that may run on `cpu`, taken off it. */
static struct thread *take_from(struct cpu *c, int cpu)
{
	for (struct list *n = c->run_queue.next; n != &c->run_queue; n = n->next) {
		struct thread *t = container_of(n, struct thread, run_node);
		if (allowed(t, cpu)) {
			dequeue(t);
			return t;
		}
	}
	return NULL;
}

/* The next thread for `cpu`: off its own queue, or else stolen, from the
 * longest queue first. */
static struct thread *take_next(struct cpu *cpu)
{
	struct thread *t = take_from(cpu, cpu->id);
	if (t)
		return t;
	struct cpu *longest = NULL;
	for (int i = 0; i < cpu_count; i++) {
		struct cpu *c = &cpus[i];
		if (c != cpu && c->queued && (!longest || c->queued > longest->queued))
			longest = c;
	}
	if (!longest)
		return NULL;
	if ((t = take_from(longest, cpu->id)))
		return t;
	for (int i = 0; i < cpu_count && !t; i++) {
		if (&cpus[i] != cpu && &cpus[i] != longest && cpus[i].queued)
			t = take_from(&cpus[i], cpu->id);
	}
	return t;
}

void sched_make_runnable(struct thread *t)
{
	spin_lock(&sched_lock);
	t->slice = THREAD_TIME_SLICE;
	place(t, this_cpu_id());
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
	/* Queued where it may no longer run: move it. Running there: make
	 * that CPU switch it out now. */
	if (list_linked(&t->run_node) && !allowed(t, t->queue_cpu)) {
		dequeue(t);
		place(t, t->cpu);
	}
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

/* Wake-up preemption (see the top). A woken thread's slice is not
 * renewed, so two threads waking each other in turn still leave the
 * threads queued behind them their turn once their slices run out. */
static void wake_queued(struct thread *t)
{
	if (t->slice <= 0) {
		t->slice = THREAD_TIME_SLICE;
		place(t, t->cpu);
		return;
	}
	int i = idle_cpu_for(t);
	if (i >= 0) {
		enqueue(t, &cpus[i], true);
		resched_cpu(&cpus[i]);
		return;
	}
	/* Every CPU it may use is busy: the waker's makes way, or the least
	 * loaded one it may use. */
	int self = this_cpu_id();
	struct cpu *c = &cpus[usable(t, self) ? self : least_loaded(t, t->cpu)];
	enqueue(t, c, true);
	c->wake_preempt = true;
	resched_cpu(c);
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
	bool stay = requeue && allowed(prev, cpu->id);
	/* Made way for a woken thread: keep the place and the rest of the
	 * slice. Otherwise (slice over, or a yield) go to the back. */
	bool keep_place = stay && cpu->wake_preempt && prev->slice > 0;
	cpu->wake_preempt = false;
	struct thread *next = take_next(cpu);
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
		if (keep_place) {
			enqueue(prev, cpu, true);
		} else {
			/* Balancing: to the least loaded CPU it may use. This CPU's
			 * load already counts the thread about to run here. */
			prev->slice = THREAD_TIME_SLICE;
			place(prev, cpu->id);
		}
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

/* A racy peek, enough for an idle CPU's tick: is anything queued anywhere? */
static bool work_queued(void)
{
	for (int i = 0; i < cpu_count; i++) {
		if (__atomic_load_n(&cpus[i].queued, __ATOMIC_RELAXED))
			return true;
	}
	return false;
}

void sched_tick(void)
{
	/* Deadlines on the CPU that keeps the clock. */
	if (this_cpu_id() == 0)
		ktimer_run_expired(clock_ns());
	struct cpu *cpu = this_cpu();
	struct thread *t = cpu->current;
	if (t == cpu->idle) {
		/* Idle: come and steal (a queued thread also kicks an idle CPU,
		 * but not one that was busy then). */
		if (work_queued())
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
