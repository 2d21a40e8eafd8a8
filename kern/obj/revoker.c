/* Revokers (idl/revoker.idl): revocable grants of one object.
 *
 * The work is in cap/revoke.c: every grant of a revoker, and every handle
 * derived from one, points at the revoker's one node, and revoking sets its
 * flag. Here: binding the revoker to its object on the first grant, and
 * ending the waits made through revoked handles, which sleep on the
 * object's observer list (kobject_cancel_revoked). */
#include "obj/kobject.h"
#include "obj/kernel_types.h"
#include "obj/syscall_support.h"
#include "mm/heap.h"
#include "obj/job.h"
#include "obj/channel.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

struct revoker {
	struct kobject obj;
	/* Under obj.lock. NULL until the first grant: */
	struct cap_revoke_node *node;   /* counted: the node all grants share */
	struct cap_object *target;      /* counted until revoked: their object */
	bool revoked;
};

static void revoke(struct revoker *r)
{
	spin_lock(&r->obj.lock);
	if (r->revoked) {
		spin_unlock(&r->obj.lock);
		return;
	}
	r->revoked = true;
	struct cap_object *target = r->target;
	r->target = NULL;
	kobject_signal_locked(&r->obj, 0, LO_SIG_REVOKER_REVOKED);
	spin_unlock(&r->obj.lock);
	if (!target)
		return;   /* it granted nothing */
	cap_revoke(r->node);
	kobject_cancel_revoked(kobject_of(target));
	if (target->type == LO_TYPE_CHANNEL)
		channel_revoked(container_of(kobject_of(target), struct channel, obj));   /* calls wait on no observer */
	cap_unref(target);
}

static void revoker_zero_handles(struct cap_object *obj)
{
	revoke((struct revoker *)obj);   /* nobody can revoke later: now */
}

static void revoker_destroy(struct cap_object *obj)
{
	struct revoker *r = (struct revoker *)obj;
	revoke(r);   /* a revoker that never had a handle still takes back */
	cap_revoke_node_unref(r->node);
	kobject_count_destroyed(LO_TYPE_REVOKER);
	kobject_uncharge(kobject_of(obj));
	kfree(r);
}

static const struct cap_object_ops revoker_ops = {
	.destroy = revoker_destroy,
	.on_zero_handles = revoker_zero_handles,
};

/* --- System calls (idl/revoker.idl) --- */

/* Charged to job: one object (its node included). */
status_t revoker_create(struct job *job, struct revoker **revoker)
{
	status_t st = job_charge_objects(job, 1);
	if (st != LO_OK)
		return st;
	struct revoker *r = kmalloc(sizeof(*r));
	if (!r) {
		job_uncharge_objects(job, 1);
		return LO_ERR_NO_MEMORY;
	}
	kobject_init(&r->obj, LO_TYPE_REVOKER, &revoker_ops);
	kobject_charged(&r->obj, job);
	*revoker = r;
	return LO_OK;
}

status_t revoker_grant(struct revoker *revoker, struct cap_object *h, cap_handle_t h_handle,
		       rights_t h_rights, uint32_t rights, uint32_t *granted)
{
	(void)h_rights;
	struct revoker *r = revoker;
	spin_lock(&r->obj.lock);
	status_t st = LO_ERR_BAD_STATE;
	if (!r->revoked) {
		/* Lock order: the revoker, then the caller's table. */
		st = cap_grant_revocable(current_handle_table(), h_handle, rights,
					 r->target, &r->node, granted);
		if (st == LO_OK && !r->target) {
			cap_ref(h);
			r->target = h;
		}
	}
	spin_unlock(&r->obj.lock);
	return st;
}

status_t revoker_revoke(struct revoker *revoker)
{
	revoke(revoker);
	return LO_OK;
}
