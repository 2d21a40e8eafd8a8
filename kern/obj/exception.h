/* User-level exception handling (docs/exceptions.md), after Zircon's
 * exception channels.
 *
 * A process (and, once jobs exist, a job) may have one exception channel:
 * the kernel keeps one end, the handler reads the other. A fault in user
 * mode that the kernel does not resolve itself (a VMO page not yet in) is
 * offered to each handler of the chain in turn: process, its job, the
 * parent jobs. The faulting thread stops while a handler holds the
 * exception object; the handler answers resume (optionally with new
 * registers) or kill. A handler that closes the exception unanswered, or
 * whose channel is gone, passes the fault on; at the end of the chain the
 * kernel's default applies: the process ends with the fault recorded. */
#ifndef KERN_OBJ_EXCEPTION_H
#define KERN_OBJ_EXCEPTION_H

#include <stdint.h>
#include <stdbool.h>
#include "status.h"
#include "rights.h"
#include "obj/kobject.h"
#include "obj/kernel_types.h"

struct channel;
struct process;
struct trap_frame;

/* One place in the chain where a handler can bind: embedded in its owner
 * (process; job to come) and guarded by the owner's lock. */
struct exception_binding {
	struct channel *kernel_end;   /* counted reference, or NULL */
	rights_t rights;              /* of the handle that bound it */
};

/* Bind a handler to `b` (owner locked by the caller through `lock`):
 * returns the handler's end. ALREADY_EXISTS while an earlier handler's end
 * is still open; BAD_STATE once *ended (read under the lock). */
status_t exception_bind(struct exception_binding *b, struct spinlock *lock, const bool *ended,
			rights_t rights, struct channel **handler_end);
/* Drop the binding (the owner ends): the handler sees PEER_CLOSED. */
void exception_unbind(struct exception_binding *b, struct spinlock *lock);

/* A user-mode fault of the current thread, not resolved by the kernel:
 * offer it to the handlers. True if the thread is to go back to user mode
 * (a handler resumed it; f then holds any registers it set) or was killed
 * meanwhile (the way back to user mode ends it). False: nobody answered
 * resume, the kernel's default applies. */
bool exception_raise(struct trap_frame *f, uint64_t vector, uint64_t addr);

#endif
