#include "test_objects.h"
#include <stdlib.h>

long test_objects_live;

static void destroy(struct cap_object *obj)
{
	struct test_object *o = (struct test_object *)obj;
	o->destroyed++;
	__atomic_fetch_sub(&test_objects_live, 1, __ATOMIC_RELAXED);
	if (o->freed_on_destroy)
		free(o);
}

static void on_zero_handles(struct cap_object *obj)
{
	((struct test_object *)obj)->zero_handles++;
}

static const struct cap_object_ops ops = { destroy, on_zero_handles };

struct test_object *test_object_new(uint32_t type, int free_on_destroy)
{
	struct test_object *o = calloc(1, sizeof(*o));
	cap_object_init(&o->base, type, &ops);
	o->freed_on_destroy = free_on_destroy;
	__atomic_fetch_add(&test_objects_live, 1, __ATOMIC_RELAXED);
	return o;
}
