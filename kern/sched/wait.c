#include "sched/wait.h"
#include "sched/thread.h"
#include "sched/clock.h"
#include "lib/assert.h"

struct thread_observer {
	struct observer obs;
	struct thread *thread;
};

static void wake_waiter(struct observer *obs, uint32_t signals)
{
	(void)signals;
	struct thread_observer *to = (struct thread_observer *)obs;
	thread_wake(to->thread, LO_OK);
}

/* The handle the wait was made through died. */
static void cancel_waiter(struct observer *obs)
{
	thread_wake(((struct thread_observer *)obs)->thread, LO_ERR_CANCELED);
}

/* After the observers are in place: a handle that died before that (after
 * the caller looked it up) found no observer to cancel, so look again. A
 * close after this point finds the observer (it removes the handle first,
 * then cancels under the object's lock). A revoke after this point finds
 * it through the node recorded here (kobject_cancel_revoked). */
static bool handles_still_live(struct wait_item *items, struct thread_observer *observers,
			       size_t count)
{
	bool live = true;
	for (size_t i = 0; i < count; i++) {
		struct cap_revoke_node *node;
		if (!items[i].table)
			continue;
		if (!cap_names_node(items[i].table, items[i].handle, &items[i].obj->cap, &node))
			live = false;
		else if (node && kobject_observer_node(items[i].obj, &observers[i].obs, node))
			live = false;
	}
	return live;
}

status_t wait_signals(struct wait_item *items, size_t count, uint64_t deadline)
{
	if (count == 0 || count > LO_WAIT_MANY_MAX)
		return LO_ERR_INVALID_ARGS;
	struct thread_observer observers[LO_WAIT_MANY_MAX];
	struct thread *self = thread_current();

	/* Blocked first, then observers: a signal that arrives in between
	 * wakes us (thread_block then returns at once). */
	thread_prepare_block(deadline <= clock_ns() ? DEADLINE_INFINITE : deadline);
	bool satisfied = false;
	for (size_t i = 0; i < count; i++) {
		observer_init(&observers[i].obs, items[i].mask, wake_waiter);
		observers[i].thread = self;
		if (items[i].table) {
			observers[i].obs.table = items[i].table;
			observers[i].obs.handle = items[i].handle;
			observers[i].obs.cancel = cancel_waiter;
		}
		if (kobject_observe(items[i].obj, &observers[i].obs) & items[i].mask)
			satisfied = true;
	}
	status_t st;
	if (!handles_still_live(items, observers, count)) {
		thread_wake(self, LO_ERR_CANCELED);
		st = thread_block();
	} else if (satisfied) {
		thread_wake(self, LO_OK);   /* cancels the block */
		st = thread_block();
	} else if (deadline <= clock_ns()) {
		thread_wake(self, LO_ERR_TIMED_OUT);
		st = thread_block();
	} else {
		st = thread_block();
	}
	for (size_t i = 0; i < count; i++) {
		kobject_unobserve(items[i].obj, &observers[i].obs);
		cap_revoke_node_unref(observers[i].obs.revoke_node);
		items[i].observed = kobject_signals(items[i].obj);
	}
	/* A signal that ended the wait wins over a deadline that passed just after. */
	if (st == LO_ERR_TIMED_OUT) {
		for (size_t i = 0; i < count; i++) {
			if (items[i].observed & items[i].mask)
				st = LO_OK;
		}
	}
	return st;
}
