/* Channel core: message queues between two ends. */
#include "obj/channel.h"
#include "obj/kernel_types.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "lib/assert.h"
#include "obj/job.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */
#include "obj/process.h"
#include "sched/thread.h"
#include "sched/clock.h"
#include "obj/syscall_support.h"

/* Writes that move channel ends check and enqueue under this one lock, so
 * no two of them can each close half of a cycle (docs/capabilities.md,
 * "Handles in transit and cycles"). Writes without channel ends never take
 * it; reads and flushes only remove ends and do not need it.
 * Order: transit lock, then a pair lock. */
static struct spinlock transit_lock = SPINLOCK_INIT("channel transit");

struct channel_pair {
	struct spinlock lock;        /* both ends' queues and peer pointers */
	uint32_t ends;               /* ends not yet destroyed */
	struct message *spare;       /* one small message buffer, read and ready
				      * for the next write (atomic exchange) */
};

/* Messages up to this size (header included) take a buffer of exactly
 * this size, so that a pair can keep one and reuse it for the next small
 * message: a request/reply exchange then allocates nothing. */
#define MESSAGE_SMALL 256

/* One allocation: the header, then nhandles taken handles, then the bytes,
 * so a small message stays small. */
struct message {
	struct list node;
	uint32_t nbytes;
	uint32_t nhandles;
	uint32_t nends;              /* how many of the handles are channel ends */
	struct cap_taken *handles;   /* points into data[] */
	uint8_t *bytes;              /* points into data[] */
	/* The sender's job, charged `size` bytes while the message exists (a
	 * counted reference: the charge goes back to it exactly once, in
	 * message_release, even if the job was killed meanwhile). NULL for
	 * the kernel's own messages. */
	struct job *job;
	uint64_t size;
	uint64_t data[];
};

/* Free the message itself (its handles are gone or the reader's) and give
 * back its charge. A small one becomes the pair's spare if it has none. */
static void message_release(struct message *m, struct channel_pair *pair)
{
	struct job *job = m->job;
	if (job) {
		job_uncharge_memory(job, m->size);
		cap_unref(&job->obj.cap);
	}
	struct message *none = NULL;
	if (pair && m->size <= MESSAGE_SMALL &&
	    __atomic_compare_exchange_n(&pair->spare, &none, m, false, __ATOMIC_RELEASE,
					__ATOMIC_RELAXED))
		return;
	kfree(m);
}

static void message_free(struct message *m)
{
	for (uint32_t i = 0; i < m->nhandles; i++)
		cap_drop_taken(&m->handles[i]);
	message_release(m, NULL);
}

/* NULL when the heap or the job's memory quota has no room. The job is
 * charged the message's own size, whichever buffer holds it. */
static inline __attribute__((always_inline)) struct message *message_alloc(struct channel_pair *pair, uint32_t nbytes,
				     uint32_t nhandles, struct job *job)
{
	size_t handle_bytes = nhandles * sizeof(struct cap_taken);
	uint64_t size = sizeof(struct message) + handle_bytes + nbytes;
	if (job_charge_memory(job, size) != LO_OK)
		return NULL;
	struct message *m = NULL;
	if (size <= MESSAGE_SMALL) {
		m = __atomic_exchange_n(&pair->spare, NULL, __ATOMIC_ACQUIRE);
		if (!m)
			m = kmalloc(MESSAGE_SMALL);
	} else {
		m = kmalloc(size);
	}
	if (!m) {
		job_uncharge_memory(job, size);
		return NULL;
	}
	if (job)
		cap_ref(&job->obj.cap);
	m->job = job;
	m->size = size;
	m->nbytes = nbytes;
	m->nhandles = nhandles;
	m->nends = 0;
	m->handles = (struct cap_taken *)m->data;
	m->bytes = (uint8_t *)m->data + handle_bytes;
	return m;
}

/* Wake every waiter on a callers or receivers list with `why`, taking
 * each off it. Pair lock held. */
