/* The slow half of the capability core's lock (cap_platform.h): the lock
 * is held, by another CPU or, as a bug, by this one. */
#include "cap_platform.h"
#include "mm/tlb.h"
#include "lib/assert.h"

#ifndef LOCKCHECK
void cap_lock_contended(cap_lock_t *l, int were)
{
	if (__atomic_load_n(&l->holder, __ATOMIC_RELAXED) == this_cpu_id() + 1)
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
}
#endif
