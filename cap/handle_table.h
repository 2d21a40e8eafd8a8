/*
 * A process's handle table: the only way a process names an object.
 *
 * A handle value is 32 bits: a 16-bit slot index (slot 0 is never used) and a
 * 16-bit generation, mixed with the table's secret by a bijection that maps
 * no valid handle to 0. Closing a handle bumps its slot's generation, so a
 * value comes back only after 2^16 reuses of its slot. A stale, guessed or
 * zero value gives LO_ERR_BAD_HANDLE and never resolves to another object.
 *
 * Every function is safe to call concurrently on one table (cap_lock_*).
 */
#ifndef CAP_HANDLE_TABLE_H
#define CAP_HANDLE_TABLE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "status.h"
#include "rights.h"
#include "object.h"
#include "revoke.h"
#include "cap_platform.h"

typedef uint32_t cap_handle_t;

#define CAP_HANDLE_INVALID      ((cap_handle_t)0)
#define CAP_TYPE_ANY            (0u)         /* lookup: accept any object type */
#define CAP_TABLE_MAX_HANDLES   (65535u)     /* hard ceiling of the encoding */
#define CAP_TABLE_DEFAULT_QUOTA (4096u)      /* default per-process quota */

struct cap_slot;   /* private to handle_table.c */

/* The platform's accounting hook (cap_platform.h): every handle placed in
 * or removed from table t (handles = +1/-1) and every byte its slot array
 * grows or shrinks by. A refused charge refuses the handle (NO_RESOURCES)
 * or the growth (its status). Called with the table lock held.
 *   status_t cap_table_charge(struct cap_table *t, int32_t handles, int64_t bytes); */
struct cap_table {
	cap_lock_t lock;
	struct cap_slot *slots;  /* grows on demand up to `quota` */
	uint32_t capacity;       /* slots allocated */
	uint32_t count;          /* live handles */
	uint32_t quota;          /* most live handles allowed */
	uint32_t free_head;      /* first free slot index, 0 = none */
	uint32_t secret;         /* per-table mixing secret */
	uint32_t mix[4];         /* multipliers derived from it, and inverses */
};

/* A handle removed from a table for transfer: it still holds its reference
 * and still counts in the object's handle_count. Install it or drop it. */
struct cap_taken {
	struct cap_object *obj;
	rights_t rights;
	cap_handle_t from;   /* the value it had in the table it left */
	struct cap_revoke_node *node;   /* counted; NULL: not revocable */
};

/* One handle as seen by introspection. */
struct cap_handle_info {
	cap_handle_t handle;
	uint32_t type;
	rights_t rights;
	uint64_t object_id;
	uint32_t refcount;
	uint32_t handle_count;
	uint32_t flags;      /* CAP_INFO_REVOCABLE, CAP_INFO_REVOKED */
};

#define CAP_INFO_REVOCABLE 1u
#define CAP_INFO_REVOKED   2u

status_t cap_table_init(struct cap_table *t, uint32_t quota, uint32_t secret);
/* Close every handle (process exit) and free the slot storage. */
void cap_table_close_all(struct cap_table *t);

/* New handle to `obj` with `rights`. The handle takes its own reference;
 * the caller keeps the one it had. NO_RESOURCES past the quota. */
status_t cap_install(struct cap_table *t, struct cap_object *obj,
		     rights_t rights, cap_handle_t *out);

/* The single gate. On success *out holds a NEW reference (cap_unref it) and
 * *out_rights (if not NULL) the handle's rights. Checks in this order:
 * BAD_HANDLE, REVOKED, WRONG_TYPE (unless type == CAP_TYPE_ANY), ACCESS_DENIED. On
 * ACCESS_DENIED *out_rights (if not NULL) holds the rights the handle has,
 * for the denial log. (Close and replace do not look up first: they act
 * on a revoked handle themselves, close always succeeding.) */
status_t cap_lookup(struct cap_table *t, cap_handle_t h, uint32_t type,
		    rights_t required, struct cap_object **out,
		    rights_t *out_rights);

/* New handle to the same object with `rights`, which must be a subset of the
 * original's (else INVALID_ARGS). Needs LO_RIGHT_DUPLICATE on the original
 * (else ACCESS_DENIED). */
status_t cap_duplicate(struct cap_table *t, cap_handle_t h, rights_t rights,
		       cap_handle_t *out);

/* Atomically replace `h` by a new handle with a subset of its rights: on
 * success `h` is gone and *out is live; on failure `h` is unchanged. Needs
 * no right (it can only take rights away) and never needs a free slot. */
status_t cap_replace(struct cap_table *t, cap_handle_t h, rights_t rights,
		     cap_handle_t *out);

status_t cap_close(struct cap_table *t, cap_handle_t h);

/* System-call forms of duplicate and close: the same operations, for a
 * caller that runs with interrupts enabled (the generated dispatch), so
 * the table lock saves no interrupt state (cap_lock_*_irq_on). Duplicate's
 * common case (a free slot, not revocable) calls nothing; the rest waits
 * for the lock and runs cap_duplicate's own code. */