static void wake_all(struct list *waiters, status_t why)
{
	while (!list_empty(waiters)) {
		struct channel_caller *c =
			container_of(list_pop_front(waiters), struct channel_caller, node);
		c->status = why;
		thread_wake(c->thread, why);
	}
}

/* End every channel_call and channel_reply_wait waiting at ch. */
static void wake_callers(struct channel *ch, status_t why)
{
	wake_all(&ch->callers, why);
	wake_all(&ch->receivers, why);
}

/* A receiver's wake status (internal, never returned): a message was queued
 * while it waited; look at the queue again. */
#define RECEIVER_RETRY ((status_t)1)

/* Detach from the peer and empty our queue. Runs when the last handle to
 * this end closes, or at destruction for an end that never had one. */
static void channel_close_end(struct channel *ch)
{
	struct list doomed;
	list_init(&doomed);
	spin_lock(&ch->pair->lock);
	struct channel *peer = ch->peer;
	if (peer) {
		peer->peer = NULL;
		ch->peer = NULL;
		kobject_signal(&peer->obj, LO_SIG_CHANNEL_WRITABLE, LO_SIG_CHANNEL_PEER_CLOSED);
		/* No reply will come to the peer's callers now. */
		wake_callers(peer, LO_ERR_PEER_CLOSED);
	}
	/* This end is closing under callers of its own: their call ends. */
	wake_callers(ch, LO_ERR_CANCELED);
	while (!list_empty(&ch->queue))
		list_push_back(&doomed, list_pop_front(&ch->queue));
	ch->queued = 0;
	ch->queued_ends = 0;
	spin_unlock(&ch->pair->lock);
	/* Closing handles in the messages can run other objects' code: do it
	 * without the pair lock. */
	struct list *n;
	while ((n = list_pop_front(&doomed)))
		message_free(container_of(n, struct message, node));
}

static void channel_on_zero_handles(struct cap_object *obj)
{
	channel_close_end((struct channel *)obj);
}

static void channel_destroy(struct cap_object *obj)
{
	struct channel *ch = (struct channel *)obj;
	channel_close_end(ch);
	struct channel_pair *pair = ch->pair;
	spin_lock(&pair->lock);
	bool last = --pair->ends == 0;
	spin_unlock(&pair->lock);
	if (last) {
		kfree(pair->spare);
		kfree(pair);
	}
	kobject_count_destroyed(LO_TYPE_CHANNEL);
	kobject_uncharge(kobject_of(obj));
	kfree(ch);
}

static const struct cap_object_ops channel_ops = {
	.destroy = channel_destroy,
	.on_zero_handles = channel_on_zero_handles,
};

status_t channel_alloc(struct channel **end0, struct channel **end1)
{
	struct channel_pair *pair = kmalloc(sizeof(*pair));
	struct channel *a = kmalloc(sizeof(*a));
	struct channel *b = kmalloc(sizeof(*b));
	if (!pair || !a || !b) {
		kfree(pair);
		kfree(a);
		kfree(b);
		return LO_ERR_NO_MEMORY;
	}
	spin_init(&pair->lock, "channel");
	pair->ends = 2;
	pair->spare = NULL;
	kobject_init(&a->obj, LO_TYPE_CHANNEL, &channel_ops);
	kobject_init(&b->obj, LO_TYPE_CHANNEL, &channel_ops);
	a->pair = b->pair = pair;
	a->peer = b;
	b->peer = a;
	list_init(&a->queue);
	list_init(&b->queue);
	list_init(&a->callers);
	list_init(&b->callers);
	list_init(&a->receivers);
	list_init(&b->receivers);
	a->obj.cap.signals = b->obj.cap.signals = LO_SIG_CHANNEL_WRITABLE;
	*end0 = a;
	*end1 = b;
	return LO_OK;
}

static struct channel *as_channel(struct cap_taken *h)
{
	return h->obj->type == LO_TYPE_CHANNEL ? (struct channel *)h->obj : NULL;
}

