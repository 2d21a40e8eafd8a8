/* Timers: signal SIGNALED at a deadline (one-shot). */
#ifndef KERN_OBJ_TIMER_H
#define KERN_OBJ_TIMER_H

#include <stdint.h>
#include "status.h"
#include "obj/kobject.h"
#include "sched/ktimer.h"

struct timer {
	struct kobject obj;
	struct ktimer ktimer;
};

status_t timer_create(struct timer **out);
/* Arm for `deadline` (ns since boot); clears SIGNALED. Re-arming replaces. */
void timer_set(struct timer *t, uint64_t deadline);
/* Disarm and clear SIGNALED. */
void timer_cancel(struct timer *t);

#endif
