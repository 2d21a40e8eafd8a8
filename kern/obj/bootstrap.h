/* Init's startup block: struct lo_startup (idl/startup.idl), on init's
 * stack. It lists the handles the kernel installed in init's table and
 * carries the kernel command line. Documented in docs/bootstrap.md. */
#ifndef KERN_OBJ_BOOTSTRAP_H
#define KERN_OBJ_BOOTSTRAP_H

#include "obj/kernel_types.h"

struct process;
struct thread;

/* Create the bootstrap objects, install their handles in init's table and
 * describe them in *boot. */
void bootstrap_fill(struct lo_startup *boot, struct process *init, struct thread *first);

#endif
