/* Handle tables: slot arrays with generations, behind one lock per table.
 * The slots and the handle encoding are in handle_slot.h. */
#include "handle_table.h"
#include "cap_hooks.h"   /* the platform's inline hooks */

#define MIN_CAPACITY 16u

static uint32_t inverse(uint32_t odd)
{
	uint32_t x = odd;          /* correct to 3 bits; each step doubles them */
	for (int i = 0; i < 5; i++)
		x *= 2u - odd * x;
	return x;
}

static inline cap_handle_t encode(const struct cap_table *t, uint32_t index, uint16_t gen)
{
	return cap_slot_encode(t, index, gen);
}

static inline uint32_t decode(const struct cap_table *t, cap_handle_t h)
{
	return cap_slot_decode(t, h);
}

status_t cap_table_init(struct cap_table *t, uint32_t quota, uint32_t secret)
{
	if (quota == 0 || quota > CAP_TABLE_MAX_HANDLES)
		return LO_ERR_INVALID_ARGS;
	cap_lock_init(&t->lock);
	t->slots = NULL;
	t->capacity = 0;
	t->count = 0;
	t->quota = quota;
	t->free_head = 0;
	t->secret = secret;
	/* Two odd multipliers from the secret, and their inverses mod 2^32. */
	t->mix[0] = secret | 1u;
	t->mix[1] = (secret * 0x9e3779b9u) | 1u;
	t->mix[2] = inverse(t->mix[0]);
	t->mix[3] = inverse(t->mix[1]);
	return LO_OK;
}

/* Make room for one more handle. Lock held. Rare: out of line. */
static __attribute__((noinline)) status_t grow(struct cap_table *t)
{
	if (t->count >= t->quota)
		return LO_ERR_NO_RESOURCES;
	uint32_t want = t->capacity ? t->capacity * 2 : MIN_CAPACITY;
	if (want > t->quota + 1)
		want = t->quota + 1;          /* slot 0 is never used */
	/* The table's owner pays for the growth (the kernel: its job). */
	int64_t more = (int64_t)(want - t->capacity) * (int64_t)sizeof(struct cap_slot);
	status_t st = cap_table_charge(t, 0, more);
	if (st != LO_OK)
		return st;
	struct cap_slot *slots = cap_mem_alloc(want * sizeof(*slots));
	if (!slots) {
		cap_table_charge(t, 0, -more);
		return LO_ERR_NO_MEMORY;
	}
	for (uint32_t i = 0; i < t->capacity; i++)
		slots[i] = t->slots[i];
	/* Chain the new slots onto the free list, lowest index first. */
	uint32_t first = t->capacity ? t->capacity : 1;
	for (uint32_t i = want - 1; i >= first; i--) {
		slots[i].rights = t->free_head;
		t->free_head = i;
	}
	if (t->slots)
		cap_mem_free(t->slots, t->capacity * sizeof(*slots));
	t->slots = slots;
	t->capacity = want;
	return LO_OK;
}

/* Take a free slot for obj. Lock held. Inline: duplicate and install. */
static inline __attribute__((always_inline)) status_t
place(struct cap_table *t, struct cap_object *obj, rights_t rights,
      struct cap_revoke_node *node, cap_handle_t *out)
{
	if (t->count >= t->quota)
		return LO_ERR_NO_RESOURCES;
	if (__builtin_expect(!t->free_head, 0)) {
		status_t st = grow(t);
		if (st != LO_OK)
			return st;
	}
	/* The owner's handle quota (the kernel: its job's). */
	if (cap_table_charge_handle(t) != LO_OK)
		return LO_ERR_NO_RESOURCES;
	uint32_t index = t->free_head;
	struct cap_slot *s = &t->slots[index];
	t->free_head = s->rights;
	s->obj = obj;
	s->rights = rights;
	s->node = node;   /* the caller's reference moves into the slot */
	t->count++;
	*out = encode(t, index, s->generation);
	return LO_OK;
}

static inline __attribute__((always_inline)) struct cap_slot *
resolve(struct cap_table *t, cap_handle_t h, uint32_t *index_out)
{
	return cap_slot_resolve(t, h, index_out);
}

/* Free a slot, retiring its handle value. Lock held. */
static inline void release_slot(struct cap_table *t, struct cap_slot *s, uint32_t index)
{
	if (s->node) {
		cap_revoke_node_unref(s->node);
		s->node = NULL;
	}
	s->obj = NULL;
	s->generation++;
	s->rights = t->free_head;
	t->free_head = index;
	t->count--;
	cap_table_uncharge_handle(t);
}

