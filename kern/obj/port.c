#include "obj/port.h"
#include "obj/kernel_types.h"
#include "obj/syscall_support.h"
#include "sched/wait.h"
#include "mm/heap.h"
#include "obj/job.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */
#include "lib/assert.h"
#include <stddef.h>

_Static_assert(sizeof(struct port_packet) == sizeof(struct lo_port_packet) &&
	       offsetof(struct port_packet, key) == offsetof(struct lo_port_packet, key) &&
	       offsetof(struct port_packet, signals) == offsetof(struct lo_port_packet, signals),
	       "port_wait hands the kernel's packet out as it is");

struct binding;

struct queued_packet {
	struct list node;
	struct port_packet packet;
	struct binding *watch;      /* a watch's own packet (never freed alone), or NULL */
};

/* A one-shot binding (port_bind) or a lasting watch (port_watch). */
struct binding {
	struct observer obs;        /* on the target */
	struct list port_node;      /* in port.bindings */
	struct port *port;          /* the port's list holds the binding, not a reference */
	struct kobject *target;     /* counted reference */
	uint64_t key;
	struct queued_packet *packet;   /* one-shot: allocated up front, firing cannot fail */
	bool fired;                 /* one-shot: fired; watch: ended */
	bool lasting;               /* a watch */
	bool queued;                /* a watch: `own` is in the port's queue (port lock) */
	struct queued_packet own;   /* a watch: its packet, queued again and again */
};

/* With the port lock held. */
static void enqueue_locked(struct port *p, struct queued_packet *qp)
{
	list_push_back(&p->packets, &qp->node);
	if (p->packet_count++ == 0)
		kobject_signal_locked(&p->obj, 0, LO_SIG_PORT_READABLE);
}

/* A watch's packet leaves the queue (the watch ends). Port lock held. */
static void watch_dequeue_locked(struct port *p, struct binding *b)
{
	if (!b->queued)
		return;
	list_remove(&b->own.node);
	b->queued = false;
	if (--p->packet_count == 0)
		kobject_signal_locked(&p->obj, LO_SIG_PORT_READABLE, 0);
}

/* A watch ends: off the port's list, its packet out of the queue, freed
 * later by reap_fired (outside the target's lock). Port lock held. */
static void watch_end_locked(struct port *p, struct binding *b)
{
	b->fired = true;
	watch_dequeue_locked(p, b);
	list_remove(&b->port_node);
	list_push_back(&p->fired, &b->port_node);
	p->binding_count--;
}

/* Runs under the TARGET's lock. The port lock nests inside target locks,
 * never the other way round. */
static void binding_fired(struct observer *obs, uint32_t signals)
{
	struct binding *b = (struct binding *)obs;
	if (b->lasting) {
		/* A watch stays on the target; one packet at a time. */
		spin_lock(&b->port->obj.lock);
		if (!b->fired && !b->queued) {
			b->own.packet.signals = signals;
			b->queued = true;
			enqueue_locked(b->port, &b->own);
		}
		spin_unlock(&b->port->obj.lock);
		return;
	}
	list_remove(&b->obs.node);            /* one-shot: stop observing */
	spin_lock(&b->port->obj.lock);
	if (!b->fired) {
		b->fired = true;
		b->packet->packet.signals = signals;
		enqueue_locked(b->port, b->packet);
		b->packet = NULL;
		/* Freeing the binding here would drop the target reference under
		 * the target's own lock: it waits on the fired list instead. */
		list_remove(&b->port_node);
		list_push_back(&b->port->fired, &b->port_node);
		b->port->binding_count--;
	}
	spin_unlock(&b->port->obj.lock);
}

static void binding_free(struct binding *b)
{
	if (b->lasting)
		kobject_unobserve(b->target, &b->obs);
	if (b->packet)
		kfree(b->packet);
	cap_revoke_node_unref(b->obs.revoke_node);
	cap_unref(&b->target->cap);
	kfree(b);
}

/* The handle a watch was made through died (closed, moved, revoked):
 * under the target's lock, like binding_fired. */
static void watch_canceled(struct observer *obs)
{
	struct binding *b = (struct binding *)obs;
	/* It stays on the target's list (its caller is walking it), ended:
	 * binding_free takes it off. */
	spin_lock(&b->port->obj.lock);
	if (!b->fired)
		watch_end_locked(b->port, b);
	spin_unlock(&b->port->obj.lock);
}

