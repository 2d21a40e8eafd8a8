/* Copies between kernel memory and the current process's user memory.
 * A user range must lie wholly below USER_TOP. A page fault inside the copy
 * first tries to resolve a lazily backed mapping (mm/uvm); if that fails,
 * the exception table turns it into LO_ERR_FAULT. */
#include "obj/syscall_support.h"
#include "obj/process.h"
#include "sched/thread.h"
#include "arch/x86_64/percpu.h"
#include "mm/layout.h"

uint64_t usercopy_raw(void *dst, const void *src, uint64_t n);

static bool user_range_ok(uint64_t addr, size_t len)
{
	return addr + len >= addr && addr + len <= USER_TOP;
}

status_t copy_from_user(void *dst, uint64_t user_src, size_t len)
{
	if (!user_range_ok(user_src, len))
		return LO_ERR_FAULT;
	if (len == 0)
		return LO_OK;
	return usercopy_raw(dst, (const void *)user_src, len) ? LO_ERR_FAULT : LO_OK;
}

status_t copy_to_user(uint64_t user_dst, const void *src, size_t len)
{
	if (!user_range_ok(user_dst, len))
		return LO_ERR_FAULT;
	if (len == 0)
		return LO_OK;
	return usercopy_raw((void *)user_dst, src, len) ? LO_ERR_FAULT : LO_OK;
}

/* Every handle call asks: straight from the per-CPU data, no calls. */
struct cap_table *current_handle_table(void)
{
	return &this_cpu()->current->process->handles;
}