/* The cycle rule, with the transit lock held: every end being moved must
 * have no channel end waiting in its own queue. Such an end has no edge
 * out, so the edges this message adds cannot close a cycle. Its count
 * cannot grow while we hold the transit lock. */
static bool ends_movable(struct cap_taken *handles, uint32_t nhandles)
{
	for (uint32_t i = 0; i < nhandles; i++) {
		struct channel *end = as_channel(&handles[i]);
		if (!end)
			continue;
		spin_lock(&end->pair->lock);
		uint32_t waiting = end->queued_ends;
		spin_unlock(&end->pair->lock);
		if (waiting)
			return false;
	}
	return true;
}

/* The message for a send, or NULL with *st set (then the handles are
 * closed: a failed send consumes them). */
static inline __attribute__((always_inline)) struct message *message_build(struct channel *ch, const void *bytes, uint32_t nbytes,
				     struct cap_taken *handles, uint32_t nhandles,
				     struct job *charge, status_t *st)
{
	uint32_t nends = 0;
	*st = LO_OK;
	if (nbytes > LO_CHANNEL_MAX_BYTES || nhandles > LO_CHANNEL_MAX_HANDLES) {
		*st = LO_ERR_OUT_OF_RANGE;
		goto fail;
	}
	for (uint32_t i = 0; i < nhandles; i++) {
		struct channel *end = as_channel(&handles[i]);
		if (!end)
			continue;
		nends++;
		/* An end in its own pair's queue would keep itself alive. */
		if (end->pair == ch->pair) {
			*st = LO_ERR_NOT_SUPPORTED;
			goto fail;
		}
	}
	struct message *m = message_alloc(ch->pair, nbytes, nhandles, charge);
	if (!m) {
		*st = LO_ERR_NO_MEMORY;
		goto fail;
	}
	memcpy(m->bytes, bytes, nbytes);
	for (uint32_t i = 0; i < nhandles; i++)
		m->handles[i] = handles[i];
	m->nends = nends;
	return m;
fail:
	for (uint32_t i = 0; i < nhandles; i++)
		cap_drop_taken(&handles[i]);
	return NULL;
}

/* The caller waiting at `end` for a reply with m's txid, taken off the
 * list, or NULL. With the pair lock held. */
static struct channel_caller *caller_for(struct channel *end, struct message *m)
{
	if (m->nbytes < sizeof(uint32_t))
		return NULL;
	uint32_t txid;
	memcpy(&txid, m->bytes, sizeof(txid));
	for (struct list *n = end->callers.next; n != &end->callers; n = n->next) {
		struct channel_caller *c = container_of(n, struct channel_caller, node);
		if (c->txid == txid) {
			list_remove(&c->node);
			return c;
		}
	}
	return NULL;
}

/* The first channel_reply_wait at `end` whose buffers fit m, taken off
 * the list, or NULL. With the pair lock held. */
static struct channel_caller *receiver_for(struct channel *end, struct message *m)
{
	for (struct list *n = end->receivers.next; n != &end->receivers; n = n->next) {
		struct channel_caller *c = container_of(n, struct channel_caller, node);
		if (m->nbytes <= c->max_bytes && m->nhandles <= c->max_handles) {
			list_remove(&c->node);
			return c;
		}
	}
	return NULL;
}

/* Deliver m to ch's peer: straight to the caller waiting there for it
 * (channel_call), else to a thread waiting there in channel_reply_wait,
 * else into the peer's queue. With `caller`, also register
 * it at ch, in the same critical section, so that no reply can come before
 * it is there. On failure nothing changed and m is still the sender's. */