status_t cap_install(struct cap_table *t, struct cap_object *obj,
		     rights_t rights, cap_handle_t *out)
{
	cap_lock_acquire(&t->lock);
	status_t st = place(t, obj, rights, NULL, out);
	if (st == LO_OK) {
		cap_ref(obj);
		cap_handle_opened(obj);
	}
	cap_lock_release(&t->lock);
	return st;
}

/* cap_lookup's checks and reference. Lock held. */
static inline __attribute__((always_inline)) status_t
lookup_held(struct cap_table *t, cap_handle_t h, uint32_t type, rights_t required,
	    struct cap_object **out, rights_t *out_rights)
{
	status_t st;
	struct cap_slot *s = cap_slot_check(t, h, type, required, out_rights, &st);
	if (!s)
		return st;
	cap_ref(s->obj);
	*out = s->obj;
	return LO_OK;
}

/* The table lock is taken: wait for it. */
static __attribute__((noinline)) status_t lookup_waiting(struct cap_table *t, cap_handle_t h,
							 uint32_t type, rights_t required,
							 struct cap_object **out,
							 rights_t *out_rights)
{
	cap_lock_acquire(&t->lock);
	status_t st = lookup_held(t, h, type, required, out, out_rights);
	cap_lock_release(&t->lock);
	return st;
}

/* Every system call's dispatch comes here for each handle it names, so the
 * common case (the lock free) calls nothing: no frame to save registers in. */
status_t cap_lookup(struct cap_table *t, cap_handle_t h, uint32_t type,
		    rights_t required, struct cap_object **out,
		    rights_t *out_rights)
{
	if (!cap_lock_try(&t->lock))
		return lookup_waiting(t, h, type, required, out, out_rights);
	status_t st = lookup_held(t, h, type, required, out, out_rights);
	cap_lock_release(&t->lock);
	return st;
}

/* The checks every copy of a handle passes (duplicate, revocable grant,
 * a copy in a message); inlined: it is on the duplicate fast path. */
static inline __attribute__((always_inline)) status_t copy_allowed(const struct cap_slot *s,
								   rights_t rights)
{
	if (!s)
		return LO_ERR_BAD_HANDLE;
	if (cap_revoked(s->node))
		return LO_ERR_REVOKED;
	if (!rights_has(s->rights, LO_RIGHT_DUPLICATE))
		return LO_ERR_ACCESS_DENIED;
	return rights_is_subset(rights, s->rights) ? LO_OK : LO_ERR_INVALID_ARGS;
}

/* A new handle to obj pointing at node (which gets the slot's reference).
 * Lock held; place() may grow the array, so no slot pointer survives it. */
static inline __attribute__((always_inline)) status_t
place_copy(struct cap_table *t, struct cap_object *obj, rights_t rights,
	   struct cap_revoke_node *node, cap_handle_t *out)
{
	status_t st = place(t, obj, rights, node, out);
	if (st == LO_OK) {
		cap_ref(obj);
		cap_handle_opened(obj);
		if (node)
			cap_revoke_node_ref(node);
	}
	return st;
}

/* cap_duplicate's work. Lock held. */
static inline __attribute__((always_inline)) status_t
duplicate_held(struct cap_table *t, cap_handle_t h, rights_t rights, cap_handle_t *out)
{
	struct cap_slot *s = resolve(t, h, NULL);
	status_t st = copy_allowed(s, rights);
	if (st == LO_OK)
		st = place_copy(t, s->obj, rights, s->node, out);   /* the copy shares the node */
	return st;
}

status_t cap_duplicate(struct cap_table *t, cap_handle_t h, rights_t rights,
		       cap_handle_t *out)
{
	cap_lock_acquire(&t->lock);
	status_t st = duplicate_held(t, h, rights, out);
	cap_lock_release(&t->lock);
	return st;
}

/* cap_sys_duplicate's general path: the lock was taken, the handle is bad
 * or revocable (its node gains a count: a call), or no slot is free (the
 * array grows). */
static __attribute__((noinline)) status_t duplicate_slow(struct cap_table *t, cap_handle_t h,
							 rights_t rights, cap_handle_t *out)
{
	cap_lock_acquire_irq_on(&t->lock);
	status_t st = duplicate_held(t, h, rights, out);
	cap_lock_release_irq_on(&t->lock);
	return st;
}

