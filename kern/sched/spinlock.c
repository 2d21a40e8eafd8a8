#include "sched/spinlock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "mm/tlb.h"
#include "sched/lockcheck.h"
#include "lib/assert.h"

void spin_init(struct spinlock *l, const char *name)
{
	l->locked = 0;
	l->irq_were_enabled = 0;
	l->holder = 0;
	l->name = name;
	l->lock_class = 0;
}

/* The rare paths, out of line so that the fast paths below need no
 * registers of their own: a lock taken twice, and a lock someone holds. */
static __attribute__((noinline, noreturn, cold)) void spin_taken_twice(struct spinlock *l)
{
	panic("spinlock %s taken twice on one CPU", l->name);
}

static __attribute__((noinline, noreturn, cold)) void spin_not_held(struct spinlock *l)
{
	panic("spinlock %s released by a CPU that does not hold it", l->name);
}

void spin_lock_slow(struct spinlock *l, int were)
{
	if (__atomic_load_n(&l->holder, __ATOMIC_RELAXED) == this_cpu_id() + 1 &&
	    __atomic_load_n(&l->locked, __ATOMIC_RELAXED))
		spin_taken_twice(l);
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		/* Interrupts are off: answer a TLB shootdown here, or the CPU
		 * that holds this lock may wait for us while we wait for it. */
		do {
			tlb_poll();
			cpu_relax();
		} while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED));
	}
	l->holder = this_cpu_id() + 1;
	l->irq_were_enabled = were;
	lockcheck_acquired(l);
}

/* cap_lock_acquire_irq_on's wait (kern/cap_platform.h): those locks record
 * no holder while held, so the slow path's does not stay behind. */
void cap_lock_wait_irq_on(struct spinlock *l)
{
	spin_lock_slow(l, 1);
	l->holder = 0;
}

void spin_lock(struct spinlock *l)
{
	int were = irq_save();
	int me = this_cpu_id() + 1;
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		spin_lock_slow(l, were);   /* taken: by another CPU, or (a bug) this one */
		return;
	}
	l->holder = me;
	l->irq_were_enabled = were;
	lockcheck_acquired(l);
}

void spin_unlock(struct spinlock *l)
{
	if (l->holder != this_cpu_id() + 1)
		spin_not_held(l);
	lockcheck_released(l);
	int were = l->irq_were_enabled;
	l->holder = 0;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_restore(were);
}