status_t cap_sys_duplicate(struct cap_table *t, cap_handle_t h, rights_t rights,
			   cap_handle_t *out);
status_t cap_sys_close(struct cap_table *t, cap_handle_t h);

/* Whether `h` names a live, unrevoked handle to `obj` right now. */
bool cap_names(struct cap_table *t, cap_handle_t h, const struct cap_object *obj);

/* Revocation (revoke.h). Every operation that keeps a handle's value or
 * copies it (duplicate, replace, take, install_taken, untake) keeps its
 * node; lookup, duplicate, replace and take of a revoked handle answer
 * REVOKED; close always works. */

/* A new handle to h's object with a subset of h's rights (needs DUPLICATE)
 * that points at the node *node. With *node NULL a fresh node is made
 * below h's own node (if h is revocable, revoking h's grant revokes this
 * one too) and returned in *node with a reference for the caller. A node
 * given in *node must have h's node as its parent, and `obj` (if not NULL)
 * must be h's object, else INVALID_ARGS: one node always stands for grants
 * of one object from one source. */
status_t cap_grant_revocable(struct cap_table *t, cap_handle_t h, rights_t rights,
			     const struct cap_object *obj, struct cap_revoke_node **node,
			     cap_handle_t *out);

/* Like cap_names, and *node gets h's node with a reference (NULL if h is
 * not revocable or not live): a wait records it so a revoke can find it. */
bool cap_names_node(struct cap_table *t, cap_handle_t h, const struct cap_object *obj,
		    struct cap_revoke_node **node);

/* Every way a handle value dies while its object lives on (close, replace,
 * take for transfer, closing the whole table) calls the platform's
 * cap_handle_retired(t, h, obj) once, outside the table lock, with a
 * reference to obj held: the kernel cancels the waits made through h. */

/* A copy of h with exactly `rights`, taken for transfer without ever being
 * in a table (channel_write_copy): duplicate's checks (DUPLICATE, a subset
 * of h's rights) and TRANSFER on h, as a duplicate that then travels
 * needs. It shares h's revocation node, as a duplicate does. */
status_t cap_copy_taken(struct cap_table *t, cap_handle_t h, rights_t rights,
			struct cap_taken *out);
/* Remove a handle for transfer. Needs `required` (callers pass
 * LO_RIGHT_TRANSFER). The reference moves into *out. */
status_t cap_take(struct cap_table *t, cap_handle_t h, rights_t required,
		  struct cap_taken *out);
/* Install a taken handle; on success the reference belongs to the table. */
status_t cap_install_taken(struct cap_table *t, struct cap_taken *taken,
			   cap_handle_t *out);
/* Put a taken handle back under the very value it was taken from, as if
 * the take never happened (a call refusing to move it). Works while its slot
 * is still free and unused since; else BAD_HANDLE and *taken is untouched. */
status_t cap_untake(struct cap_table *t, struct cap_taken *taken);
/* Release a taken handle that will never be installed. */
void cap_drop_taken(struct cap_taken *taken);

/* Introspection: fills up to `max` entries in slot order starting at slot
 * index *cursor (start with 0), advances *cursor, returns entries written. */
size_t cap_table_list(struct cap_table *t, uint32_t *cursor,
		      struct cap_handle_info *out, size_t max);

/* System calls whose whole work is a few loads (the IDL's `held`): take
 * the table lock (cap_sys_hold_try, or cap_sys_hold to wait for it), look
 * h up as cap_lookup does keeping the lock (cap_sys_lookup_held), then
 * cap_sys_unhold. On LO_OK *out is h's object WITHOUT a new reference:
 * h's own keeps it alive until the unhold, since nothing can close h
 * meanwhile. On an error the lock is released (*out_rights as for
 * cap_lookup). The caller runs with interrupts enabled, takes no other
 * lock and does not block or touch user memory before it unholds. Inline:
 * the dispatch's lookup and the call are then one function. */
#include "handle_slot.h"

static inline bool cap_sys_hold_try(struct cap_table *t)
{
	return cap_lock_try_irq_on(&t->lock);
}

static inline void cap_sys_hold(struct cap_table *t)
{
	cap_lock_acquire_irq_on(&t->lock);
}

static inline void cap_sys_unhold(struct cap_table *t)
{
	cap_lock_release_irq_on(&t->lock);
}

static inline __attribute__((always_inline)) status_t
cap_sys_lookup_held(struct cap_table *t, cap_handle_t h, uint32_t type, rights_t required,
		    struct cap_object **out, rights_t *out_rights)
{
	status_t st;
	struct cap_slot *s = cap_slot_check(t, h, type, required, out_rights, &st);
	if (!s) {
		cap_sys_unhold(t);
		return st;
	}
	*out = s->obj;
	return LO_OK;
}

#endif