/* Free the bindings that have fired, outside every lock. */
static __attribute__((noinline)) void reap_some(struct port *p)
{
	for (;;) {
		spin_lock(&p->obj.lock);
		struct list *n = list_pop_front(&p->fired);
		spin_unlock(&p->obj.lock);
		if (!n)
			return;
		binding_free(container_of(n, struct binding, port_node));
	}
}

static inline void reap_fired(struct port *p)
{
	/* None (the usual case): no lock. Only this port's lock adds to it. */
	if (__atomic_load_n(&p->fired.next, __ATOMIC_ACQUIRE) != &p->fired)
		reap_some(p);
}

static void port_destroy(struct cap_object *obj)
{
	struct port *p = (struct port *)obj;
	assert(list_empty(&p->bindings));
	reap_fired(p);
	struct list *n;
	while ((n = list_pop_front(&p->packets)))
		kfree(container_of(n, struct queued_packet, node));
	kobject_count_destroyed(LO_TYPE_PORT);
	kobject_uncharge(kobject_of(obj));
	kfree(p);
}

/* No handle left: nobody can wait on the port, so its bindings go. */
static void port_on_zero_handles(struct cap_object *obj)
{
	struct port *p = (struct port *)obj;
	for (;;) {
		spin_lock(&p->obj.lock);
		p->closed = true;
		struct list *n = list_pop_front(&p->bindings);
		struct binding *b = n ? container_of(n, struct binding, port_node) : NULL;
		if (b) {
			p->binding_count--;
			b->fired = true;   /* a racing fire now does nothing */
			if (b->lasting)
				watch_dequeue_locked(p, b);
		}
		spin_unlock(&p->obj.lock);
		if (!b)
			break;
		kobject_unobserve(b->target, &b->obs);
		binding_free(b);
	}
	reap_fired(p);
}

static const struct cap_object_ops port_ops = {
	.destroy = port_destroy,
	.on_zero_handles = port_on_zero_handles,
};

status_t port_alloc(struct port **port)
{
	struct port *p = kmalloc(sizeof(*p));
	if (!p)
		return LO_ERR_NO_MEMORY;
	kobject_init(&p->obj, LO_TYPE_PORT, &port_ops);
	list_init(&p->packets);
	list_init(&p->bindings);
	list_init(&p->fired);
	*port = p;
	return LO_OK;
}

/* A binding becomes visible on the port's list and the target's observer
 * list at the same moment, under both locks (target first: the port lock
 * nests inside target locks). Publishing it on the port first and
 * observing after dropping the lock let the port's last close free it in
 * between, and the target then kept a freed observer. The target lock is
 * held until the binding may have fired: a close that takes the binding
 * unobserves under that lock, so it waits for us. */
status_t port_bind_object(struct port *p, struct kobject *target, uint32_t signals, uint64_t key)
{
	if (signals == 0)
		return LO_ERR_INVALID_ARGS;
	/* A port bound to itself would never die; one port bound to another
	 * would nest port locks both ways round (A in B and B in A). */
	if (target->cap.type == LO_TYPE_PORT)
		return LO_ERR_NOT_SUPPORTED;
	struct binding *b = kmalloc(sizeof(*b));
	struct queued_packet *qp = kmalloc(sizeof(*qp));
	if (!b || !qp) {
		kfree(b);
		kfree(qp);
		return LO_ERR_NO_MEMORY;
	}
	qp->packet.key = key;
	qp->watch = NULL;
	b->packet = qp;
	b->port = p;
	b->key = key;
	b->fired = false;
	b->lasting = false;
	b->queued = false;
	b->target = target;
	cap_ref(&target->cap);
	observer_init(&b->obs, signals, binding_fired);

	spin_lock(&target->lock);
	spin_lock(&p->obj.lock);
	status_t st = LO_OK;
	if (p->closed)
		st = LO_ERR_BAD_STATE;
	else if (p->binding_count + p->packet_count >= PORT_MAX_BINDINGS)
		st = LO_ERR_NO_RESOURCES;
	else {
		list_push_back(&p->bindings, &b->port_node);
		p->binding_count++;
		list_push_back(&target->observers, &b->obs.node);
	}
	spin_unlock(&p->obj.lock);
	/* May fire at once if the signals already match. */
	uint32_t now = target->cap.signals;
	if (st == LO_OK && (now & signals))
		binding_fired(&b->obs, now);
	spin_unlock(&target->lock);
	if (st != LO_OK) {
		binding_free(b);
		return st;
	}
	reap_fired(p);
	return LO_OK;
}