/* Every duplicate system call: the common case calls nothing, so it needs
 * no frame. It checks and places in cap_duplicate's order (copy_allowed,
 * then place). */
status_t cap_sys_duplicate(struct cap_table *t, cap_handle_t h, rights_t rights,
			   cap_handle_t *out)
{
	if (!cap_lock_try_irq_on(&t->lock))
		return duplicate_slow(t, h, rights, out);
	struct cap_slot *s = resolve(t, h, NULL);
	uint32_t index = t->free_head;
	if (__builtin_expect(!s || s->node || !index, 0)) {
		cap_lock_release_irq_on(&t->lock);
		return duplicate_slow(t, h, rights, out);
	}
	status_t st = LO_OK;
	struct cap_object *obj = s->obj;
	if (!rights_has(s->rights, LO_RIGHT_DUPLICATE)) {
		st = LO_ERR_ACCESS_DENIED;
	} else if (!rights_is_subset(rights, s->rights)) {
		st = LO_ERR_INVALID_ARGS;
	} else if (cap_table_charge_handle(t) != LO_OK) {
		/* (A free slot means count < quota: the array never has more
		 * slots than the quota, so place()'s first check holds here.) */
		st = LO_ERR_NO_RESOURCES;
	} else {
		struct cap_slot *n = &t->slots[index];
		t->free_head = n->rights;
		n->obj = obj;
		n->rights = rights;   /* n->node is NULL in every free slot */
		t->count++;
		*out = encode(t, index, n->generation);
		cap_ref(obj);
		cap_handle_opened(obj);
	}
	cap_lock_release_irq_on(&t->lock);
	return st;
}

status_t cap_replace(struct cap_table *t, cap_handle_t h, rights_t rights,
		     cap_handle_t *out)
{
	status_t st = LO_OK;
	struct cap_object *obj = NULL;
	cap_lock_acquire(&t->lock);
	uint32_t index;
	struct cap_slot *s = resolve(t, h, &index);
	if (!s) {
		st = LO_ERR_BAD_HANDLE;
	} else if (cap_revoked(s->node)) {
		st = LO_ERR_REVOKED;
	} else if (!rights_is_subset(rights, s->rights)) {
		st = LO_ERR_INVALID_ARGS;
	} else {
		/* Same slot, next generation: the old value is dead the moment
		 * the new one exists, and replace never needs a free slot. */
		s->generation++;
		s->rights = rights;
		*out = encode(t, index, s->generation);
		obj = s->obj;
		cap_ref(obj);   /* the slot may be closed as soon as we unlock */
	}
	cap_lock_release(&t->lock);
	if (obj) {
		cap_handle_retired(t, h, obj);
		cap_unref(obj);
	}
	return st;
}

/* Close's table part: the object the handle named (its reference now the
 * caller's), or NULL. Lock held. */
static inline __attribute__((always_inline)) struct cap_object *
close_held(struct cap_table *t, cap_handle_t h)
{
	uint32_t index;
	struct cap_slot *s = resolve(t, h, &index);
	struct cap_object *obj = s ? s->obj : NULL;
	if (s)
		release_slot(t, s, index);
	return obj;
}

static inline __attribute__((always_inline)) status_t
close_finish(struct cap_table *t, cap_handle_t h, struct cap_object *obj)
{
	if (!obj)
		return LO_ERR_BAD_HANDLE;
	/* Outside the lock: these may run the object's own code. */
	cap_handle_retired(t, h, obj);
	cap_handle_closed(obj);
	cap_unref(obj);
	return LO_OK;
}

/* cap_sys_close's general path: the lock was taken, the handle is bad or
 * revocable (its node loses a count: a call). */
static __attribute__((noinline)) status_t close_slow(struct cap_table *t, cap_handle_t h)
{
	cap_lock_acquire_irq_on(&t->lock);
	struct cap_object *obj = close_held(t, h);
	cap_lock_release_irq_on(&t->lock);
	return close_finish(t, h, obj);
}

/* The ends of cap_sys_close that call out, each reached by a tail call so
 * that the fast path keeps no frame. */
static __attribute__((noinline)) status_t close_retire(struct cap_table *t, cap_handle_t h,
						       struct cap_object *obj)
{
	return close_finish(t, h, obj);
}

static __attribute__((noinline)) status_t close_no_handles(struct cap_object *obj)
{
	if (obj->ops->on_zero_handles)
		cap_object_no_handles(obj);
	cap_unref(obj);
	return LO_OK;
}

