/* The capability core's inline platform hooks that need the kernel's own
 * structs (cap/handle_table.c includes this after handle_table.h), for the
 * duplicate and close system calls' paths that call nothing.
 *
 * The per-handle charge: duplicate and close place or remove one handle
 * on every call, so its job's count moves by one compare-and-swap instead
 * of a call into job.c (cap_table_charge, which keeps the rest). */
#ifndef KERN_CAP_HOOKS_H
#define KERN_CAP_HOOKS_H

#include "obj/process.h"
#include "obj/job.h"
#include "obj/kobject.h"

/* One more handle in t: NO_RESOURCES past its job's handle quota. */
static inline status_t cap_table_charge_handle(struct cap_table *t)
{
	struct job *j = container_of(t, struct process, handles)->obj.job;
	return j && !job_take_handle(j) ? LO_ERR_NO_RESOURCES : LO_OK;
}

static inline void cap_table_uncharge_handle(struct cap_table *t)
{
	struct job *j = container_of(t, struct process, handles)->obj.job;
	if (j)
		job_give_back_handle(j);
}

/* Whether cap_handle_retired(t, h, obj) has anything to do: a wait on obj
 * (an observer). Asked after the handle left its table, as
 * cap_handle_retired itself asks (obj/kobject.c says why no wait made
 * through it can be missed). */
static inline bool cap_handle_retire_needed(struct cap_object *obj)
{
	struct kobject *o = kobject_of(obj);
	return __atomic_load_n(&o->observers.next, __ATOMIC_ACQUIRE) != &o->observers;
}

#endif
