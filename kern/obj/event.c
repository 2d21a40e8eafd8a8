#include "obj/event.h"
#include "obj/kernel_types.h"
#include "mm/heap.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

static void event_destroy(struct cap_object *obj)
{
	kobject_count_destroyed(LO_TYPE_EVENT);
	kfree(obj);
}

static const struct cap_object_ops event_ops = {
	.destroy = event_destroy,
	.on_zero_handles = NULL,
};

status_t event_create(struct event **event)
{
	struct event *e = kmalloc(sizeof(*e));
	if (!e)
		return LO_ERR_NO_MEMORY;
	kobject_init(&e->obj, LO_TYPE_EVENT, &event_ops);
	*event = e;
	return LO_OK;
}

/* --- System calls (idl/event.idl) --- */

