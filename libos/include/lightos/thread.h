/* Threads inside this process: a function on a stack of its own. */
#ifndef LIGHTOS_THREAD_H
#define LIGHTOS_THREAD_H

#include "lightos/syscalls.h"

#define LO_THREAD_STACK (64 * 1024)
#define LO_THREAD_MAX   32   /* threads from lo_thread_run alive at once */

/* Start fn(arg) in a new thread of this process. The thread ends when fn
 * returns. */
status_t lo_thread_run(void (*fn)(void *), void *arg, const char *name, lo_thread_t *out);
/* Wait for a thread from lo_thread_run to end, then free its stack and
 * close its handle. (A thread cannot unmap the stack it runs on.) */
status_t lo_thread_join(lo_thread_t thread, uint64_t deadline);
/* Whether the thread from lo_thread_run whose stack holds address sp has
 * ended (killed, not yet joined); 1 only when sure: any other address gives
 * 0. For a lock that records its holder's stack pointer. */
int lo_thread_stack_dead(uint64_t sp);
/* Called by lo_thread_join, if a program has it, with the stack it frees. */
void lo_thread_stack_gone(uint64_t stack, uint64_t size);

#endif
