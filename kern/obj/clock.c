/* The clock: one object, made at boot, read through a handle. */
#include "obj/clock.h"
#include "obj/kernel_types.h"
#include "mm/heap.h"
#include "sched/clock.h"
#include "lib/assert.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

struct clock {
	struct kobject obj;
};

static void clock_destroy(struct cap_object *obj)
{
	kobject_count_destroyed(LO_TYPE_CLOCK);
	kfree(obj);
}

static const struct cap_object_ops clock_ops = {
	.destroy = clock_destroy,
	.on_zero_handles = NULL,
};

struct clock *clock_object(void)
{
	static struct clock *the_clock;   /* the kernel keeps one reference for good */
	if (!the_clock) {
		the_clock = kmalloc(sizeof(*the_clock));
		if (!the_clock)
			panic("clock: no memory for the clock object");
		kobject_init(&the_clock->obj, LO_TYPE_CLOCK, &clock_ops);
	}
	return the_clock;
}

/* The system call (idl/clock.idl) is `held`: clock_get in obj/held_calls.h. */
