#include "sched/spinlock.h"
#include "arch/x86_64/cpu.h"
#include "lib/assert.h"

/* One CPU runs today; the lock is still a real test-and-set lock so the
 * code is right when more CPUs come. */
static int this_cpu_id(void)
{
	return 0;
}

void spin_init(struct spinlock *l, const char *name)
{
	l->locked = 0;
	l->irq_were_enabled = 0;
	l->holder = 0;
	l->name = name;
}

void spin_lock(struct spinlock *l)
{
	int were = irq_save();
	if (l->holder == this_cpu_id() + 1 && __atomic_load_n(&l->locked, __ATOMIC_RELAXED))
		panic("spinlock %s taken twice on one CPU", l->name);
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	l->holder = this_cpu_id() + 1;
	l->irq_were_enabled = were;
}

void spin_unlock(struct spinlock *l)
{
	assert(l->holder == this_cpu_id() + 1);
	int were = l->irq_were_enabled;
	l->holder = 0;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_restore(were);
}
