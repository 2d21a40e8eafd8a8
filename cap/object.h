/*
 * The header every kernel object starts with.
 *
 * Lifetime: an object is born with refcount 1 (the creator's reference).
 * Every handle to it holds one reference, every kernel-internal pointer that
 * keeps it holds one reference. ops->destroy runs exactly once, when the
 * refcount reaches zero, and never earlier.
 *
 * handle_count counts handles, including handles in transit inside a channel
 * message (they still belong to someone). When it falls to zero,
 * ops->on_zero_handles runs (e.g. a channel end tells its peer PEER_CLOSED).
 *
 * A kernel object type embeds `struct cap_object` as its FIRST member, so a
 * `struct cap_object *` and a pointer to the containing object convert by cast.
 *
 * Callbacks never nest: an object's death can release others (a channel's
 * queued messages hold handles to channels whose queues hold more...). So
 * the first callback to start runs the others from a queue, one after the
 * other, instead of inside each other: the stack stays shallow however deep
 * objects are nested. on_zero_handles callbacks run before destroys.
 */
#ifndef CAP_OBJECT_H
#define CAP_OBJECT_H

#include <stdint.h>
#include <stdbool.h>
#include "cap_platform.h"

struct cap_object;

struct cap_object_ops {
	/* Refcount reached zero: release what the object owns and free it. */
	void (*destroy)(struct cap_object *obj);
	/* Last handle closed (may be NULL). Runs before the handle's reference drops. */
	void (*on_zero_handles)(struct cap_object *obj);
};

struct cap_object {
	uint32_t type;          /* LO_TYPE_* (declared in idl/) */
	uint32_t signals;       /* current signal bits; meaning per type (idl/) */
	uint64_t id;            /* unique for the life of the system, never reused */
	uint32_t refcount;      /* atomic */
	uint32_t handle_count;  /* atomic */
	const struct cap_object_ops *ops;
	/* Queues of pending callbacks (see object.c: no deep recursion). */
	struct cap_object *next_zero;
	struct cap_object *next_dying;
};

/* Set up a new object with refcount 1, handle_count 0, signals 0 and a fresh id. */
void cap_object_init(struct cap_object *obj, uint32_t type,
		     const struct cap_object_ops *ops);

/* Take another reference. The caller must already hold one. */
static inline void cap_ref(struct cap_object *obj)
{
	__atomic_fetch_add(&obj->refcount, 1, __ATOMIC_RELAXED);
}

/* A reference for code that found the object on a list it does not own a
 * reference through: false (and no reference) if the object is already
 * dying, its refcount at zero. Never resurrects an object. */
bool cap_ref_unless_dying(struct cap_object *obj);

/* The last reference is gone: queue ops->destroy (object.c). */
void cap_object_dying(struct cap_object *obj);

/* Drop a reference; the last one runs ops->destroy. Inline: every system
 * call that names a handle drops the dispatch's reference. */
static inline void cap_unref(struct cap_object *obj)
{
	/* Release: our writes to the object happen before its destruction;
	 * acquire on the last one: the destroyer sees everyone's writes. */
	if (__atomic_sub_fetch(&obj->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		cap_object_dying(obj);
}

/* Snapshot of the counts, for `object info`. */
static inline uint32_t cap_refcount(const struct cap_object *obj)
{
	return __atomic_load_n(&obj->refcount, __ATOMIC_RELAXED);
}

static inline uint32_t cap_handle_count(const struct cap_object *obj)
{
	return __atomic_load_n(&obj->handle_count, __ATOMIC_RELAXED);
}

/* Called by handle tables when a handle is created / destroyed. */
static inline void cap_handle_opened(struct cap_object *obj)
{
	__atomic_fetch_add(&obj->handle_count, 1, __ATOMIC_RELAXED);
}

/* The last handle is gone: queue ops->on_zero_handles (object.c). */
void cap_object_no_handles(struct cap_object *obj);

/* May run on_zero_handles. */
static inline void cap_handle_closed(struct cap_object *obj)
{
	if (__atomic_sub_fetch(&obj->handle_count, 1, __ATOMIC_ACQ_REL) == 0 &&
	    obj->ops->on_zero_handles)
		cap_object_no_handles(obj);
}

#endif
