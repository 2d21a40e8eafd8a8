/* The capability core's platform hooks, as the kernel provides them:
 * spinlocks for cap_lock_t and the kernel heap for memory. */
#ifndef KERN_CAP_PLATFORM_H
#define KERN_CAP_PLATFORM_H

#include <stddef.h>
#include <stdbool.h>
#include "sched/spinlock.h"
#include "mm/heap.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "lib/assert.h"

typedef struct spinlock cap_lock_t;
#define CAP_LOCK_INITIALIZER SPINLOCK_INIT("cap")

static inline void cap_lock_init(cap_lock_t *l)
{
	spin_init(l, "cap");
}

#ifdef LOCKCHECK
/* The lock-order checker sees every cap lock through spin_lock (and its
 * release checks the holder); a try there always takes the lock. */
static inline void cap_lock_acquire(cap_lock_t *l)
{
	spin_lock(l);
}

static inline void cap_lock_release(cap_lock_t *l)
{
	spin_unlock(l);
}

static inline bool cap_lock_try(cap_lock_t *l)
{
	spin_lock(l);
	return true;
}

/* The _irq_on forms' promise is checked here. */
static inline void cap_lock_acquire_irq_on(cap_lock_t *l)
{
	int on = irq_save();
	irq_restore(on);
	if (!on)
		panic("cap lock %s: an _irq_on form with interrupts off", l->name);
	spin_lock(l);
}

static inline bool cap_lock_try_irq_on(cap_lock_t *l)
{
	cap_lock_acquire_irq_on(l);
	return true;
}

static inline void cap_lock_release_irq_on(cap_lock_t *l)
{
	spin_unlock(l);
}
#else
/* Every system call's handle lookup takes its table's lock, so the
 * uncontended case is inline and does only what a lock must: interrupts
 * off (saved), one exchange, the holder for the checks. A lock already
 * taken goes out of line to spin_lock_slow (sched/spinlock.c), which also
 * panics on a lock taken twice on one CPU. The release does not check
 * the holder (spin_unlock does; so does a LOCKCHECK=1 build). */

static inline void cap_lock_acquire(cap_lock_t *l)
{
	int were = irq_save();
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		spin_lock_slow(l, were);
		return;
	}
	l->holder = this_cpu_id() + 1;
	l->irq_were_enabled = were;
}

/* Take the lock if it is free: true, or false at once (interrupts as they
 * were). A fast path that tries can stay a leaf: whatever must wait for the
 * lock runs in its slow path. */
static inline bool cap_lock_try(cap_lock_t *l)
{
	int were = irq_save();
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		irq_restore(were);
		return false;
	}
	l->holder = this_cpu_id() + 1;
	l->irq_were_enabled = were;
	return true;
}

static inline void cap_lock_release(cap_lock_t *l)
{
	int were = l->irq_were_enabled;
	l->holder = 0;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_restore(were);
}

/* The same for a caller known to run with interrupts enabled (the system
 * calls): nothing to save, and the release turns them back on. A lock
 * taken with an _irq_on form is released with cap_lock_release_irq_on.
 * Interrupts stay off while the lock is held all the same: kernel code is
 * preemptible, and a holder switched out would leave another thread on
 * its CPU spinning for a lock it can never get.
 *
 * These record no holder (holder stays 0 while such a lock is held): the
 * code between them is a few straight lines that take no other lock, so
 * the check the holder feeds (spin_lock_slow's panic on a lock taken twice
 * on one CPU) has nothing to find there; a LOCKCHECK=1 build still checks
 * them through spin_lock. */
void cap_lock_wait_irq_on(cap_lock_t *l);   /* sched/spinlock.c */

static inline void cap_lock_acquire_irq_on(cap_lock_t *l)
{
	irq_disable();
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		cap_lock_wait_irq_on(l);
}

static inline bool cap_lock_try_irq_on(cap_lock_t *l)
{
	irq_disable();
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		irq_enable();
		return false;
	}
	return true;
}

static inline void cap_lock_release_irq_on(cap_lock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_enable();
}
#endif

static inline void *cap_mem_alloc(size_t size)
{
	return kmalloc(size);   /* zeroed */
}

static inline void cap_mem_free(void *ptr, size_t size)
{
	(void)size;
	kfree(ptr);
}

/* The running thread's "draining the object callbacks" flag (cap/object.c;
 * sched/thread.c). */
int *cap_thread_draining(void);

/* A handle value died while its object lives on: waits made through it
 * end with LO_ERR_CANCELED (obj/kobject.c). */
struct cap_table;
struct cap_object;
void cap_handle_retired(struct cap_table *t, uint32_t handle, struct cap_object *obj);

/* Handles placed or removed and slot-array bytes: charged to the job of the
 * process that owns the table (obj/job.c). */
#include <stdint.h>
#include "status.h"
status_t cap_table_charge(struct cap_table *t, int32_t handles, int64_t bytes);

#endif
