/* Serving registries: one "host" serves any number of registries over
 * channels, from one thread, with a port.
 *
 * A registry lives while something refers to it: a connection (a client's
 * channel), an entry of another registry, or the host's own reference
 * (from lo_registry_create until lo_registry_release). When the last goes,
 * the host frees it and closes every handle its entries held.
 *
 * Limits, so that one client cannot starve the others (docs/registries.md):
 * a client is a connection the host made with lo_registry_connect together
 * with every connection opened through it (transitively). A client may
 * hold at most LO_REGISTRY_CLIENT_CONNECTIONS connections, and connections
 * opened by clients never take the last LO_REGISTRY_HOST_RESERVED slots,
 * which stay for the host's own lo_registry_connect. The entries a client
 * made (bind, link, make_registry) and that still exist are at most
 * LO_REGISTRY_CLIENT_ENTRIES; the host's own are not counted. A connection
 * may hold at most LO_REGISTRY_CONN_WATCHES watches; a watch goes when its
 * connection closes or when the server holds the event's only handle. */
#ifndef LIGHTOS_REGISTRY_SERVER_H
#define LIGHTOS_REGISTRY_SERVER_H

#include "lightos/registry.h"

#define LO_REGISTRY_HOST_CONNECTIONS 128
#define LO_REGISTRY_HOST_RESERVED 8
#define LO_REGISTRY_CLIENT_CONNECTIONS 32
#define LO_REGISTRY_CLIENT_ENTRIES 256
#define LO_REGISTRY_CONN_WATCHES 4
/* Requests served from one connection before the others get a turn. */
#define LO_REGISTRY_TURN 16
/* Subtree grants one connection carries (lo_registry_connect_as). */
#define LO_REGISTRY_SUBGRANTS 12
/* Refused requests the host remembers (the `denial` method reads them). */
#define LO_REGISTRY_DENIALS 16
/* Referrals a host keeps revocable for clients that keep them
 * (resolve_keep): in all, and per mount (and one per client and mount). */
#define LO_REGISTRY_HOST_KEPT 32
#define LO_REGISTRY_MOUNT_KEPT 12
/* Entries a kept referral's path may cross (links and hops: 16). */
#define LO_REGISTRY_KEPT_PATH 16
/* How long an open through a mount waits for the mounted server (ns). */
#define LO_REGISTRY_MOUNT_WAIT (1000ull * 1000 * 1000)

/* What a client holds of a file or device session: enough to talk on it. */
#define LO_REGISTRY_SESSION_RIGHTS (LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_WAIT | \
				    LO_RIGHT_INSPECT | LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER)
/* The port key a server binds its own sources under to be refreshed, and
 * where the keys for its own bindings (on_packet) start. */
#define LO_REGISTRY_HOST_REFRESH_KEY 0xffffffffull
#define LO_REGISTRY_HOST_USER_KEY 0x10000ull

struct lo_registry;

struct lo_registry_host {
	lo_port_t port;
	struct lo_registry_conn {
		lo_channel_t channel;
		struct lo_registry *registry;   /* NULL: slot free */
		uint32_t client;                /* who is charged for it */
		uint32_t rights;                /* LO_REGISTRY_RIGHT_*: checked per request */
		/* Subtree grants: in these registries the connection has these
		 * rights instead (each holds a reference on its registry). */
		struct lo_registry_subgrant {
			struct lo_registry *registry;
			uint32_t rights;
		} sub[LO_REGISTRY_SUBGRANTS];
	} conns[LO_REGISTRY_HOST_CONNECTIONS];
	/* A ring of refused requests: denial_total counts them all. */
	struct lo_registry_denial {
		uint32_t ordinal, missing, client;
	} denials[LO_REGISTRY_DENIALS];
	uint32_t denial_total;
	/* Referrals handed out to be kept (registry_kept.c): each a grant
	 * through a revoker of its own; revoker 0: free. */
	struct lo_registry_kept {
		lo_revoker_t revoker;
		uint32_t conn;                  /* the slot it was asked on */
		uint32_t client;                /* the client that connection is */
		const void *mount;              /* the mount entry it refers to */
		/* The entries its path crossed, the mount last: any of them
		 * gone, the path may name something else. */
		const void *on_path[LO_REGISTRY_KEPT_PATH];
		uint32_t path_len;
	} kept[LO_REGISTRY_HOST_KEPT];
	uint32_t kept_live;                 /* of kept[], in use: 0 skips the scans */
	uint32_t next_client;
	uint32_t next_txid;                 /* of requests to other servers */
	struct lo_registry_client_use *uses;   /* entries charged to each client */
	/* A live view's hook (NULL: none): called before every request is
	 * served, and for a port packet with key LO_REGISTRY_HOST_REFRESH_KEY
	 * (bound by the server itself, e.g. to a census). */
	void (*refresh)(void *arg);
	void *refresh_arg;
	/* Sessions the host serves itself (lo_registry_add_service): an open
	 * calls open_service(service_arg, cookie, granted rights, &handle).
	 * Port packets with keys from LO_REGISTRY_HOST_USER_KEY up (the
	 * server's own bindings, e.g. its sessions) go to on_packet. */
	status_t (*open_service)(void *arg, void *cookie, uint32_t rights, lo_handle_t *out);
	void (*on_packet)(void *arg, uint64_t key);
	void *service_arg;
	uint32_t live_registries;           /* for tests: registries not yet freed */
	uint32_t live_watches;              /* for tests: watches not yet freed */
};

