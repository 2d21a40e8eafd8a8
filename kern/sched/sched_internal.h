/* Between thread.c and sched.c only. */
#ifndef KERN_SCHED_SCHED_INTERNAL_H
#define KERN_SCHED_SCHED_INTERNAL_H

#include "sched/thread.h"

void sched_make_runnable(struct thread *t);
void sched_mark_blocked(struct thread *t);
void sched_wake(struct thread *t, status_t result);
/* If t runs on another CPU, make that CPU look at it (a kill) now. */
void sched_kick(struct thread *t);
status_t sched_set_affinity(struct thread *t, uint32_t mask);
void schedule(void);
void sched_finish_switch(void);
__attribute__((noreturn)) void sched_exit_current(void);

#endif
