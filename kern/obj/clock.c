/* The clock: one object, made at boot, read through a handle. */
#include "obj/clock.h"
#include "obj/kernel_types.h"
#include "mm/heap.h"
#include "sched/clock.h"
#include "obj/vmo.h"
#include "mm/layout.h"
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

/* The clock page's VMO (clock_page): one for the system, made with the
 * clock at boot; the kernel keeps one reference for good. */
static struct vmo *page_vmo;

struct clock *clock_object(void)
{
	static struct clock *the_clock;   /* the kernel keeps one reference for good */
	if (!the_clock) {
		the_clock = kmalloc(sizeof(*the_clock));
		if (!the_clock)
			panic("clock: no memory for the clock object");
		kobject_init(&the_clock->obj, LO_TYPE_CLOCK, &clock_ops);
		if (vmo_wrap_physical(clock_page_phys(), PAGE_SIZE, false, &page_vmo) != LO_OK)
			panic("clock: no memory for the clock page's VMO");
	}
	return the_clock;
}

/* --- System calls (idl/clock.idl; get is `held`: obj/held_calls.h) --- */

status_t clock_page(struct clock *clock, struct vmo **vmo)
{
	(void)clock;
	cap_ref((struct cap_object *)page_vmo);   /* the caller's: the dispatch installs it */
	*vmo = page_vmo;
	return LO_OK;
}

