/* Revocation nodes (revoke.h). */
#include "revoke.h"

status_t cap_revoke_node_new(struct cap_revoke_node *parent, struct cap_revoke_node **out)
{
	uint32_t depth = parent ? parent->depth + 1 : 1;
	if (depth > CAP_REVOKE_MAX_DEPTH)
		return LO_ERR_NO_RESOURCES;
	struct cap_revoke_node *n = cap_mem_alloc(sizeof(*n));
	if (!n)
		return LO_ERR_NO_MEMORY;
	n->refs = 1;
	n->revoked = 0;
	n->depth = depth;
	n->reserved = 0;
	n->parent = parent;
	if (parent)
		cap_revoke_node_ref(parent);
	*out = n;
	return LO_OK;
}

void cap_revoke_node_ref(struct cap_revoke_node *n)
{
	__atomic_fetch_add(&n->refs, 1, __ATOMIC_RELAXED);
}

void cap_revoke_node_unref(struct cap_revoke_node *n)
{
	/* A loop, not recursion: freeing a node may free its parent. */
	while (n && __atomic_sub_fetch(&n->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct cap_revoke_node *parent = n->parent;
		cap_mem_free(n, sizeof(*n));
		n = parent;
	}
}

void cap_revoke(struct cap_revoke_node *n)
{
	/* Sequentially consistent: a wait that records its node and then
	 * checks the flag, and a revoker that sets the flag and then looks for
	 * such waits, cannot both miss each other (kern/sched/wait.c). */
	__atomic_store_n(&n->revoked, 1, __ATOMIC_SEQ_CST);
}
