/* Waiting for object signals, with a deadline: the one blocking primitive
 * behind wait-one, wait-many, and the blocking forms of other calls. */
#ifndef KERN_SCHED_WAIT_H
#define KERN_SCHED_WAIT_H

#include <stdint.h>
#include <stddef.h>
#include "status.h"
#include "lightos/abi.h"
#include "obj/kobject.h"
#include "handle_table.h"


struct wait_item {
	struct kobject *obj;   /* the caller holds a reference */
	uint32_t mask;         /* signals that end the wait */
	uint32_t observed;     /* out: the object's signals when the wait ended */
	struct cap_table *table;   /* the handle the wait is made through, */
	cap_handle_t handle;       /* if any (table NULL: none) */
};

/* Block until any item's signals intersect its mask (LO_OK), the deadline
 * passes (LO_ERR_TIMED_OUT; deadline 0 polls), the handle an item was
 * named by is closed, replaced or moved away (LO_ERR_CANCELED), or the
 * thread is killed (LO_ERR_CANCELED). Fills every item's observed signals
 * either way. */
status_t wait_signals(struct wait_item *items, size_t count, uint64_t deadline);

#endif
