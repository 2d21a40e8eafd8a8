/* Between thread.c and sched.c only. */
#ifndef KERN_SCHED_SCHED_INTERNAL_H
#define KERN_SCHED_SCHED_INTERNAL_H

#include "sched/thread.h"

void sched_make_runnable(struct thread *t);
void sched_mark_blocked(struct thread *t);
void sched_wake(struct thread *t, status_t result);
void schedule(void);
void sched_finish_switch(void);
__attribute__((noreturn)) void sched_exit_current(void);

#endif
