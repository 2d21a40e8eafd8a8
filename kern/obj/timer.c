#include "obj/timer.h"
#include "obj/kernel_types.h"
#include "mm/heap.h"
#include "obj/job.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

static void timer_fired(struct ktimer *kt)
{
	struct timer *t = container_of(kt, struct timer, ktimer);
	kobject_signal(&t->obj, 0, LO_SIG_TIMER_SIGNALED);
}

static void timer_destroy(struct cap_object *obj)
{
	struct timer *t = (struct timer *)obj;
	ktimer_cancel(&t->ktimer);
	kobject_count_destroyed(LO_TYPE_TIMER);
	kobject_uncharge(kobject_of(obj));
	kfree(t);
}

/* An armed timer nobody can see any more would only waste a wake-up. */
static void timer_on_zero_handles(struct cap_object *obj)
{
	ktimer_cancel(&((struct timer *)obj)->ktimer);
}

static const struct cap_object_ops timer_ops = {
	.destroy = timer_destroy,
	.on_zero_handles = timer_on_zero_handles,
};

status_t timer_alloc(struct timer **timer)
{
	struct timer *t = kmalloc(sizeof(*t));
	if (!t)
		return LO_ERR_NO_MEMORY;
	kobject_init(&t->obj, LO_TYPE_TIMER, &timer_ops);
	ktimer_init(&t->ktimer, timer_fired);
	*timer = t;
	return LO_OK;
}

void timer_arm(struct timer *t, uint64_t deadline)
{
	kobject_signal(&t->obj, LO_SIG_TIMER_SIGNALED, 0);
	ktimer_arm(&t->ktimer, deadline);
}

void timer_disarm(struct timer *t)
{
	ktimer_cancel(&t->ktimer);
	kobject_signal(&t->obj, LO_SIG_TIMER_SIGNALED, 0);
}

/* --- System calls (idl/timer.idl) --- */

/* Charged to job: one object now; its memory as it grows. */
status_t timer_create(struct job *job, struct timer **timer)
{
	status_t st = job_charge_objects(job, 1);
	if (st != LO_OK)
		return st;
	st = timer_alloc(timer);
	if (st != LO_OK) {
		job_uncharge_objects(job, 1);
		return st;
	}
	kobject_charged(&(*timer)->obj, job);
	return LO_OK;
}

status_t timer_set(struct timer *timer, uint64_t deadline)
{
	timer_arm(timer, deadline);
	return LO_OK;
}

status_t timer_cancel(struct timer *timer)
{
	timer_disarm(timer);
	return LO_OK;
}