static __attribute__((noinline)) status_t close_dying(struct cap_object *obj)
{
	cap_object_dying(obj);
	return LO_OK;
}

/* Every close system call: close_finish's steps, where the common case
 * (nobody waits on the object, neither its last handle nor its last
 * reference) calls nothing. */
status_t cap_sys_close(struct cap_table *t, cap_handle_t h)
{
	if (!cap_lock_try_irq_on(&t->lock))
		return close_slow(t, h);
	uint32_t index;
	struct cap_slot *s = resolve(t, h, &index);
	if (__builtin_expect(!s || s->node, 0)) {
		cap_lock_release_irq_on(&t->lock);
		return close_slow(t, h);
	}
	struct cap_object *obj = s->obj;
	release_slot(t, s, index);
	cap_lock_release_irq_on(&t->lock);
	if (cap_handle_retire_needed(obj))
		return close_retire(t, h, obj);
	if (__atomic_sub_fetch(&obj->handle_count, 1, __ATOMIC_ACQ_REL) == 0)
		return close_no_handles(obj);
	if (__atomic_sub_fetch(&obj->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		return close_dying(obj);
	return LO_OK;
}

status_t cap_close(struct cap_table *t, cap_handle_t h)
{
	cap_lock_acquire(&t->lock);
	struct cap_object *obj = close_held(t, h);
	cap_lock_release(&t->lock);
	return close_finish(t, h, obj);
}

bool cap_names(struct cap_table *t, cap_handle_t h, const struct cap_object *obj)
{
	cap_lock_acquire(&t->lock);
	struct cap_slot *s = resolve(t, h, NULL);
	bool names = s && s->obj == obj && !cap_revoked(s->node);
	cap_lock_release(&t->lock);
	return names;
}

bool cap_names_node(struct cap_table *t, cap_handle_t h, const struct cap_object *obj,
		    struct cap_revoke_node **node)
{
	*node = NULL;
	cap_lock_acquire(&t->lock);
	struct cap_slot *s = resolve(t, h, NULL);
	bool names = s && s->obj == obj && !cap_revoked(s->node);
	if (names && s->node) {
		cap_revoke_node_ref(s->node);
		*node = s->node;
	}
	cap_lock_release(&t->lock);
	return names;
}

status_t cap_grant_revocable(struct cap_table *t, cap_handle_t h, rights_t rights,
			     const struct cap_object *obj, struct cap_revoke_node **node,
			     cap_handle_t *out)
{
	struct cap_revoke_node *fresh = NULL;
	cap_lock_acquire(&t->lock);
	struct cap_slot *s = resolve(t, h, NULL);
	status_t st = copy_allowed(s, rights);
	if (st == LO_OK && ((obj && s->obj != obj) || (*node && (*node)->parent != s->node)))
		st = LO_ERR_INVALID_ARGS;
	if (st == LO_OK && !*node)
		st = cap_revoke_node_new(s->node, &fresh);   /* fresh keeps the caller's reference */
	if (st == LO_OK)
		st = place_copy(t, s->obj, rights, fresh ? fresh : *node, out);
	cap_lock_release(&t->lock);
	if (st == LO_OK && fresh)
		*node = fresh;
	else
		cap_revoke_node_unref(fresh);
	return st;
}

status_t cap_take(struct cap_table *t, cap_handle_t h, rights_t required,
		  struct cap_taken *out)
{
	status_t st = LO_OK;
	cap_lock_acquire(&t->lock);
	uint32_t index;
	struct cap_slot *s = resolve(t, h, &index);
	if (!s) {
		st = LO_ERR_BAD_HANDLE;
	} else if (cap_revoked(s->node)) {
		st = LO_ERR_REVOKED;
	} else if (!rights_has(s->rights, required)) {
		st = LO_ERR_ACCESS_DENIED;
	} else {
		out->obj = s->obj;
		out->rights = s->rights;
		out->from = h;
		out->node = s->node;   /* the slot's reference moves with it */
		s->node = NULL;
		release_slot(t, s, index);
	}
	cap_lock_release(&t->lock);
	if (st == LO_OK)
		cap_handle_retired(t, h, out->obj);   /* out holds the reference */
	return st;
}

status_t cap_copy_taken(struct cap_table *t, cap_handle_t h, rights_t rights,
			struct cap_taken *out)
{
	cap_lock_acquire(&t->lock);
	struct cap_slot *s = resolve(t, h, NULL);
	status_t st = copy_allowed(s, rights);
	if (st == LO_OK && !rights_has(s->rights, LO_RIGHT_TRANSFER))
		st = LO_ERR_ACCESS_DENIED;
	if (st == LO_OK) {
		out->obj = s->obj;
		out->rights = rights;
		out->from = 0;   /* it never had a value: nothing to give back */
		out->node = s->node;
		cap_ref(s->obj);
		cap_handle_opened(s->obj);
		if (s->node)
			cap_revoke_node_ref(s->node);
	}
	cap_lock_release(&t->lock);
	return st;
}

status_t cap_install_taken(struct cap_table *t, struct cap_taken *taken,
			   cap_handle_t *out)
{
	cap_lock_acquire(&t->lock);
	status_t st = place(t, taken->obj, taken->rights, taken->node, out);
	cap_lock_release(&t->lock);
	if (st == LO_OK) {
		taken->obj = NULL;   /* the table owns the references now */
		taken->node = NULL;
	}
	return st;
}

status_t cap_untake(struct cap_table *t, struct cap_taken *taken)
{
	status_t st = LO_ERR_BAD_HANDLE;
	cap_lock_acquire(&t->lock);
	uint32_t raw = decode(t, taken->from);
	uint32_t index = raw & CAP_INDEX_MASK;
	uint16_t gen = (uint16_t)(raw >> CAP_INDEX_BITS);
	/* Free, and freed exactly once since (by the take): nobody else has
	 * had the slot. Unlink it from the free list and revive the value. */
	if (taken->obj && index != 0 && index < t->capacity && t->count < t->quota &&
	    !t->slots[index].obj && t->slots[index].generation == (uint16_t)(gen + 1) &&
	    cap_table_charge(t, 1, 0) == LO_OK) {
		uint32_t *link = &t->free_head;
		while (*link && *link != index)
			link = &t->slots[*link].rights;
		if (*link == index) {
			struct cap_slot *s = &t->slots[index];
			*link = s->rights;
			s->obj = taken->obj;
			s->rights = taken->rights;
			s->node = taken->node;
			s->generation = gen;
			t->count++;
			taken->obj = NULL;   /* the table owns the references again */
			taken->node = NULL;
			st = LO_OK;
		} else {
			cap_table_charge(t, -1, 0);
		}
	}
	cap_lock_release(&t->lock);
	return st;
}

void cap_drop_taken(struct cap_taken *taken)
{
	struct cap_object *obj = taken->obj;
	if (!obj)
		return;
	taken->obj = NULL;
	cap_revoke_node_unref(taken->node);
	taken->node = NULL;
	cap_handle_closed(obj);
	cap_unref(obj);
}

void cap_table_close_all(struct cap_table *t)
{
	cap_lock_acquire(&t->lock);
	struct cap_slot *slots = t->slots;
	uint32_t capacity = t->capacity;
	cap_table_charge(t, -(int32_t)t->count, -(int64_t)capacity * (int64_t)sizeof(*slots));
	t->slots = NULL;
	t->capacity = 0;
	t->count = 0;
	t->free_head = 0;
	cap_lock_release(&t->lock);
	for (uint32_t i = 1; i < capacity; i++) {
		struct cap_object *obj = slots[i].obj;
		if (obj) {
			cap_revoke_node_unref(slots[i].node);
			cap_handle_retired(t, encode(t, i, slots[i].generation), obj);
			cap_handle_closed(obj);
			cap_unref(obj);
		}
	}
	if (slots)
		cap_mem_free(slots, capacity * sizeof(*slots));
}

size_t cap_table_list(struct cap_table *t, uint32_t *cursor,
		      struct cap_handle_info *out, size_t max)
{
	size_t n = 0;
	cap_lock_acquire(&t->lock);
	uint32_t i = *cursor ? *cursor : 1;
	for (; i < t->capacity && n < max; i++) {
		struct cap_slot *s = &t->slots[i];
		if (!s->obj)
			continue;
		out[n].handle = encode(t, i, s->generation);
		out[n].type = s->obj->type;
		out[n].rights = s->rights;
		out[n].object_id = s->obj->id;
		out[n].refcount = cap_refcount(s->obj);
		out[n].handle_count = cap_handle_count(s->obj);
		out[n].flags = !s->node ? 0 : cap_revoked(s->node) ?
			CAP_INFO_REVOCABLE | CAP_INFO_REVOKED : CAP_INFO_REVOCABLE;
		n++;
	}
	*cursor = i;
	cap_lock_release(&t->lock);
	return n;
}
