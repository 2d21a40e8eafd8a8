#include "obj/event.h"
#include "obj/kernel_types.h"
#include "mm/heap.h"
#include "obj/job.h"
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
