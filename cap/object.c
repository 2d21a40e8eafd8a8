/* Reference counting for every kernel object. */
#include "object.h"

/* Ids start at 1 and are never reused (64 bits do not wrap in practice). */
static uint64_t next_object_id = 1;

void cap_object_init(struct cap_object *obj, uint32_t type,
		     const struct cap_object_ops *ops)
{
	obj->type = type;
	obj->signals = 0;
	obj->id = __atomic_fetch_add(&next_object_id, 1, __ATOMIC_RELAXED);
	obj->refcount = 1;
	obj->handle_count = 0;
	obj->ops = ops;
}

void cap_ref(struct cap_object *obj)
{
	__atomic_fetch_add(&obj->refcount, 1, __ATOMIC_RELAXED);
}

void cap_unref(struct cap_object *obj)
{
	/* Release: our writes to the object happen before its destruction;
	 * acquire on the last one: the destroyer sees everyone's writes. */
	if (__atomic_sub_fetch(&obj->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		obj->ops->destroy(obj);
}

uint32_t cap_refcount(const struct cap_object *obj)
{
	return __atomic_load_n(&obj->refcount, __ATOMIC_RELAXED);
}

uint32_t cap_handle_count(const struct cap_object *obj)
{
	return __atomic_load_n(&obj->handle_count, __ATOMIC_RELAXED);
}

void cap_handle_opened(struct cap_object *obj)
{
	__atomic_fetch_add(&obj->handle_count, 1, __ATOMIC_RELAXED);
}

void cap_handle_closed(struct cap_object *obj)
{
	if (__atomic_sub_fetch(&obj->handle_count, 1, __ATOMIC_ACQ_REL) == 0 &&
	    obj->ops->on_zero_handles)
		obj->ops->on_zero_handles(obj);
}
