/*
 * Revocation nodes: what makes a handle revocable.
 *
 * A revocable grant and everything derived from it (duplicates, replaces,
 * transfers, handles in messages in flight) point at one shared node.
 * Revoking sets the node's flag: every handle pointing at it, or at a node
 * below it, stops working at once. The cost does not depend on how many
 * copies exist; nothing walks the copies.
 *
 * A grant made from a handle that is itself revocable gets a node whose
 * parent is that handle's node, so revoking the parent revokes it too.
 * Chains are at most CAP_REVOKE_MAX_DEPTH nodes long, which bounds the
 * check in every lookup.
 *
 * Every holder of a node pointer holds a reference: each slot, each taken
 * handle, each child node and the revoker object. The last reference frees
 * the node and drops its parent's.
 */
#ifndef CAP_REVOKE_H
#define CAP_REVOKE_H

#include <stdint.h>
#include <stdbool.h>
#include "status.h"
#include "cap_platform.h"

#define CAP_REVOKE_MAX_DEPTH 8u

struct cap_revoke_node {
	uint32_t refs;                    /* atomic */
	uint32_t revoked;                 /* atomic; set once, never cleared */
	uint32_t depth;                   /* 1 + the parent's depth */
	uint32_t reserved;
	struct cap_revoke_node *parent;   /* counted; NULL at depth 1 */
};

/* A new node (refs 1) below `parent` (may be NULL; it gets a reference).
 * NO_RESOURCES past the depth limit, NO_MEMORY. */
status_t cap_revoke_node_new(struct cap_revoke_node *parent, struct cap_revoke_node **out);
void cap_revoke_node_ref(struct cap_revoke_node *n);
/* NULL is allowed (a handle that is not revocable). */
void cap_revoke_node_unref(struct cap_revoke_node *n);

/* Revoke n and everything below it: one atomic store. */
void cap_revoke(struct cap_revoke_node *n);

/* Whether n or one of its ancestors was revoked (false for NULL). */
static inline bool cap_revoked(const struct cap_revoke_node *n)
{
	for (; n; n = n->parent) {
		if (__atomic_load_n(&n->revoked, __ATOMIC_SEQ_CST))
			return true;
	}
	return false;
}

#endif
