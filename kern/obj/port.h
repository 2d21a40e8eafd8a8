/* Ports: one place to wait for signals on many objects (the seed's
 * "eventhooks"). Binding an object to a port with a key and a signal mask
 * queues one packet {key, signals} when the object's signals first match;
 * the binding is then gone (bind again to hear more). A bound object is
 * kept alive by its binding until it fires or the port's last handle closes.
 *
 * Limits: PORT_MAX_PACKETS queued, PORT_MAX_BINDINGS pending per port. */
#ifndef KERN_OBJ_PORT_H
#define KERN_OBJ_PORT_H

#include <stdint.h>
#include "status.h"
#include "obj/kobject.h"
#include "handle_table.h"
#include "k_objects.h"   /* generated: the system calls this object implements */

#define PORT_MAX_PACKETS  1024
#define PORT_MAX_BINDINGS 1024

struct port_packet {
	uint64_t key;
	uint32_t signals;    /* the object's signals when the binding fired */
	uint32_t reserved;
};

struct port {
	struct kobject obj;          /* obj.lock guards everything below */
	struct list packets;
	uint32_t packet_count;
	struct list bindings;        /* waiting to fire */
	uint32_t binding_count;
	struct list fired;           /* fired, waiting to be freed outside locks */
	bool closed;                 /* last handle gone: no new bindings */
};

/* A new port, charged to no job; port_create() (the call) in k_objects.h */
status_t port_alloc(struct port **port);
status_t port_bind_object(struct port *p, struct kobject *target, uint32_t signals, uint64_t key);
/* Queue a packet directly (user packets). */
/* port_queue(): prototype in the generated k_objects.h */
/* Take the next packet; LO_ERR_SHOULD_WAIT when none. */
status_t port_take(struct port *p, struct port_packet *out);
/* Take the next packet, waiting until `deadline` for one. The wait ends
 * with LO_ERR_CANCELED if `handle` of `table` dies (table NULL: no handle). */
status_t port_wait_packet(struct port *p, struct cap_table *table, cap_handle_t handle,
			  uint64_t deadline, struct port_packet *out);

#endif
