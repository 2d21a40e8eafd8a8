/* Reference counting for every kernel object. */
#include "object.h"

/* Ids start at 1 and are never reused (64 bits do not wrap in practice). */
static uint64_t next_object_id = 1;

/* Callbacks waiting to run. Any thread that queues one drains the queues
 * (on every CPU at once, if need be), unless it is already draining them
 * further up its own stack: a per-thread flag (cap_platform.h) keeps
 * callbacks from nesting, and the outer loop picks up what they queue. One
 * drainer for the whole machine would leave the other CPUs' dead objects
 * waiting behind whatever that one thread is doing. */
static cap_lock_t pending_lock = CAP_LOCK_INITIALIZER;
static struct cap_object *zero_queue;
static struct cap_object *dying_queue;

/* Run queued callbacks until none is left; on_zero_handles first. Called
 * with pending_lock held, returns with it released. */
static void run_callbacks(int *draining)
{
	*draining = 1;
	for (;;) {
		struct cap_object *obj = zero_queue;
		if (obj) {
			zero_queue = obj->next_zero;
			cap_lock_release(&pending_lock);
			obj->ops->on_zero_handles(obj);
			cap_unref(obj);   /* cap_object_no_handles's: destroy waits for the callback */
			cap_lock_acquire(&pending_lock);
			continue;
		}
		obj = dying_queue;
		if (!obj)
			break;
		dying_queue = obj->next_dying;
		cap_lock_release(&pending_lock);
		obj->ops->destroy(obj);
		cap_lock_acquire(&pending_lock);
	}
	*draining = 0;
	cap_lock_release(&pending_lock);
}

/* With pending_lock held: drain the queues unless this thread is doing so
 * already. Releases the lock. */
static void drain_or_leave(void)
{
	int *draining = cap_thread_draining();
	if (*draining)
		cap_lock_release(&pending_lock);
	else
		run_callbacks(draining);
}

/* A reference for the callback: with several drainers, the object's
 * destroy could otherwise run on one CPU while its on_zero_handles still
 * runs on another. */
void cap_object_no_handles(struct cap_object *obj)
{
	cap_ref(obj);
	cap_lock_acquire(&pending_lock);
	obj->next_zero = zero_queue;
	zero_queue = obj;
	drain_or_leave();
}

void cap_object_dying(struct cap_object *obj)
{
	cap_lock_acquire(&pending_lock);
	obj->next_dying = dying_queue;
	dying_queue = obj;
	drain_or_leave();
}

void cap_object_init(struct cap_object *obj, uint32_t type,
		     const struct cap_object_ops *ops)
{
	obj->type = type;
	obj->signals = 0;
	obj->id = __atomic_fetch_add(&next_object_id, 1, __ATOMIC_RELAXED);
	obj->refcount = 1;
	obj->handle_count = 0;
	obj->ops = ops;
	obj->next_zero = 0;
	obj->next_dying = 0;
}

bool cap_ref_unless_dying(struct cap_object *obj)
{
	uint32_t n = __atomic_load_n(&obj->refcount, __ATOMIC_RELAXED);
	while (n != 0) {
		if (__atomic_compare_exchange_n(&obj->refcount, &n, n + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
	}
	return false;
}
