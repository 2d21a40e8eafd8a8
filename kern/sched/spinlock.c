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

void spin_lock(struct spinlock *l)
{
	int were = irq_save();
	if (l->holder == this_cpu_id() + 1 && __atomic_load_n(&l->locked, __ATOMIC_RELAXED))
		panic("spinlock %s taken twice on one CPU", l->name);
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

void spin_unlock(struct spinlock *l)
{
	assert(l->holder == this_cpu_id() + 1);
	lockcheck_released(l);
	int were = l->irq_were_enabled;
	l->holder = 0;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_restore(were);
}
