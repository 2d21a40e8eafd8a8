/* The generic calls: they act on a handle, whatever its object's type. */
#include "obj/kobject.h"
#include "obj/kernel_types.h"
#include "obj/syscall_support.h"
#include "sched/wait.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

status_t handle_close(struct cap_object *h, cap_handle_t h_handle, rights_t h_rights)
{
	(void)h;
	(void)h_rights;
	return cap_close(current_handle_table(), h_handle);
}

status_t handle_duplicate(struct cap_object *h, cap_handle_t h_handle, rights_t h_rights,
			    uint32_t rights, uint32_t *dup)
{
	(void)h;
	(void)h_rights;
	return cap_duplicate(current_handle_table(), h_handle, rights, dup);
}

status_t handle_replace(struct cap_object *h, cap_handle_t h_handle, rights_t h_rights,
			  uint32_t rights, uint32_t *replaced)
{
	(void)h;
	(void)h_rights;
	return cap_replace(current_handle_table(), h_handle, rights, replaced);
}

status_t handle_info(struct cap_object *h, cap_handle_t h_handle, rights_t h_rights,
		       struct lo_object_info *info)
{
	(void)h_handle;
	info->id = h->id;
	info->type = h->type;
	info->rights = h_rights;
	/* Less the reference this very call holds. */
	info->refcount = cap_refcount(h) - 1;
	info->handle_count = cap_handle_count(h);
	info->signals = kobject_signals(kobject_of(h));
	info->reserved = 0;
	return LO_OK;
}

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
	for (uint32_t i = 0; i < count; i++) {
		items[i].obj = kobject_of(objects[i]);
		items[i].mask = masks[i];
		items[i].observed = 0;
		items[i].table = current_handle_table();
		items[i].handle = objects_handles[i];
	}
	status_t st = wait_signals(items, count, deadline);
	for (uint32_t i = 0; i < count; i++)
		observed[i] = items[i].observed;
	return st;
}
