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
}

void ktimer_arm(struct ktimer *t, uint64_t deadline)
{
	spin_lock(&timer_lock);
	if (list_linked(&t->node))
		list_remove(&t->node);
	t->deadline = deadline;
	struct list *pos = armed.prev;
	while (pos != &armed && container_of(pos, struct ktimer, node)->deadline > deadline)
		pos = pos->prev;
	list_insert_after(pos, &t->node);
	spin_unlock(&timer_lock);
}

bool ktimer_cancel(struct ktimer *t)
{
	/* Not armed (a wait without deadline), or already expired: no lock.
	 * Only its owner arms a timer, and run_expired unlinks it under the
	 * lock before it runs it, so unlinked stays unlinked here. */
	if (__atomic_load_n(&t->node.next, __ATOMIC_ACQUIRE) == &t->node)
		return false;
	spin_lock(&timer_lock);
	bool was = list_linked(&t->node);
	if (was)
		list_remove(&t->node);
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
