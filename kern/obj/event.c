#include "obj/event.h"
#include "obj/kernel_types.h"
#include "mm/heap.h"
#include "obj/job.h"
#include "obj/syscall_support.h"
#include "sched/thread.h"
#include "sched/clock.h"
#include "lib/assert.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

static void event_destroy(struct cap_object *obj)
{
	kobject_count_destroyed(LO_TYPE_EVENT);
	kobject_uncharge(kobject_of(obj));
	kfree(obj);
}

static const struct cap_object_ops event_ops = {
	.destroy = event_destroy,
	.on_zero_handles = NULL,
};

status_t event_alloc(struct event **event)
{
	struct event *e = kmalloc(sizeof(*e));
	if (!e)
		return LO_ERR_NO_MEMORY;
	kobject_init(&e->obj, LO_TYPE_EVENT, &event_ops);
	*event = e;
	return LO_OK;
}

/* --- System calls (idl/event.idl) --- */

/* Charged to job: one object now; its memory as it grows. */
status_t event_create(struct job *job, struct event **event)
{
	status_t st = job_charge_objects(job, 1);
	if (st != LO_OK)
		return st;
	st = event_alloc(event);
	if (st != LO_OK) {
		job_uncharge_objects(job, 1);
		return st;
	}
	kobject_charged(&(*event)->obj, job);
	return LO_OK;
}

/* --- event_consume: wait for SIGNALED and clear it in one step ---
 *
 * A consumer waits as an observer on the event's list, in the order the
 * threads came. A signal that reaches it there is handed over under the
 * event's lock: the observer clears SIGNALED again at once, takes itself
 * off the list and wakes its thread, so each signal ends exactly one
 * consume and the consumers behind it see the bit clear and wait on.
 * Whoever first moves `status` away from SHOULD_WAIT, under the event's
 * lock, decides how the call ends: the signal (LO_OK), a close or a
 * revoke of the handle (cancel), or the consumer itself after a timeout or
 * a kill. */
struct consumer {
	struct observer obs;   /* first: the observer callbacks cast back */
	struct kobject *event;
	struct thread *thread;
	status_t status;
};

/* Event lock held. `signals` is what the walk started with; an earlier
 * consumer in the same walk may have taken the signal since. */
static void consumer_notify(struct observer *obs, uint32_t signals)
{
	(void)signals;
	struct consumer *c = (struct consumer *)obs;
	struct kobject *o = c->event;
	uint32_t now = o->cap.signals;
	if (c->status != LO_ERR_SHOULD_WAIT || !(now & LO_SIG_EVENT_SIGNALED))
		return;
	/* Killed: the kill ended this consume (it set the flag before its
	 * wake), so the signal stays for the consumers behind. */
	if (__atomic_load_n(&c->thread->killed, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&o->cap.signals, now & ~LO_SIG_EVENT_SIGNALED, __ATOMIC_RELEASE);
	list_remove(&obs->node);
	thread_wake(c->thread, LO_OK);
	/* The last touch of *c: once the consumer sees LO_OK it may return
	 * without the lock, and its stack frame is gone. */
	__atomic_store_n(&c->status, LO_OK, __ATOMIC_RELEASE);
}

/* Event lock held: the handle the consume came through was closed,
 * replaced, moved or revoked. */
static void consumer_cancel(struct observer *obs)
{
	struct consumer *c = (struct consumer *)obs;
	if (c->status != LO_ERR_SHOULD_WAIT)
		return;
	/* Atomic: the consumer's unlocked look at status may run meanwhile. */
	__atomic_store_n(&c->status, LO_ERR_CANCELED, __ATOMIC_RELAXED);
	thread_wake(c->thread, LO_ERR_CANCELED);
}

/* The handle died between the dispatch's lookup and the observer going in
 * (a close after that finds the observer; see sched/wait.c). */
static bool consumer_handle_live(struct consumer *c, cap_handle_t h)
{
	struct cap_revoke_node *node;
	if (!cap_names_node(current_handle_table(), h, &c->event->cap, &node))
		return false;
	return !node || !kobject_observer_node(c->event, &c->obs, node);
}

status_t event_consume(struct event *event, cap_handle_t event_handle, rights_t event_rights,
		       uint64_t deadline)
{
	(void)event_rights;
	struct kobject *o = &event->obj;

	/* Signaled already: take it, without observers or blocking. Not
	 * signaled: no lock here, the observer takes a signal that comes. */
	if (kobject_signals(o) & LO_SIG_EVENT_SIGNALED) {
		spin_lock(&o->lock);
		if (o->cap.signals & LO_SIG_EVENT_SIGNALED) {
			kobject_signal_locked(o, LO_SIG_EVENT_SIGNALED, 0);
			spin_unlock(&o->lock);
			return LO_OK;
		}
		spin_unlock(&o->lock);   /* another consumer took it first */
	}

	bool passed = deadline != DEADLINE_INFINITE && deadline <= clock_ns();
	struct consumer c = { .event = o, .thread = thread_current(), .status = LO_ERR_SHOULD_WAIT };
	/* Blocked first, then the observer: a signal in between wakes us. */
	thread_prepare_block(passed ? DEADLINE_INFINITE : deadline);
	observer_init(&c.obs, LO_SIG_EVENT_SIGNALED, consumer_notify);
	c.obs.table = current_handle_table();
	c.obs.handle = event_handle;
	c.obs.cancel = consumer_cancel;
	kobject_observe(o, &c.obs);   /* takes a signal that came meanwhile */
	if (!consumer_handle_live(&c, event_handle))
		thread_wake(c.thread, LO_ERR_CANCELED);
	else if (passed)
		thread_wake(c.thread, LO_ERR_TIMED_OUT);
	status_t st = thread_block();

	/* Handed the signal: the signaler has let go of c, no lock needed,
	 * and the call ends OK even if a deadline woke us just before (the
	 * signal is taken; TIMED_OUT would lose it). Otherwise a deadline, a
	 * kill or a dead handle woke us: off the list under the lock, unless
	 * a signal took us off first (then it wins). */
	if (__atomic_load_n(&c.status, __ATOMIC_ACQUIRE) == LO_OK) {
		st = LO_OK;
	} else {
		spin_lock(&o->lock);
		if (list_linked(&c.obs.node))
			list_remove(&c.obs.node);
		if (c.status == LO_ERR_SHOULD_WAIT) {
			assert(st != LO_OK);   /* only a handed-over signal wakes with OK */
			c.status = st;
		}
		st = c.status;
		spin_unlock(&o->lock);
	}
	cap_revoke_node_unref(c.obs.revoke_node);
	return st;
}