status_t lo_registry_host_init(struct lo_registry_host *host);
/* A new, empty registry, with the host's reference. */
struct lo_registry *lo_registry_create(struct lo_registry_host *host, const char *name);
void lo_registry_release(struct lo_registry_host *host, struct lo_registry *reg);
/* A new client connection to reg, with every connection right. */
status_t lo_registry_connect(struct lo_registry_host *host, struct lo_registry *reg,
			     lo_channel_t *client);
/* The same with connection rights `rights` (LO_REGISTRY_RIGHT_*) and up to
 * LO_REGISTRY_SUBGRANTS subtree grants (registry, rights; NULL ends). */
status_t lo_registry_connect_as(struct lo_registry_host *host, struct lo_registry *reg,
				uint32_t rights, const struct lo_registry_subgrant *sub,
				lo_channel_t *client);
/* An entry that is a registry, granting at most `rights` to connections
 * opened through it. */
status_t lo_registry_add_registry_as(struct lo_registry_host *host, struct lo_registry *reg,
				     const char *name, struct lo_registry *child, uint32_t rights);
/* Live connections (a server may end when none is left). */
uint32_t lo_registry_host_connections(struct lo_registry_host *host);
/* Entries, added by the host itself. The handle moves in. */
status_t lo_registry_add(struct lo_registry_host *host, struct lo_registry *reg,
			 const char *name, lo_handle_t object, uint32_t rights);
status_t lo_registry_add_registry(struct lo_registry_host *host, struct lo_registry *reg,
				  const char *name, struct lo_registry *child);
status_t lo_registry_add_link(struct lo_registry_host *host, struct lo_registry *reg,
			      const char *name, const char *target);
/* A device: every open of `name` asks its driver (over `driver`, which
 * moves in) for a session of its own, a channel speaking the file protocol
 * with READ and WRITE as the open was granted them (at most `rights`, and
 * WRITE only where the connection is WRITABLE). The client's channel has
 * LO_REGISTRY_SESSION_RIGHTS. The driver answers a registry open of ""
 * with kind entry_object and the session's client end. */
status_t lo_registry_add_device(struct lo_registry_host *host, struct lo_registry *reg,
				const char *name, lo_channel_t driver, uint32_t rights);
/* The same, opening `there` (a path) through `driver` instead of "":
 * another registry server's own session entry (event:proc is procd's). */
status_t lo_registry_add_device_at(struct lo_registry_host *host, struct lo_registry *reg,
				   const char *name, lo_channel_t driver, const char *there,
				   uint32_t rights);
/* A session served by the host itself: every open of `name` calls the
 * host's open_service with `cookie` and the rights the open was granted
 * (at most `rights`, WRITE only where WRITABLE). */
status_t lo_registry_add_service(struct lo_registry_host *host, struct lo_registry *reg,
				 const char *name, uint32_t rights, void *cookie);
/* For open_service: a new session channel in *session (0 on failure),
 * watched on the host's port under `key`; its client end in *client_out. */
status_t lo_service_session_open(struct lo_registry_host *host, lo_channel_t *session, uint64_t key,
				 lo_handle_t *client_out);
/* Watch a session again after serving it (a port binding fires once). */
status_t lo_service_session_watch(struct lo_registry_host *host, lo_channel_t session, uint64_t key);
/* Close a session's channel and mark its slot free. */
void lo_service_session_end(lo_channel_t *session);
/* Remove the entry `name` from reg (its handle closes): NOT_FOUND if none. */
status_t lo_registry_remove(struct lo_registry_host *host, struct lo_registry *reg,
			    const char *name);
/* An entry `name` in reg naming what entry `from_name` of `from` names (a
 * registry of this host, or a mount: the mount's channel is shared),
 * granting at most `rights` through it. */
status_t lo_registry_add_alias(struct lo_registry_host *host, struct lo_registry *reg,
			       const char *name, struct lo_registry *from, const char *from_name,
			       uint32_t rights);
/* The registry an entry names, or NULL (not there, or not a registry). */
struct lo_registry *lo_registry_lookup(struct lo_registry *reg, const char *name);
/* A registry another server serves, mounted by the host itself: `mount` is
 * a connection to it (moves in). Opens through it get the connection's
 * rights there; a subtree grant can name it (lo_registry_grant_point). */
status_t lo_registry_add_mount(struct lo_registry_host *host, struct lo_registry *reg,
			       const char *name, lo_channel_t mount);
/* What a subtree grant names for entry `name`: its registry, or a host's
 * mount's anchor. NULL otherwise. */
struct lo_registry *lo_registry_grant_point(struct lo_registry *reg, const char *name);
/* Close every connection and the port (the registries the connections
 * kept go with them; the host's own references stay). */
void lo_registry_host_shutdown(struct lo_registry_host *host);
/* Kept referrals (registry_kept.c; the host's own use). */
struct lo_registry_kept *lo_registry_kept_slot(struct lo_registry_host *host, uint32_t client,
					       const void *mount);
status_t lo_registry_kept_grant(struct lo_registry_host *host, struct lo_registry_kept *k, uint32_t conn,
				uint32_t client, const void *const *on_path, uint32_t path_len, lo_handle_t *h);
void lo_registry_kept_revoke_conn(struct lo_registry_host *host, uint32_t conn);
void lo_registry_kept_revoke_entry(struct lo_registry_host *host, const void *entry);
void lo_registry_kept_revoke_all(struct lo_registry_host *host);
/* For tests: referrals kept and not yet taken back. */
uint32_t lo_registry_kept_live(struct lo_registry_host *host);
/* Serve until `deadline` (ns since boot); returns LO_ERR_TIMED_OUT then. */
status_t lo_registry_host_serve(struct lo_registry_host *host, uint64_t deadline);

#endif