static inline __attribute__((always_inline)) status_t message_post(struct channel *ch, struct message *m, struct channel_caller *caller)
{
	status_t st = LO_OK;
	/* Read once: after the pair lock, m may be a caller's, even freed. */
	uint32_t nends = m->nends;
	if (nends) {
		spin_lock(&transit_lock);
		if (!ends_movable(m->handles, m->nhandles)) {
			spin_unlock(&transit_lock);
			return LO_ERR_BAD_STATE;
		}
	}
	spin_lock(&ch->pair->lock);
	struct channel *peer = ch->peer;
	struct channel_caller *waiting = NULL;
	if (peer && !list_empty(&peer->callers))   /* rare but for channel_call */
		waiting = caller_for(peer, m);
	if (peer && !waiting && !list_empty(&peer->receivers))   /* a server waits */
		waiting = receiver_for(peer, m);
	if (!peer) {
		st = LO_ERR_PEER_CLOSED;
	} else if (waiting && m->nbytes <= waiting->max_bytes &&
		   m->nhandles <= waiting->max_handles) {
		/* The fast path: no queue, no signals, no observers. */
		waiting->reply = m;
		waiting->status = LO_OK;
		thread_wake(waiting->thread, LO_OK);
	} else if (peer->queued >= CHANNEL_MAX_QUEUED) {
		st = LO_ERR_SHOULD_WAIT;
		if (waiting)   /* it stays a caller: put it back */
			list_push_back(&peer->callers, &waiting->node);
	} else {
		if (waiting) {
			/* Too big for the caller's buffers: it learns the sizes
			 * and the reply waits in the queue for a read. */
			waiting->status = LO_ERR_BUFFER_TOO_SMALL;
			waiting->nbytes = m->nbytes;
			waiting->nhandles = m->nhandles;
			thread_wake(waiting->thread, LO_ERR_BUFFER_TOO_SMALL);
		}
		/* Receivers wait only on an empty queue: send them to it. */
		wake_all(&peer->receivers, RECEIVER_RETRY);
		list_push_back(&peer->queue, &m->node);
		peer->queued_ends += m->nends;
		if (++peer->queued == 1)
			kobject_signal(&peer->obj, 0, LO_SIG_CHANNEL_READABLE);
		if (peer->queued == CHANNEL_MAX_QUEUED)
			kobject_signal(&ch->obj, LO_SIG_CHANNEL_WRITABLE, 0);
	}
	if (st == LO_OK && caller)
		list_push_back(&ch->callers, &caller->node);
	spin_unlock(&ch->pair->lock);
	if (nends)
		spin_unlock(&transit_lock);
	return st;
}

/* message_post, and on failure the message is gone (its handles closed),
 * except on LO_ERR_BAD_STATE (they are still the sender's). */
static inline __attribute__((always_inline)) status_t channel_post(struct channel *ch, struct message *m, struct channel_caller *caller)
{
	status_t st = message_post(ch, m, caller);
	if (st == LO_OK)
		return LO_OK;
	if (st == LO_ERR_BAD_STATE) {
		m->nhandles = 0;   /* still the sender's: nothing moved */
		message_release(m, ch->pair);
		return st;
	}
	message_free(m);   /* closes the handles it took over */
	return st;
}

status_t channel_send(struct channel *ch, const void *bytes, uint32_t nbytes,
		      struct cap_taken *handles, uint32_t nhandles, struct job *charge)
{
	status_t st;
	struct message *m = message_build(ch, bytes, nbytes, handles, nhandles, charge, &st);
	if (!m)
		return st;
	return channel_post(ch, m, NULL);
}

/* With the pair lock held. */
static status_t next_message(struct channel *ch, struct message **out)
{
	if (list_empty(&ch->queue))
		return ch->peer ? LO_ERR_SHOULD_WAIT : LO_ERR_PEER_CLOSED;
	*out = container_of(ch->queue.next, struct message, node);
	return LO_OK;
}

status_t channel_peek(struct channel *ch, uint32_t *nbytes, uint32_t *nhandles)
{
	struct message *m;
	spin_lock(&ch->pair->lock);
	status_t st = next_message(ch, &m);
	if (st == LO_OK) {
		*nbytes = m->nbytes;
		*nhandles = m->nhandles;
	}
	spin_unlock(&ch->pair->lock);
	return st;
}

