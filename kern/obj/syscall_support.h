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

/* Copy between kernel memory and the current process's user memory.
 * Checks that the whole user range lies in the user half and recovers from
 * page faults: returns LO_OK, or LO_ERR_FAULT (bad or unmapped pointer). */
status_t copy_from_user(void *dst, uint64_t user_src, size_t len);
status_t copy_to_user(uint64_t user_dst, const void *src, size_t len);

/* The handle table of the process whose thread is making the call. */
struct cap_table *current_handle_table(void);

/* Record a rights denial (the audit log). Called by the dispatch when a
 * handle lookup returns LO_ERR_ACCESS_DENIED. */
void record_denial(uint32_t syscall_number, cap_handle_t handle,
		   rights_t required, rights_t held);

#endif
