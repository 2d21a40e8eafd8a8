/* Timers: signal SIGNALED at a deadline (one-shot). */
#ifndef KERN_OBJ_TIMER_H
#define KERN_OBJ_TIMER_H

#include <stdint.h>
#include "status.h"
#include "obj/kobject.h"
#include "sched/ktimer.h"
#include "k_objects.h"   /* generated: the system calls this object implements */

struct timer {
	struct kobject obj;
	struct ktimer ktimer;
};

/* A new timer, charged to no job; timer_create() (the call) in k_objects.h */
status_t timer_alloc(struct timer **timer);
/* Arm for `deadline` (ns since boot); clears SIGNALED. Re-arming replaces. */
void timer_arm(struct timer *t, uint64_t deadline);
/* Disarm and clear SIGNALED. */
void timer_disarm(struct timer *t);

#endif
