/*
 * What the generated system-call dispatch (build/gen/kern/) needs from the
 * kernel. The dispatch decodes registers, copies user memory through these
 * helpers, checks every handle argument with cap_lookup() on the calling
 * process's table, then calls the hand-written k_<type>_<method>() in
 * kern/obj/<type>.c.
 */
#ifndef KERN_OBJ_SYSCALL_SUPPORT_H
#define KERN_OBJ_SYSCALL_SUPPORT_H

#include <stdint.h>
#include <stddef.h>
#include "status.h"
#include "handle_table.h"

#include "obj/process.h"
#include "sched/thread.h"
#include "arch/x86_64/percpu.h"
#include "mm/layout.h"

/* The raw copy (mm/usercopy.asm): 0, or nonzero when a fault stopped it. */
uint64_t usercopy_raw(void *dst, const void *src, uint64_t n);

static inline bool user_range_ok(uint64_t addr, size_t len)
{
	return addr + len >= addr && addr + len <= USER_TOP;
}

/* Copy between kernel memory and the current process's user memory.
 * Checks that the whole user range lies in the user half (below USER_TOP)
 * and recovers from page faults: a fault inside the copy first tries to
 * resolve a lazily backed mapping (mm/uvm); if that fails, the exception
 * table turns it into LO_ERR_FAULT. Returns LO_OK, or LO_ERR_FAULT (bad or
 * unmapped pointer). Inline: nearly every system call copies, most with a
 * constant length. */
static inline status_t copy_from_user(void *dst, uint64_t user_src, size_t len)
{
	if (!user_range_ok(user_src, len))
		return LO_ERR_FAULT;
	if (len == 0)
		return LO_OK;
	return usercopy_raw(dst, (const void *)user_src, len) ? LO_ERR_FAULT : LO_OK;
}

static inline status_t copy_to_user(uint64_t user_dst, const void *src, size_t len)
{
	if (!user_range_ok(user_dst, len))
		return LO_ERR_FAULT;
	if (len == 0)
		return LO_OK;
	return usercopy_raw((void *)user_dst, src, len) ? LO_ERR_FAULT : LO_OK;
}

/* The handle table of the process whose thread is making the call:
 * straight from the per-CPU data. */
static inline struct cap_table *current_handle_table(void)
{
	return &this_cpu_current()->process->handles;
}

/* Record a rights denial (the audit log). Called by the dispatch when a
 * handle lookup returns LO_ERR_ACCESS_DENIED. */
void record_denial(uint32_t syscall_number, cap_handle_t handle,
		   rights_t required, rights_t held);

#endif
