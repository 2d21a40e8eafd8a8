/* The generic calls: they act on a handle, whatever its object's type. */
#include "obj/kobject.h"
#include "obj/kernel_types.h"
#include "obj/syscall_support.h"
#include "sched/wait.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

/* Close, duplicate and replace are `self_lookup` calls: each is one
 * operation on the caller's table, which finds the handle and acts on it
 * under one lock, instead of a lookup by the dispatch and then a second
 * (the dispatch records a duplicate's denial). Close and duplicate take
 * the system-call forms, whose common case calls nothing. */
status_t handle_close(cap_handle_t h_handle)
{
	return cap_sys_close(current_handle_table(), h_handle);
}

status_t handle_duplicate(cap_handle_t h_handle, uint32_t rights, uint32_t *dup)
{
	return cap_sys_duplicate(current_handle_table(), h_handle, rights, dup);
}

status_t handle_replace(cap_handle_t h_handle, uint32_t rights, uint32_t *replaced)
{
	return cap_replace(current_handle_table(), h_handle, rights, replaced);
}

/* handle_info is a `held` call: obj/held_calls.h. */

status_t handle_signal(struct cap_object *h, uint32_t clear, uint32_t set)
{
	/* Only user signals: the others report the object's own state. */
	if ((clear | set) & ~LO_SIG_USER_MASK)
		return LO_ERR_INVALID_ARGS;
	kobject_signal(kobject_of(h), clear, set);
	return LO_OK;
}

status_t handle_wait_one(struct cap_object *h, cap_handle_t h_handle, rights_t h_rights,
			 uint32_t signals, uint64_t deadline, uint32_t *observed)
{
	(void)h_rights;
	if (signals == 0)
		return LO_ERR_INVALID_ARGS;
	/* Already satisfied: the answer is now, without observers or blocking
	 * (the dispatch's lookup just found the handle live). */
	uint32_t now = kobject_signals(kobject_of(h));
	if (now & signals) {
		*observed = now;
		return LO_OK;
	}
	struct wait_item item = { kobject_of(h), signals, 0, current_handle_table(), h_handle };
	status_t st = wait_signals(&item, 1, deadline);
	*observed = item.observed;
	return st;
}

status_t handle_wait_many(struct cap_object **objects, const uint32_t *objects_handles,
			  const uint32_t *masks, uint32_t *observed, uint32_t count,
			  uint64_t deadline)
{
	struct wait_item items[LO_WAIT_MANY_MAX];
	if (count == 0 || count > LO_WAIT_MANY_MAX)
		return LO_ERR_INVALID_ARGS;
	/* Already satisfied: every object's signals now, without observers or
	 * blocking (the dispatch's lookups just found every handle live). */
	bool satisfied = false;
	for (uint32_t i = 0; i < count; i++) {
		observed[i] = kobject_signals(kobject_of(objects[i]));
		satisfied |= (observed[i] & masks[i]) != 0;
	}
	if (satisfied)
		return LO_OK;
	struct cap_table *table = current_handle_table();
	for (uint32_t i = 0; i < count; i++) {
		items[i].obj = kobject_of(objects[i]);
		items[i].mask = masks[i];
		items[i].observed = 0;
		items[i].table = table;
		items[i].handle = objects_handles[i];
	}
	status_t st = wait_signals(items, count, deadline);
	for (uint32_t i = 0; i < count; i++)
		observed[i] = items[i].observed;
	return st;
}
