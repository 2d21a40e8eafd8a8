/* The calls whose handle is `held` (the IDL; gen/idl/dispatch.py,
 * gen_held): the generated dispatch runs each under the caller's table
 * lock, right after the lookup, on the handle's own reference. They are
 * static inline so that the lookup, the call and the copy-out are one
 * function with no frame. Each only reads: it must not block, take a
 * lock or touch user memory. Included by the generated dispatch only. */
#ifndef KERN_OBJ_HELD_CALLS_H
#define KERN_OBJ_HELD_CALLS_H

#include "lightos/abi.h"
#include "object.h"
#include "handle_table.h"
#include "sched/clock.h"

/* info: the object's counts as they are now. The call holds no reference
 * of its own, so the refcount is the object's (handles and the kernel's). */
static inline status_t handle_info(struct cap_object *h, cap_handle_t h_handle, rights_t h_rights,
				   struct lo_object_info *info)
{
	(void)h_handle;
	info->id = h->id;
	info->type = h->type;
	info->rights = h_rights;
	info->refcount = cap_refcount(h);
	info->handle_count = cap_handle_count(h);
	info->signals = __atomic_load_n(&h->signals, __ATOMIC_ACQUIRE);   /* kobject_signals */
	info->reserved = 0;
	return LO_OK;
}

/* clock get: the time since boot. Reads one counter. */
struct clock;
static inline status_t clock_get(struct clock *clock, cap_handle_t clock_handle, rights_t clock_rights,
				 uint64_t *now)
{
	(void)clock;
	(void)clock_handle;
	(void)clock_rights;
	*now = clock_ns();
	return LO_OK;
}

#endif