/* Take the next message off ch's queue if it fits (its sizes in *nbytes,
 * *nhandles either way). With the pair lock held. */
static inline __attribute__((always_inline)) status_t dequeue(struct channel *ch, uint32_t max_bytes,
			uint32_t max_handles,
			struct message **out, uint32_t *nbytes, uint32_t *nhandles)
{
	struct message *m;
	status_t st = next_message(ch, &m);
	if (st != LO_OK)
		return st;
	*nbytes = m->nbytes;
	*nhandles = m->nhandles;
	if (m->nbytes > max_bytes || m->nhandles > max_handles)
		return LO_ERR_BUFFER_TOO_SMALL;
	list_remove(&m->node);
	ch->queued_ends -= m->nends;
	if (--ch->queued == 0)
		kobject_signal(&ch->obj, LO_SIG_CHANNEL_READABLE, 0);
	if (ch->peer && ch->queued == CHANNEL_MAX_QUEUED - 1)
		kobject_signal(&ch->peer->obj, 0, LO_SIG_CHANNEL_WRITABLE);
	*out = m;
	return LO_OK;
}

status_t channel_take_message(struct channel *ch, void *bytes, uint32_t max_bytes,
		      uint32_t *nbytes, struct cap_taken *handles,
		      uint32_t max_handles, uint32_t *nhandles)
{
	struct message *m;
	spin_lock(&ch->pair->lock);
	status_t st = dequeue(ch, max_bytes, max_handles, &m, nbytes, nhandles);
	spin_unlock(&ch->pair->lock);
	if (st != LO_OK)
		return st;
	memcpy(bytes, m->bytes, m->nbytes);
	for (uint32_t i = 0; i < m->nhandles; i++)
		handles[i] = m->handles[i];
	m->nhandles = 0;   /* they belong to the caller now */
	message_release(m, ch->pair);
	return LO_OK;
}

/* --- System calls (idl/channel.idl) --- */

/* Charged to job: two objects now; queued messages as they are written. */
status_t channel_create(struct job *job, struct channel **end0, struct channel **end1)
{
	status_t st = job_charge_objects(job, 2);
	if (st != LO_OK)
		return st;
	st = channel_alloc(end0, end1);
	if (st != LO_OK) {
		job_uncharge_objects(job, 2);
		return st;
	}
	kobject_charged(&(*end0)->obj, job);
	kobject_charged(&(*end1)->obj, job);
	return LO_OK;
}

status_t channel_write(struct channel *channel, const void *bytes, uint32_t nbytes,
		       struct cap_taken *handles, uint32_t nhandles)
{
	/* Charged to the sender's job while it waits in the queue. */
	struct process *p = process_current();
	status_t st = channel_send(channel, bytes, nbytes, handles, nhandles, p ? p->obj.job : NULL);
	if (st != LO_ERR_BAD_STATE)
		return st;
	/* Refused before anything moved: the handles go back under their own
	 * values, last taken first (the free list is a stack). A slot another
	 * thread of ours has reused meanwhile cannot be given back: that handle
	 * is closed, as if that thread had closed it. */
	struct cap_table *table = &process_current()->handles;
	for (uint32_t i = nhandles; i-- > 0;) {
		if (cap_untake(table, &handles[i]) != LO_OK)
			cap_drop_taken(&handles[i]);
	}
	return st;
}

/* A write carrying a copy of one handle with exactly `rights`: a server
 * answering with one of its objects (a registry's entry) needs no
 * duplicate in its own table first, and the client gets no TRANSFER it
 * did not ask for. The dispatch checked DUPLICATE | TRANSFER; the copy is
 * made from the table again, under its lock, where a handle closed or
 * replaced meanwhile no longer resolves. */