status_t port_queue(struct port *p, uint64_t key, uint32_t signals)
{
	struct queued_packet *qp = kmalloc(sizeof(*qp));
	if (!qp)
		return LO_ERR_NO_MEMORY;
	qp->packet.key = key;
	qp->packet.signals = signals;
	qp->watch = NULL;
	spin_lock(&p->obj.lock);
	status_t st = p->packet_count >= PORT_MAX_PACKETS ? LO_ERR_SHOULD_WAIT : LO_OK;
	if (st == LO_OK)
		enqueue_locked(p, qp);
	spin_unlock(&p->obj.lock);
	if (st != LO_OK)
		kfree(qp);
	return st;
}

/* port_take's body, inlined into port_wait's fast path too. */
static inline __attribute__((always_inline)) status_t take(struct port *p,
							  struct port_packet *out)
{
	spin_lock(&p->obj.lock);
	struct queued_packet *qp = NULL;
	struct binding *w = NULL;
	struct list *n;
	while (!qp && (n = list_pop_front(&p->packets))) {
		qp = container_of(n, struct queued_packet, node);
		w = qp->watch;
		if (!w) {
			p->packet_count--;
			break;
		}
		/* Level-triggered: a watch's packet counts only if the target
		 * has the signals now, and then goes straight back to the end of
		 * the queue. A signal raised after this load finds it unqueued
		 * and queues it (binding_fired waits for this lock). */
		*out = qp->packet;
		out->signals = __atomic_load_n(&w->target->cap.signals, __ATOMIC_ACQUIRE);
		if (out->signals & w->obs.mask) {
			list_push_back(&p->packets, n);
		} else {
			w->queued = false;
			p->packet_count--;
			qp = NULL;
		}
	}
	if (p->packet_count == 0)
		kobject_signal_locked(&p->obj, LO_SIG_PORT_READABLE, 0);
	spin_unlock(&p->obj.lock);
	reap_fired(p);
	if (!qp)
		return LO_ERR_SHOULD_WAIT;
	if (!w) {
		*out = qp->packet;
		kfree(qp);
	}
	return LO_OK;
}

status_t port_take(struct port *p, struct port_packet *out)
{
	return take(p, out);
}

status_t port_wait_packet(struct port *p, struct cap_table *table, cap_handle_t handle,
			  uint64_t deadline, struct port_packet *out)
{
	for (;;) {
		status_t st = port_take(p, out);
		if (st != LO_ERR_SHOULD_WAIT)
			return st;
		struct wait_item item = { &p->obj, LO_SIG_PORT_READABLE, 0, table, handle };
		st = wait_signals(&item, 1, deadline);
		if (st != LO_OK)
			return st;
	}
}

/* --- System calls (idl/port.idl) --- */

/* Charged to job: one object now; its memory as it grows. */
status_t port_create(struct job *job, struct port **port)
{
	status_t st = job_charge_objects(job, 1);
	if (st != LO_OK)
		return st;
	st = port_alloc(port);
	if (st != LO_OK) {
		job_uncharge_objects(job, 1);
		return st;
	}
	kobject_charged(&(*port)->obj, job);
	return LO_OK;
}

status_t port_bind(struct port *port, struct cap_object *target, uint32_t signals, uint64_t key)
{
	return port_bind_object(port, kobject_of(target), signals, key);
}

status_t port_wait(struct port *port, cap_handle_t port_handle, rights_t port_rights,
		   uint64_t deadline, struct lo_port_packet *packet)
{
	(void)port_rights;
	/* The kernel's packet is the ABI's. */
	struct port_packet *p = (struct port_packet *)packet;
	status_t st = take(port, p);   /* one ready: no wait to set up */
	if (st != LO_ERR_SHOULD_WAIT)
		return st;
	return port_wait_packet(port, current_handle_table(), port_handle, deadline, p);
}

