/* Serving registries: one "host" serves any number of registries over
 * channels, from one thread, with a port.
 *
 * A registry lives while something refers to it: a connection (a client's
 * channel), an entry of another registry, or the host's own reference
 * (from lo_registry_create until lo_registry_release). When the last goes,
 * the host frees it and closes every handle its entries held. */
#ifndef LIGHTOS_REGISTRY_SERVER_H
#define LIGHTOS_REGISTRY_SERVER_H

#include "lightos/registry.h"

#define LO_REGISTRY_HOST_CONNECTIONS 128
#define LO_REGISTRY_WATCHERS 4

struct lo_registry;

struct lo_registry_host {
	lo_port_t port;
	struct lo_registry_conn {
		lo_channel_t channel;
		struct lo_registry *registry;   /* NULL: slot free */
	} conns[LO_REGISTRY_HOST_CONNECTIONS];
	uint32_t live_registries;           /* for tests: registries not yet freed */
};

status_t lo_registry_host_init(struct lo_registry_host *host);
/* A new, empty registry, with the host's reference. */
struct lo_registry *lo_registry_create(struct lo_registry_host *host, const char *name);
void lo_registry_release(struct lo_registry_host *host, struct lo_registry *reg);
/* A new client connection to reg. */
status_t lo_registry_connect(struct lo_registry_host *host, struct lo_registry *reg,
			     lo_channel_t *client);
/* Entries, added by the host itself. The handle moves in. */
status_t lo_registry_add(struct lo_registry_host *host, struct lo_registry *reg,
			 const char *name, lo_handle_t object, uint32_t rights);
status_t lo_registry_add_registry(struct lo_registry_host *host, struct lo_registry *reg,
				  const char *name, struct lo_registry *child);
status_t lo_registry_add_link(struct lo_registry_host *host, struct lo_registry *reg,
			      const char *name, const char *target);
/* The registry an entry names, or NULL (not there, or not a registry). */
struct lo_registry *lo_registry_lookup(struct lo_registry *reg, const char *name);
status_t lo_registry_remove(struct lo_registry_host *host, struct lo_registry *reg,
			    const char *name);
/* Serve until `deadline` (ns since boot); returns LO_ERR_TIMED_OUT then. */
status_t lo_registry_host_serve(struct lo_registry_host *host, uint64_t deadline);

#endif
