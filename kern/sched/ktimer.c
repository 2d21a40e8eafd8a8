#include "sched/ktimer.h"
#include "sched/spinlock.h"

/* Armed timers, sorted by deadline. */
static struct list armed = { &armed, &armed };
static struct spinlock timer_lock = SPINLOCK_INIT("ktimer");

void ktimer_init(struct ktimer *t, ktimer_fn fire)
{
	list_init(&t->node);
	t->deadline = DEADLINE_INFINITE;
	t->fire = fire;
	t->quiet = true;
}

void ktimer_arm(struct ktimer *t, uint64_t deadline)
{
	spin_lock(&timer_lock);
	if (list_linked(&t->node))
		list_remove(&t->node);
	t->deadline = deadline;
	__atomic_store_n(&t->quiet, false, __ATOMIC_RELAXED);
	struct list *pos = armed.prev;
	while (pos != &armed && container_of(pos, struct ktimer, node)->deadline > deadline)
		pos = pos->prev;
	list_insert_after(pos, &t->node);
	spin_unlock(&timer_lock);
}

bool ktimer_cancel(struct ktimer *t)
{
	/* Never armed since the last cancel (a wait without deadline): no
	 * lock. Being unlinked is not enough: run_expired unlinks a timer
	 * and then runs its callback under the lock, and a cancel that
	 * returned then would let the owner free the timer under the running
	 * callback (a timer object's signal store then hit the freed
	 * object's heap free-list pointer; docs/robustness.md). Taking the
	 * lock waits for the callback. */
	if (__atomic_load_n(&t->quiet, __ATOMIC_ACQUIRE))
		return false;
	spin_lock(&timer_lock);
	bool was = list_linked(&t->node);
	if (was)
		list_remove(&t->node);
	__atomic_store_n(&t->quiet, true, __ATOMIC_RELAXED);
	spin_unlock(&timer_lock);
	return was;
}

void ktimer_run_expired(uint64_t now)
{
	spin_lock(&timer_lock);
	while (!list_empty(&armed)) {
		struct ktimer *t = container_of(armed.next, struct ktimer, node);
		if (t->deadline > now)
			break;
		list_remove(&t->node);
		t->fire(t);
	}
	spin_unlock(&timer_lock);
}