/* End watch `w` if it is still one of the port's live bindings. */
static void watch_end(struct port *port, struct binding *w)
{
	spin_lock(&port->obj.lock);
	for (struct list *n = port->bindings.next; n != &port->bindings; n = n->next) {
		if (container_of(n, struct binding, port_node) == w) {
			watch_end_locked(port, w);
			break;
		}
	}
	spin_unlock(&port->obj.lock);
}

/* A lasting, level-triggered binding, like an epoll registration: a packet
 * {key, signals} is queued whenever target has any of `signals`, and taken
 * again while it still has them. It ends with port_unwatch, when the
 * handle it was made through dies (closed, moved, revoked: the observer's
 * cancel), or when the port's last handle closes. Keys are unique among
 * one port's watches. */
status_t port_watch(struct port *port, struct cap_object *target, cap_handle_t target_handle,
		    rights_t target_rights, uint32_t signals, uint64_t key)
{
	(void)target_rights;
	struct kobject *t = kobject_of(target);
	if (signals == 0)
		return LO_ERR_INVALID_ARGS;
	if (t->cap.type == LO_TYPE_PORT)   /* as for port_bind */
		return LO_ERR_NOT_SUPPORTED;
	struct binding *b = kmalloc(sizeof(*b));
	if (!b)
		return LO_ERR_NO_MEMORY;
	struct cap_table *table = current_handle_table();
	b->packet = NULL;
	b->port = port;
	b->key = key;
	b->fired = false;
	b->lasting = true;
	b->queued = false;
	b->own.packet.key = key;
	b->own.packet.reserved = 0;
	b->own.watch = b;
	b->target = t;
	cap_ref(&t->cap);
	observer_init(&b->obs, signals, binding_fired);
	b->obs.table = table;
	b->obs.handle = target_handle;
	b->obs.cancel = watch_canceled;
	/* A revocable handle's node goes on the observer before it is
	 * published, so a revoke finds the watch (kobject_cancel_revoked).
	 * A handle already gone leaves it NULL: the check below ends the watch. */
	cap_names_node(table, target_handle, &t->cap, &b->obs.revoke_node);

	spin_lock(&t->lock);
	spin_lock(&port->obj.lock);
	status_t st = LO_OK;
	if (port->closed) {
		st = LO_ERR_BAD_STATE;
	} else if (port->binding_count + port->packet_count >= PORT_MAX_BINDINGS) {
		st = LO_ERR_NO_RESOURCES;
	} else {
		for (struct list *n = port->bindings.next; n != &port->bindings; n = n->next) {
			struct binding *o = container_of(n, struct binding, port_node);
			if (o->lasting && o->key == key)
				st = LO_ERR_ALREADY_EXISTS;
		}
	}
	if (st == LO_OK) {
		list_push_back(&port->bindings, &b->port_node);
		port->binding_count++;
		list_push_back(&t->observers, &b->obs.node);
		/* Under the target's lock: a revoke that takes it after us finds
		 * the watch; one that took it before set its flag before. */
		if (cap_revoked(b->obs.revoke_node))
			watch_end_locked(port, b);
	}
	spin_unlock(&port->obj.lock);
	uint32_t now = t->cap.signals;
	if (st == LO_OK && (now & signals))
		binding_fired(&b->obs, now);
	spin_unlock(&t->lock);
	if (st != LO_OK) {
		binding_free(b);
		return st;
	}
	/* The handle may have died after the dispatch looked it up and before
	 * the observer was in place, when nothing could cancel the watch. The
	 * watch may be gone by now (ended, even freed): find it by address. */
	if (!cap_names(table, target_handle, &t->cap))
		watch_end(port, b);
	reap_fired(port);
	return LO_OK;
}

status_t port_unwatch(struct port *port, uint64_t key)
{
	bool found = false;
	spin_lock(&port->obj.lock);
	for (struct list *n = port->bindings.next; n != &port->bindings; n = n->next) {
		struct binding *o = container_of(n, struct binding, port_node);
		if (o->lasting && o->key == key) {
			watch_end_locked(port, o);   /* reap_fired frees it */
			found = true;
			break;
		}
	}
	spin_unlock(&port->obj.lock);
	if (!found)
		return LO_ERR_NOT_FOUND;
	reap_fired(port);
	return LO_OK;
}
