/* Kernel timers: a callback at a deadline (nanoseconds since boot), run from
 * the timer interrupt. Used for wait deadlines and timer objects. */
#ifndef KERN_SCHED_KTIMER_H
#define KERN_SCHED_KTIMER_H

#include <stdint.h>
#include <stdbool.h>
#include "lib/list.h"

#define DEADLINE_INFINITE UINT64_MAX

struct ktimer;
/* Runs in interrupt context with the timer lock held: must not sleep or
 * arm/cancel timers. */
typedef void (*ktimer_fn)(struct ktimer *t);

struct ktimer {
	struct list node;
	uint64_t deadline;
	ktimer_fn fire;
	/* No arm since the last cancel (or init): cancel needs no lock. Set
	 * under the timer lock, read without it only by cancel. */
	bool quiet;
};

void ktimer_init(struct ktimer *t, ktimer_fn fire);
/* Arm (or re-arm) for `deadline`; a deadline in the past fires on the next tick. */
void ktimer_arm(struct ktimer *t, uint64_t deadline);
/* Disarm; true if it was armed and had not fired. On return the timer's
 * callback is not running on any CPU, so its owner may free it. */
bool ktimer_cancel(struct ktimer *t);
/* Called by the tick: fire every timer whose deadline has passed. */
void ktimer_run_expired(uint64_t now);

#endif
