#include "obj/kobject.h"
#include "lib/assert.h"

static uint64_t live_per_type[LO_OBJECT_TYPES_MAX];

void kobject_init(struct kobject *o, uint32_t type, const struct cap_object_ops *ops)
{
	assert(type < LO_OBJECT_TYPES_MAX);
	cap_object_init(&o->cap, type, ops);
	spin_init(&o->lock, "kobject");
	list_init(&o->observers);
	o->job = NULL;
	__atomic_fetch_add(&live_per_type[type], 1, __ATOMIC_RELAXED);
}

/* Every destroy function calls this once, so leak checks can count. */
void kobject_count_destroyed(uint32_t type)
{
	assert(type < LO_OBJECT_TYPES_MAX);
	__atomic_fetch_sub(&live_per_type[type], 1, __ATOMIC_RELAXED);
}

uint64_t kobject_live_count(uint32_t type)
{
	if (type >= LO_OBJECT_TYPES_MAX)
		return 0;
	return __atomic_load_n(&live_per_type[type], __ATOMIC_RELAXED);
}

void kobject_signal_locked(struct kobject *o, uint32_t clear, uint32_t set)
{
	uint32_t old = o->cap.signals;
	uint32_t now = (old & ~clear) | set;
	__atomic_store_n(&o->cap.signals, now, __ATOMIC_RELEASE);
	if (now == old)
		return;
	struct list *n = o->observers.next;
	while (n != &o->observers) {
		struct list *next = n->next;   /* notify may unlink this observer */
		struct observer *obs = container_of(n, struct observer, node);
		if (now & obs->mask)
			obs->notify(obs, now);
		n = next;
	}
}

void kobject_signal(struct kobject *o, uint32_t clear, uint32_t set)
{
	spin_lock(&o->lock);
	kobject_signal_locked(o, clear, set);
	spin_unlock(&o->lock);
}

uint32_t kobject_signals(struct kobject *o)
{
	return __atomic_load_n(&o->cap.signals, __ATOMIC_ACQUIRE);
}

uint32_t kobject_observe(struct kobject *o, struct observer *obs)
{
	spin_lock(&o->lock);
	list_push_back(&o->observers, &obs->node);
	uint32_t now = o->cap.signals;
	if (now & obs->mask)
		obs->notify(obs, now);
	spin_unlock(&o->lock);
	return now;
}

/* The capability core's hook (cap/handle_table.h): handle `handle` of
 * table `t` is gone, and with it every wait made through it. */
/* Someone waits on the object: cancel the waits made through the handle. */
static __attribute__((noinline)) void cancel_waits_through(struct cap_table *t, uint32_t handle,
							  struct kobject *o)
{
	spin_lock(&o->lock);
	for (struct list *n = o->observers.next; n != &o->observers; n = n->next) {
		struct observer *obs = container_of(n, struct observer, node);
		if (obs->cancel && obs->table == t && obs->handle == handle)
			obs->cancel(obs);
	}
	spin_unlock(&o->lock);
}

void cap_handle_retired(struct cap_table *t, uint32_t handle, struct cap_object *obj)
{
	struct kobject *o = kobject_of(obj);
	/* Nobody waits on the object (the usual case): no lock, and no frame
	 * (the rest is out of line). A wait made through this handle put its
	 * observer in before it checked, under the table lock, that the handle
	 * lived (wait.c, handles_still_live); the handle was removed under that
	 * lock before this call, so such an observer is visible here. */
	if (__atomic_load_n(&o->observers.next, __ATOMIC_ACQUIRE) != &o->observers)
		cancel_waits_through(t, handle, o);
}

void kobject_unobserve(struct kobject *o, struct observer *obs)
{
	spin_lock(&o->lock);
	if (list_linked(&obs->node))
		list_remove(&obs->node);
	spin_unlock(&o->lock);
}

void kobject_cancel_revoked(struct kobject *o)
{
	spin_lock(&o->lock);
	for (struct list *n = o->observers.next; n != &o->observers; n = n->next) {
		struct observer *obs = container_of(n, struct observer, node);
		if (obs->cancel && cap_revoked(obs->revoke_node))
			obs->cancel(obs);
	}
	spin_unlock(&o->lock);
}

bool kobject_observer_node(struct kobject *o, struct observer *obs, struct cap_revoke_node *node)
{
	/* Under the lock: a revoke that takes the lock after us sees the node;
	 * one that took it before set its flag before, and we see the flag. */
	spin_lock(&o->lock);
	obs->revoke_node = node;
	spin_unlock(&o->lock);
	return cap_revoked(node);
}