status_t channel_write_copy(struct channel *channel, const void *bytes, uint32_t nbytes,
			    struct cap_object *handle, cap_handle_t handle_handle, rights_t handle_rights,
			    uint32_t rights)
{
	(void)handle;
	(void)handle_rights;
	struct cap_taken copy;
	status_t st = cap_copy_taken(current_handle_table(), handle_handle, rights, &copy);
	if (st != LO_OK)
		return st;
	struct process *p = process_current();
	st = channel_send(channel, bytes, nbytes, &copy, 1, p ? p->obj.job : NULL);
	if (st == LO_ERR_BAD_STATE)
		cap_drop_taken(&copy);   /* nothing moved: the copy is ours alone */
	return st;
}

status_t channel_read(struct channel *channel, void *bytes, uint32_t max_bytes,
			struct cap_taken *handles, uint32_t max_handles,
			struct lo_channel_read_result *result)
{
	return channel_take_message(channel, bytes, max_bytes, &result->bytes, handles, max_handles,
			    &result->handles);
}

/* --- channel_call: write a request, wait for its reply, read it, in one
 * system call. Three calls (write, wait_one, read) and their wait setup
 * become one. The reply does not go through the queue: the replier's
 * write hands it to the waiting caller and wakes it (message_post), so it
 * costs no signals and no observers. The reply is matched by its first 4
 * bytes (the protocols' txid), so two threads may call on one channel at
 * once. --- */

/* Take a caller off ch's list if it is still there (after a timeout or a
 * kill; a reply or a close took it off otherwise). */
static void forget_call(struct channel *ch, struct channel_caller *caller)
{
	spin_lock(&ch->pair->lock);
	if (list_linked(&caller->node))
		list_remove(&caller->node);
	spin_unlock(&ch->pair->lock);
}

/* Hand the reply to the caller's process: sizes, bytes, then handles
 * (their new values). On a fault the installed handles are closed again
 * and the reply is lost. */
static status_t deliver(struct channel *ch, struct message *m,
			const struct lo_channel_call_reply *reply)
{
	struct cap_table *table = current_handle_table();
	uint32_t nbytes = m->nbytes, nhandles = m->nhandles;
	uint32_t values[LO_CHANNEL_MAX_HANDLES];
	const uint8_t *bytes = m->bytes;
	struct cap_taken *taken = m->handles;
	struct lo_channel_read_result result = { nbytes, nhandles };
	status_t st = copy_to_user(reply->result, &result, sizeof(result));
	if (st == LO_OK)
		st = copy_to_user(reply->bytes, bytes, nbytes);
	uint32_t installed = 0;
	for (; st == LO_OK && installed < nhandles; installed++)
		st = cap_install_taken(table, &taken[installed], &values[installed]);
	if (st != LO_OK && installed > 0)
		installed--;   /* the one that failed was not installed */
	if (st == LO_OK)
		st = copy_to_user(reply->handles, values, nhandles * sizeof(uint32_t));
	if (st != LO_OK) {
		for (uint32_t i = 0; i < installed; i++)
			cap_close(table, values[i]);
		for (uint32_t i = installed; i < nhandles; i++)
			cap_drop_taken(&taken[i]);
	}
	m->nhandles = 0;   /* installed, or closed above */
	message_release(m, ch->pair);
	return st;
}

/* A revoke of a grant of ch (revoker.c): every thread in a call or a
 * reply_wait there is woken with LO_ERR_REVOKED, still on its list, to look
 * at the handle it came through (handle_survives). Only the revoker knows
 * which grant went, and a thread may have come through another one. */
void channel_revoked(struct channel *ch)
{
	spin_lock(&ch->pair->lock);
	for (struct list *n = ch->callers.next; n != &ch->callers; n = n->next)
		thread_wake(container_of(n, struct channel_caller, node)->thread, LO_ERR_REVOKED);
	for (struct list *n = ch->receivers.next; n != &ch->receivers; n = n->next)
		thread_wake(container_of(n, struct channel_caller, node)->thread, LO_ERR_REVOKED);
	spin_unlock(&ch->pair->lock);
}

/* After such a wake: does this thread's handle h still name ch, through no
 * revoked grant? If not, its call ends with CANCELED, as a wait does. */
