/* How a program learns its handles: the startup message (struct
 * lo_startup and the LO_STARTUP_* kinds, declared in idl/startup.idl).
 * liblightos reads it before main() and keeps it here. */
#ifndef LIGHTOS_STARTUP_H
#define LIGHTOS_STARTUP_H

#include <stdint.h>
#include "lightos/syscalls.h"

/* Sizes: LO_STARTUP_MAX_ENTRIES entries, LO_STARTUP_MAX_ARGS argument bytes. */

/* The first handle of `kind` this program started with, or LO_HANDLE_INVALID. */
lo_handle_t lo_startup_handle(uint32_t kind);
/* The argument string ("" if none). */
const char *lo_startup_args(void);

/* Handles every program gets if its parent gave them (invalid otherwise). */
extern lo_process_t lo_self;
extern lo_log_t lo_log;
extern lo_clock_t lo_clock;
extern lo_thread_t lo_main_thread;
/* The job this program creates its objects in (LO_STARTUP_JOB, with the
 * rights the parent and the policy gave): every creation call names it. */
extern lo_job_t lo_job;
lo_job_t lo_job_self(void);

#endif
