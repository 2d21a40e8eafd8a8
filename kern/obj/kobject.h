/* What every kernel object adds to the capability core's header: a lock,
 * and observers of its signals (waiting threads, ports).
 *
 * Each kernel object type is a struct whose FIRST member is a struct
 * kobject (whose first member is the struct cap_object), so the generated
 * dispatch converts a looked-up struct cap_object * by a cast.
 *
 * Signals are level-triggered: an observer is notified whenever the
 * object's signals change and intersect its mask, and when it is added
 * while they already do. */
#ifndef KERN_OBJ_KOBJECT_H
#define KERN_OBJ_KOBJECT_H

#include <stdint.h>
#include "object.h"
#include "revoke.h"
#include "lightos/abi.h"
#include "sched/spinlock.h"
#include "lib/list.h"

struct observer;
/* Called with the object's lock held: must not sleep or take that lock. */
typedef void (*observer_fn)(struct observer *obs, uint32_t signals);

struct observer {
	struct list node;         /* in kobject.observers */
	uint32_t mask;
	observer_fn notify;
	/* A wait made through a handle: when that handle value dies (close,
	 * replace, transfer), cancel(obs) runs, under the object's lock. */
	const void *table;        /* the handle's table; NULL: not through a handle */
	uint32_t handle;
	void (*cancel)(struct observer *obs);
	/* That handle's revocation node (counted), if it is revocable: a revoke
	 * cancels the observers whose node it revoked. Written under o->lock. */
	struct cap_revoke_node *revoke_node;
};

static inline void observer_init(struct observer *obs, uint32_t mask, observer_fn notify)
{
	list_init(&obs->node);
	obs->mask = mask;
	obs->notify = notify;
	obs->table = NULL;
	obs->handle = 0;
	obs->cancel = NULL;
	obs->revoke_node = NULL;
}

struct kobject {
	struct cap_object cap;
	struct spinlock lock;      /* the object's state, signals and observers */
	struct list observers;
	struct job *job;           /* charged for this object (obj/job.h); NULL: the kernel's */
};

void kobject_init(struct kobject *o, uint32_t type, const struct cap_object_ops *ops);

static inline struct kobject *kobject_of(struct cap_object *c)
{
	return (struct kobject *)c;
}

/* Change signals: clear then set. The _locked form needs o->lock held. */
void kobject_signal(struct kobject *o, uint32_t clear, uint32_t set);
void kobject_signal_locked(struct kobject *o, uint32_t clear, uint32_t set);
uint32_t kobject_signals(struct kobject *o);

/* Start observing; notifies at once if the signals already match.
 * Returns the signals at the time it was added. */
uint32_t kobject_observe(struct kobject *o, struct observer *obs);
void kobject_unobserve(struct kobject *o, struct observer *obs);
/* A grant of o was revoked: cancel the waits made through revoked handles. */
void kobject_cancel_revoked(struct kobject *o);
/* Record the revocation node of the handle obs waits through (a reference
 * moves in). Returns whether that handle is revoked already. */
bool kobject_observer_node(struct kobject *o, struct observer *obs, struct cap_revoke_node *node);

/* Live objects per type, for leak checks (index: type id, 0..LO_OBJECT_TYPES_MAX-1). */
uint64_t kobject_live_count(uint32_t type);
void kobject_count_destroyed(uint32_t type);

#endif