static bool handle_survives(struct channel *ch, cap_handle_t h)
{
	struct cap_revoke_node *node;
	return cap_names_node(current_handle_table(), h, &ch->obj.cap, &node) && !cap_revoked(node);
}

/* Block again, still on the callers list, after a revoke that was not
 * this caller's: a reply that took it off meanwhile ends the wait at once. */
static status_t call_wait_again(struct channel *ch, struct channel_caller *caller, uint64_t deadline)
{
	bool passed = deadline <= clock_ns();
	thread_prepare_block(passed ? DEADLINE_INFINITE : deadline);
	spin_lock(&ch->pair->lock);
	bool ended = caller->status != LO_ERR_SHOULD_WAIT;
	spin_unlock(&ch->pair->lock);
	if (ended || passed)
		thread_wake(caller->thread, ended ? caller->status : LO_ERR_TIMED_OUT);
	return thread_block();
}

status_t channel_call(struct channel *channel, cap_handle_t channel_handle, rights_t channel_rights,
		      const void *bytes, uint32_t nbytes,
		      struct cap_taken *handles, uint32_t nhandles,
		      const struct lo_channel_call_reply *reply)
{
	(void)channel_rights;
	struct process *p = process_current();
	status_t st = LO_OK;
	if (nbytes < sizeof(uint32_t))
		st = LO_ERR_INVALID_ARGS;   /* no txid */
	else if (reply->max_bytes > LO_CHANNEL_MAX_BYTES || reply->max_handles > LO_CHANNEL_MAX_HANDLES)
		st = LO_ERR_OUT_OF_RANGE;
	if (st != LO_OK) {
		for (uint32_t i = 0; i < nhandles; i++)
			cap_drop_taken(&handles[i]);   /* a write consumes them */
		return st;
	}
	struct message *m = message_build(channel, bytes, nbytes, handles, nhandles,
					  p ? p->obj.job : NULL, &st);
	if (!m)
		return st;
	struct channel_caller caller = {
		.max_bytes = reply->max_bytes,
		.max_handles = reply->max_handles,
		.thread = thread_current(),
		.status = LO_ERR_SHOULD_WAIT,
	};
	memcpy(&caller.txid, bytes, sizeof(caller.txid));
	list_init(&caller.node);

	/* Blocked before the request is out: a reply from another CPU then
	 * finds us to wake (thread_block returns at once if it came first). */
	uint64_t deadline = reply->deadline;
	bool passed = deadline <= clock_ns();
	thread_prepare_block(passed ? DEADLINE_INFINITE : deadline);
	st = message_post(channel, m, &caller);
	if (st != LO_OK) {
		thread_wake(caller.thread, st);   /* cancels the block */
		thread_block();
		/* Only now, running again: closing handles can run any
		 * object's destroy code. */
		if (st != LO_ERR_BAD_STATE) {
			message_free(m);
		} else {
			/* Nothing moved: the handles go back, as in channel_write. */
			m->nhandles = 0;
			message_release(m, channel->pair);
			struct cap_table *table = current_handle_table();
			for (uint32_t i = nhandles; i-- > 0;) {
				if (cap_untake(table, &handles[i]) != LO_OK)
					cap_drop_taken(&handles[i]);
			}
		}
		return st;
	}
	if (passed)
		thread_wake(caller.thread, LO_ERR_TIMED_OUT);
	st = thread_block();
	while (st == LO_ERR_REVOKED && handle_survives(channel, channel_handle))
		st = call_wait_again(channel, &caller, deadline);
	if (st == LO_ERR_REVOKED)
		st = LO_ERR_CANCELED;   /* through the revoked grant */
	/* Woken by the deadline, a kill or a revoke: still on the list, unless
	 * a reply or a close took it off meanwhile (then that outcome wins). */
	forget_call(channel, &caller);
	if (caller.status != LO_ERR_SHOULD_WAIT)
		st = caller.status;
	else if (st == LO_OK)
		st = LO_ERR_CANCELED;   /* only an outcome set under the lock carries a reply */
	if (st == LO_OK)
		return deliver(channel, caller.reply, reply);
	if (st == LO_ERR_BUFFER_TOO_SMALL) {
		struct lo_channel_read_result sizes = { caller.nbytes, caller.nhandles };
		status_t cst = copy_to_user(reply->result, &sizes, sizeof(sizes));
		return cst == LO_OK ? st : cst;
	}
	return st;
}

