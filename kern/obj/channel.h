/* Channels: a pair of ends; a message written to one end is read from the
 * other. A message carries bytes and handles; a handle in a message has
 * left its sender's table and belongs to the message until it is read (or
 * the message is destroyed with the channel, which closes it).
 *
 * Limits: LO_CHANNEL_MAX_BYTES per message, LO_CHANNEL_MAX_HANDLES per message,
 * CHANNEL_MAX_QUEUED messages waiting at one end (then LO_ERR_SHOULD_WAIT). */
#ifndef KERN_OBJ_CHANNEL_H
#define KERN_OBJ_CHANNEL_H

#include <stdint.h>
#include "status.h"
#include "lightos/abi.h"
#include "handle_table.h"
#include "obj/kobject.h"
#include "k_objects.h"   /* generated: the system calls this object implements */

#define CHANNEL_MAX_QUEUED  256

struct channel_pair;
struct job;

struct channel {
	struct kobject obj;
	struct channel_pair *pair;   /* shared lock; freed with the second end */
	struct channel *peer;        /* NULL once the peer is closed (pair lock) */
	struct list queue;           /* messages waiting to be read here */
	uint32_t queued;
	/* Channel-end handles in those messages. Grows only under the transit
	 * lock (see channel.c), shrinks under the pair lock. */
	uint32_t queued_ends;
	struct list callers;         /* channel_calls waiting here (pair lock) */
	/* channel_reply_waits waiting here for the next message (pair lock).
	 * Only while the queue is empty: a message queued under them sends
	 * them back to look at the queue. */
	struct list receivers;
};

struct message;
struct thread;

/* A thread in channel_call, waiting at its end for the reply: the first
 * message from the peer whose first 4 bytes are txid. The replier (or the
 * close, or the waiter itself after a timeout or a kill) takes it off the
 * end's callers list under the pair lock; whoever does decides the outcome.
 * A thread in channel_reply_wait waits the same way on the receivers list
 * for any message (txid unused). */
struct channel_caller {
	struct list node;
	uint32_t txid;
	uint32_t max_bytes, max_handles;   /* what the caller can take */
	struct thread *thread;
	status_t status;           /* set by whoever took it off the list */
	struct message *reply;     /* LO_OK: the reply, now the caller's */
	uint32_t nbytes, nhandles; /* BUFFER_TOO_SMALL: the reply's sizes */
};

/* A grant of ch was revoked: threads in a call or a reply_wait there look
 * again at the handle they came through (channel.c). */
void channel_revoked(struct channel *ch);

/* A new channel pair, charged to no job (the kernel's own ends);
 * channel_create() (the call) in k_objects.h */
status_t channel_alloc(struct channel **end0, struct channel **end1);

/* Queue a message for the peer. The taken handles move into the message
 * on success AND on failure (then they are closed): a write consumes them.
 * One exception, LO_ERR_BAD_STATE: a channel end among them has channel
 * ends waiting in its own queue (moving it could close a cycle of ends that
 * keep each other alive); then nothing moved and the handles are still the
 * caller's (see docs/capabilities.md, "Handles in transit and cycles").
 * The system call channel_write() (prototype in the generated k_objects.h)
 * gives them back to the caller's table then. The message's bytes are
 * charged to `charge` (the sender's job; NULL: the kernel's message) until
 * it is read or destroyed. */
status_t channel_send(struct channel *ch, const void *bytes, uint32_t nbytes,
		      struct cap_taken *handles, uint32_t nhandles, struct job *charge);

/* The size of the next message, without taking it. LO_ERR_SHOULD_WAIT if
 * none (LO_ERR_PEER_CLOSED if none will come). */
status_t channel_peek(struct channel *ch, uint32_t *nbytes, uint32_t *nhandles);

/* Take the next message if it fits (else LO_ERR_BUFFER_TOO_SMALL and the
 * sizes, message kept). The handles are returned taken: the caller
 * installs or drops each. */
status_t channel_take_message(struct channel *ch, void *bytes, uint32_t max_bytes,
		      uint32_t *nbytes, struct cap_taken *handles,
		      uint32_t max_handles, uint32_t *nhandles);

#endif