/* --- channel_reply_wait: a server's write (the reply) and its wait and
 * read of the next request in one system call. A request that comes while
 * the server waits is handed to it by the writer (message_post), as a
 * reply is to a channel_call: no queue, no signals, no observers. --- */

/* Wait at ch for the next message and deliver it into `next`. */
static status_t receive(struct channel *ch, cap_handle_t h, const struct lo_channel_call_reply *next)
{
	uint64_t deadline = next->deadline;
	bool passed = deadline <= clock_ns();
	struct channel_caller me = {
		.max_bytes = next->max_bytes,
		.max_handles = next->max_handles,
		.thread = thread_current(),
	};
	for (;;) {
		me.status = LO_ERR_SHOULD_WAIT;
		list_init(&me.node);
		/* Blocked before we are on the list: a writer on another CPU
		 * then finds us to wake. */
		thread_prepare_block(passed ? DEADLINE_INFINITE : deadline);
		struct message *m = NULL;
		uint32_t nbytes = 0, nhandles = 0;
		spin_lock(&ch->pair->lock);
		status_t st = dequeue(ch, me.max_bytes, me.max_handles, &m, &nbytes, &nhandles);
		if (st == LO_ERR_SHOULD_WAIT)
			list_push_back(&ch->receivers, &me.node);
		spin_unlock(&ch->pair->lock);
		if (st != LO_ERR_SHOULD_WAIT) {
			/* Something was queued (or nothing will come): no wait. */
			thread_wake(me.thread, st);   /* cancels the block */
			thread_block();
		} else {
			if (passed)
				thread_wake(me.thread, LO_ERR_TIMED_OUT);
			st = thread_block();
			/* Woken by the deadline or a kill: still on the list, unless
			 * a writer or a close took us off meanwhile (that wins). */
			forget_call(ch, &me);
			if (me.status != LO_ERR_SHOULD_WAIT)
				st = me.status;
			else if (st == LO_OK)
				st = RECEIVER_RETRY;   /* nothing handed over: look at the queue */
			if (st == RECEIVER_RETRY)
				continue;
			if (st == LO_ERR_REVOKED) {
				if (handle_survives(ch, h))
					continue;   /* another grant's revoke */
				st = LO_ERR_CANCELED;
			}
			if (st == LO_OK)
				m = me.reply;
		}
		if (st == LO_OK)
			return deliver(ch, m, next);
		if (st == LO_ERR_BUFFER_TOO_SMALL) {
			struct lo_channel_read_result sizes = { nbytes, nhandles };
			status_t cst = copy_to_user(next->result, &sizes, sizeof(sizes));
			return cst == LO_OK ? st : cst;
		}
		return st;
	}
}

status_t channel_reply_wait(struct channel *channel, cap_handle_t channel_handle, rights_t channel_rights,
			    const void *bytes, uint32_t nbytes,
			    struct cap_taken *handles, uint32_t nhandles,
			    const struct lo_channel_call_reply *next)
{
	(void)channel_rights;
	if (next->max_bytes > LO_CHANNEL_MAX_BYTES || next->max_handles > LO_CHANNEL_MAX_HANDLES) {
		for (uint32_t i = 0; i < nhandles; i++)
			cap_drop_taken(&handles[i]);   /* a write consumes them */
		return LO_ERR_OUT_OF_RANGE;
	}
	if (nbytes || nhandles) {   /* none: a server loop's first call */
		status_t st = channel_write(channel, bytes, nbytes, handles, nhandles);
		if (st != LO_OK)
			return st;
	}
	return receive(channel, channel_handle, next);
}
