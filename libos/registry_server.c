/* The registry server: entries, walks, and the protocol handlers. */
#include "lightos/startup.h"
#include "lightos/registry_server.h"
#include "lightos/runtime.h"

struct entry {
	struct entry *next;
	uint32_t client;               /* who is charged for it (0: the host) */
	char name[LO_REGISTRY_NAME_MAX + 1];
	uint32_t len;                  /* of name: a lookup compares it first */
	uint32_t kind;                 /* LO_ENTRY_* */
	uint32_t rights;               /* what Open may grant (objects; connection
					* rights through a registry) */
	lo_handle_t handle;            /* objects; a device's driver channel */
	bool device;                   /* each open asks the driver for a session */
	void *service;                 /* or the host itself makes one (open_service) */
	struct lo_registry *child;     /* registries of this host */
	lo_channel_t mount;            /* registries of another server (child NULL) */
	struct lo_registry *anchor;    /* a host's mount: what subtree grants name */
	char link[LO_REGISTRY_PATH_MAX + 1];
};

/* An event to signal when a registry changes, for one connection. */
struct watch {
	struct watch *next;
	lo_handle_t event;             /* SIGNAL | INSPECT */
	uint32_t conn;                 /* the connection's slot */
};

struct lo_registry {
	char name[32];
	struct entry *entries;
	uint32_t refs;                 /* connections + entries + the host's own */
	struct lo_registry_host *host;
	struct watch *watches;
};

/* --- lifetime --- */

static void registry_unref(struct lo_registry_host *host, struct lo_registry *reg);

#define ALL_WATCHES ((uint32_t)-1)
#define DEAD_WATCHES ((uint32_t)-2)   /* no connection has this slot */

static void watch_free(struct lo_registry *reg, struct watch **link)
{
	struct watch *w = *link;
	*link = w->next;
	lo_handle_close(w->event);
	reg->host->live_watches--;
	lo_free(w);
}

/* Drop the watches of connection `conn` (or ALL_WATCHES), and those nobody
 * else can see any more: the server holds the event's only handle. */
static void watches_sweep(struct lo_registry *reg, uint32_t conn)
{
	struct watch **link = &reg->watches;
	while (*link) {
		struct lo_object_info info;
		struct watch *w = *link;
		if (conn == ALL_WATCHES || w->conn == conn ||
		    lo_handle_info(w->event, &info) != LO_OK || info.handle_count <= 1)
			watch_free(reg, link);
		else
			link = &w->next;
	}
}

/* --- what each client is charged for (entries it made) --- */

struct lo_registry_client_use {
	struct lo_registry_client_use *next;
	uint32_t client;
	uint32_t entries;
};

static struct lo_registry_client_use **use_of(struct lo_registry_host *host, uint32_t client)
{
	struct lo_registry_client_use **link = &host->uses;
	while (*link && (*link)->client != client)
		link = &(*link)->next;
	return link;
}

static status_t charge(struct lo_registry_host *host, uint32_t client)
{
	if (client == 0)
		return LO_OK;
	struct lo_registry_client_use **link = use_of(host, client);
	if (!*link) {
		*link = lo_calloc(1, sizeof(**link));
		if (!*link)
			return LO_ERR_NO_MEMORY;
		(*link)->client = client;
	}
	if ((*link)->entries >= LO_REGISTRY_CLIENT_ENTRIES)
		return LO_ERR_NO_RESOURCES;
	(*link)->entries++;
	return LO_OK;
}

static void uncharge(struct lo_registry_host *host, uint32_t client)
{
	struct lo_registry_client_use **link = use_of(host, client);
	if (client == 0 || !*link)
		return;
	if (--(*link)->entries == 0) {
		struct lo_registry_client_use *u = *link;
		*link = u->next;
		lo_free(u);
	}
}

static void entry_free(struct lo_registry_host *host, struct entry *e)
{
	uncharge(host, e->client);
	if (e->kind == LO_ENTRY_REGISTRY)
		lo_registry_kept_revoke_entry(host, e);   /* a kept path through it may name something else now */
	if (e->kind == LO_ENTRY_OBJECT)
		lo_handle_close(e->handle);
	else if (e->kind == LO_ENTRY_REGISTRY && !e->child) {
		lo_handle_close(lo_channel_handle(e->mount));   /* the mounted server sees it */
		if (e->anchor)
			registry_unref(host, e->anchor);
	}
	else if (e->kind == LO_ENTRY_REGISTRY)
		registry_unref(host, e->child);
	lo_free(e);
}

static void registry_unref(struct lo_registry_host *host, struct lo_registry *reg)
{
	if (--reg->refs)
		return;
	while (reg->entries) {
		struct entry *e = reg->entries;
		reg->entries = e->next;
		entry_free(host, e);
	}
	watches_sweep(reg, ALL_WATCHES);
	host->live_registries--;
	lo_free(reg);
}

static void changed(struct lo_registry *reg)
{
	watches_sweep(reg, DEAD_WATCHES);
	for (struct watch *w = reg->watches; w; w = w->next)
		lo_handle_signal(w->event, 0, LO_SIG_EVENT_SIGNALED);
}

struct lo_registry *lo_registry_create(struct lo_registry_host *host, const char *name)
{
	struct lo_registry *reg = lo_calloc(1, sizeof(*reg));
	if (!reg)
		return NULL;
	size_t n = lo_strlen(name);
	lo_memcpy(reg->name, name, n < sizeof(reg->name) - 1 ? n : sizeof(reg->name) - 1);
	reg->refs = 1;
	reg->host = host;
	host->live_registries++;
	return reg;
}

void lo_registry_release(struct lo_registry_host *host, struct lo_registry *reg)
{
	registry_unref(host, reg);
}

/* --- connections --- */

/* A lasting watch (key: the slot): each request costs one port_wait, with
 * no binding made again after it; the watch ends when the channel closes. */
static status_t watch_connection(struct lo_registry_host *host, uint32_t slot)
{
	return lo_port_watch(host->port, lo_channel_handle(host->conns[slot].channel),
			     LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED, slot);
}

static uint32_t client_connections(struct lo_registry_host *host, uint32_t client)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < LO_REGISTRY_HOST_CONNECTIONS; i++)
		n += host->conns[i].registry && host->conns[i].client == client;
	return n;
}

/* A new connection to reg charged to `client`. A client's own opens stay
 * within its share and out of the slots kept for the host. */
static status_t connect_for(struct lo_registry_host *host, struct lo_registry *reg,
			    uint32_t client, int by_client, uint32_t rights,
			    const struct lo_registry_subgrant *sub, lo_channel_t *client_end)
{
	uint32_t limit = LO_REGISTRY_HOST_CONNECTIONS;
	if (by_client) {
		limit -= LO_REGISTRY_HOST_RESERVED;
		if (client_connections(host, client) >= LO_REGISTRY_CLIENT_CONNECTIONS)
			return LO_ERR_NO_RESOURCES;
	}
	uint32_t slot = 0;
	while (slot < limit && host->conns[slot].registry)
		slot++;
	if (slot == limit)
		return LO_ERR_NO_RESOURCES;
	lo_channel_t mine;
	status_t st = lo_channel_create(lo_job_self(), &mine, client_end);
	if (st != LO_OK)
		return st;
	host->conns[slot].channel = mine;
	host->conns[slot].registry = reg;
	host->conns[slot].client = client;
	host->conns[slot].rights = rights;
	for (uint32_t i = 0; i < LO_REGISTRY_SUBGRANTS; i++) {
		struct lo_registry_subgrant g = { 0, 0 };
		if (sub && sub[i].registry)
			g = sub[i];
		else
			sub = NULL;   /* the list ended */
		host->conns[slot].sub[i] = g;
	}
	st = watch_connection(host, slot);
	if (st != LO_OK) {
		host->conns[slot].registry = NULL;
		lo_handle_close(lo_channel_handle(mine));
		lo_handle_close(lo_channel_handle(*client_end));
		return st;
	}
	reg->refs++;
	for (uint32_t i = 0; i < LO_REGISTRY_SUBGRANTS; i++) {
		if (host->conns[slot].sub[i].registry)
			host->conns[slot].sub[i].registry->refs++;
	}
	return LO_OK;
}

/* From the host itself: a new client. */
status_t lo_registry_connect(struct lo_registry_host *host, struct lo_registry *reg,
			     lo_channel_t *client)
{
	return connect_for(host, reg, ++host->next_client, 0, LO_REGISTRY_RIGHTS_ALL, NULL, client);
}

status_t lo_registry_connect_as(struct lo_registry_host *host, struct lo_registry *reg,
				uint32_t rights, const struct lo_registry_subgrant *sub,
				lo_channel_t *client)
{
	return connect_for(host, reg, ++host->next_client, 0, rights, sub, client);
}

uint32_t lo_registry_host_connections(struct lo_registry_host *host)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < LO_REGISTRY_HOST_CONNECTIONS; i++)
		n += host->conns[i].registry != NULL;
	return n;
}

static void drop_connection(struct lo_registry_host *host, uint32_t slot)
{
	struct lo_registry *reg = host->conns[slot].registry;
	lo_registry_kept_revoke_conn(host, slot);
	watches_sweep(reg, slot);
	lo_port_unwatch(host->port, slot);   /* so that the slot's key is free at once */
	lo_handle_close(lo_channel_handle(host->conns[slot].channel));
	host->conns[slot].registry = NULL;
	for (uint32_t i = 0; i < LO_REGISTRY_SUBGRANTS; i++) {
		if (host->conns[slot].sub[i].registry)
			registry_unref(host, host->conns[slot].sub[i].registry);
		host->conns[slot].sub[i].registry = NULL;
	}
	registry_unref(host, reg);
}

void lo_registry_host_shutdown(struct lo_registry_host *host)
{
	for (uint32_t slot = 0; slot < LO_REGISTRY_HOST_CONNECTIONS; slot++) {
		if (host->conns[slot].registry)
			drop_connection(host, slot);
	}
	lo_registry_kept_revoke_all(host);
	lo_handle_close(lo_port_handle(host->port));
}

status_t lo_registry_host_init(struct lo_registry_host *host)
{
	lo_memset(host, 0, sizeof(*host));
	return lo_port_create(lo_job_self(), &host->port);
}

/* --- names and walks --- */

static bool same_name(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			return false;
	}
	return true;
}

static struct entry *find(struct lo_registry *reg, const char *name, size_t n)
{
	for (struct entry *e = reg->entries; e; e = e->next) {
		if (e->len == n && same_name(e->name, name, n))
			return e;
	}
	return NULL;
}

/* Walk every component but the last through nested registries of this
 * host. *parent gets the registry that holds (or would hold) the last
 * component, *last and *last_len the component itself. */
static uint32_t rights_in(const struct lo_registry_conn *conn, struct lo_registry *reg,
			  uint32_t rights);

static status_t walk_parent(const struct lo_registry_conn *conn, struct lo_registry *reg,
			    const char *path, struct lo_registry **parent,
			    const char **last, size_t *last_len, uint32_t *rights)
{
	const char *start, *rest;
	size_t n = lo_path_first(path, &start, &rest);
	for (int depth = 0; *rest; depth++) {
		if (depth >= LO_REGISTRY_MAX_HOPS)
			return LO_ERR_LINK_LOOP;
		struct entry *e = find(reg, start, n);
		if (!e)
			return LO_ERR_NOT_FOUND;
		if (e->kind != LO_ENTRY_REGISTRY || !e->child)
			return LO_ERR_NOT_A_REGISTRY;   /* an object, or a mount: edit it there */
		reg = e->child;
		*rights = rights_in(conn, reg, *rights & e->rights);
		n = lo_path_first(rest, &start, &rest);
	}
	if (n > LO_REGISTRY_NAME_MAX)
		return LO_ERR_NAME_TOO_LONG;
	*parent = reg;
	*last = start;
	*last_len = n;
	return LO_OK;
}

/* A new entry named name[0..n) in reg, charged to `client`. */
static status_t add_entry(struct lo_registry *reg, const char *name, size_t n, uint32_t client,
			  struct entry **out)
{
	if (n == 0)
		return LO_ERR_INVALID_ARGS;
	if (n > LO_REGISTRY_NAME_MAX)
		return LO_ERR_NAME_TOO_LONG;
	if (find(reg, name, n))
		return LO_ERR_ALREADY_EXISTS;
	status_t st = charge(reg->host, client);
	if (st != LO_OK)
		return st;
	struct entry *e = lo_calloc(1, sizeof(*e));
	if (!e) {
		uncharge(reg->host, client);
		return LO_ERR_NO_MEMORY;
	}
	e->client = client;
	lo_memcpy(e->name, name, n);
	e->len = (uint32_t)n;
	/* Appended, so listing shows entries in the order they were bound. */
	struct entry **tail = &reg->entries;
	while (*tail)
		tail = &(*tail)->next;
	*tail = e;
	*out = e;
	changed(reg);
	return LO_OK;
}

/* The rights a handle really has: an entry never grants more. */
static uint32_t held_rights(lo_handle_t h)
{
	struct lo_object_info info;
	return lo_handle_info(h, &info) == LO_OK ? info.rights : 0;
}

status_t lo_registry_add(struct lo_registry_host *host, struct lo_registry *reg,
			 const char *name, lo_handle_t object, uint32_t rights)
{
	(void)host;
	struct entry *e;
	status_t st = add_entry(reg, name, lo_strlen(name), 0, &e);
	if (st != LO_OK) {
		lo_handle_close(object);
		return st;
	}
	e->kind = LO_ENTRY_OBJECT;
	e->handle = object;
	e->rights = rights & held_rights(object);
	return LO_OK;
}

static status_t add_child(struct lo_registry *reg, const char *name, struct lo_registry *child,
			  uint32_t client)
{
	struct entry *e;
	status_t st = add_entry(reg, name, lo_strlen(name), client, &e);
	if (st != LO_OK)
		return st;
	e->kind = LO_ENTRY_REGISTRY;
	e->child = child;
	e->rights = LO_REGISTRY_RIGHTS_ALL;
	child->refs++;
	return LO_OK;
}

status_t lo_registry_add_registry(struct lo_registry_host *host, struct lo_registry *reg,
				  const char *name, struct lo_registry *child)
{
	(void)host;
	return add_child(reg, name, child, 0);
}

status_t lo_registry_add_registry_as(struct lo_registry_host *host, struct lo_registry *reg,
				     const char *name, struct lo_registry *child, uint32_t rights)
{
	(void)host;
	status_t st = add_child(reg, name, child, 0);
	if (st == LO_OK)
		find(reg, name, lo_strlen(name))->rights = rights;
	return st;
}

struct lo_registry *lo_registry_lookup(struct lo_registry *reg, const char *name)
{
	struct entry *e = find(reg, name, lo_strlen(name));
	return e && e->kind == LO_ENTRY_REGISTRY ? e->child : NULL;   /* NULL for a mount too */
}

status_t lo_registry_add_mount(struct lo_registry_host *host, struct lo_registry *reg,
			       const char *name, lo_channel_t mount)
{
	struct lo_registry *anchor = lo_registry_create(host, name);
	struct entry *e;
	status_t st = anchor ? add_entry(reg, name, lo_strlen(name), 0, &e) : LO_ERR_NO_MEMORY;
	if (st != LO_OK) {
		if (anchor)
			lo_registry_release(host, anchor);
		lo_handle_close(lo_channel_handle(mount));
		return st;
	}
	e->kind = LO_ENTRY_REGISTRY;
	e->mount = mount;
	e->anchor = anchor;   /* the host's reference moves to the entry */
	e->rights = LO_REGISTRY_RIGHTS_ALL;
	return LO_OK;
}

struct lo_registry *lo_registry_grant_point(struct lo_registry *reg, const char *name)
{
	struct entry *e = find(reg, name, lo_strlen(name));
	if (!e || e->kind != LO_ENTRY_REGISTRY)
		return NULL;
	return e->child ? e->child : e->anchor;
}

static status_t add_link(struct lo_registry *reg, const char *name, const char *target,
			 uint32_t client)
{
	size_t tlen = lo_strlen(target);
	if (tlen == 0)
		return LO_ERR_INVALID_ARGS;
	if (tlen > LO_REGISTRY_PATH_MAX)
		return LO_ERR_NAME_TOO_LONG;
	struct entry *e;
	status_t st = add_entry(reg, name, lo_strlen(name), client, &e);
	if (st != LO_OK)
		return st;
	e->kind = LO_ENTRY_LINK;
	lo_memcpy(e->link, target, tlen);
	return LO_OK;
}

status_t lo_registry_add_link(struct lo_registry_host *host, struct lo_registry *reg,
			      const char *name, const char *target)
{
	(void)host;
	return add_link(reg, name, target, 0);
}

static status_t remove_entry(struct lo_registry_host *host, struct lo_registry *reg,
			     const char *name, size_t n)
{
	for (struct entry **p = &reg->entries; *p; p = &(*p)->next) {
		struct entry *e = *p;
		if (e->len == n && same_name(e->name, name, n)) {
			*p = e->next;
			entry_free(host, e);
			changed(reg);
			return LO_OK;
		}
	}
	return LO_ERR_NOT_FOUND;
}

status_t lo_registry_add_device(struct lo_registry_host *host, struct lo_registry *reg,
				const char *name, lo_channel_t driver, uint32_t rights)
{
	return lo_registry_add_device_at(host, reg, name, driver, "", rights);
}

status_t lo_registry_add_device_at(struct lo_registry_host *host, struct lo_registry *reg,
				   const char *name, lo_channel_t driver, const char *there,
				   uint32_t rights)
{
	(void)host;
	if (lo_strlen(there) > LO_REGISTRY_PATH_MAX) {
		lo_handle_close(lo_channel_handle(driver));
		return LO_ERR_NAME_TOO_LONG;
	}
	struct entry *e;
	status_t st = add_entry(reg, name, lo_strlen(name), 0, &e);
	if (st != LO_OK) {
		lo_handle_close(lo_channel_handle(driver));
		return st;
	}
	e->kind = LO_ENTRY_OBJECT;
	e->handle = lo_channel_handle(driver);
	e->device = true;
	lo_memcpy(e->link, there, lo_strlen(there) + 1);   /* what to open there */
	e->rights = rights;
	return LO_OK;
}

status_t lo_registry_add_service(struct lo_registry_host *host, struct lo_registry *reg,
				 const char *name, uint32_t rights, void *cookie)
{
	(void)host;
	struct entry *e;
	status_t st = add_entry(reg, name, lo_strlen(name), 0, &e);
	if (st != LO_OK)
		return st;
	e->kind = LO_ENTRY_OBJECT;
	e->service = cookie;
	e->rights = rights;
	return LO_OK;
}

status_t lo_registry_remove(struct lo_registry_host *host, struct lo_registry *reg,
			    const char *name)
{
	return remove_entry(host, reg, name, lo_strlen(name));
}

status_t lo_registry_add_alias(struct lo_registry_host *host, struct lo_registry *reg,
			       const char *name, struct lo_registry *from, const char *from_name,
			       uint32_t rights)
{
	struct entry *src = find(from, from_name, lo_strlen(from_name));
	if (!src || src->kind != LO_ENTRY_REGISTRY)
		return LO_ERR_NOT_FOUND;
	if (src->child)
		return lo_registry_add_registry_as(host, reg, name, src->child, rights);
	uint32_t dup = 0;
	status_t st = lo_handle_duplicate(lo_channel_handle(src->mount),
					  held_rights(lo_channel_handle(src->mount)), &dup);
	struct entry *e;
	if (st == LO_OK && (st = add_entry(reg, name, lo_strlen(name), 0, &e)) != LO_OK)
		lo_handle_close((lo_handle_t){ dup });
	if (st != LO_OK)
		return st;
	e->kind = LO_ENTRY_REGISTRY;
	e->mount = lo_channel_from((lo_handle_t){ dup });
	e->anchor = src->anchor;   /* the same anchor: subtree grants name both */
	if (e->anchor)
		e->anchor->refs++;
	e->rights = rights;
	return LO_OK;
}

/* --- the protocol handlers (ctx: the connection's slot) --- */

struct call {
	struct lo_registry_host *host;
	struct lo_registry *reg;
	uint32_t slot;                 /* the connection the request came on */
	bool local;                    /* resolve_local: ask no other server */
	bool keep;                     /* resolve_keep: refer to a mount, to be kept */
	bool kept;                     /* ... and the answer is such a referral */
	/* The registry entries open_path crossed, for a kept referral. */
	const void *walked[LO_REGISTRY_KEPT_PATH];
	uint32_t nwalked;
	bool resolve;                  /* on_open serves a resolve (for denials) */
	bool may_copy;                 /* resolve: answer an object with a copy */
	lo_handle_t copy;              /* the entry's handle to send a copy of */
};

static uint32_t client_of(struct call *c)
{
	return c->host->conns[c->slot].client;
}

static struct lo_registry_conn *conn_of(struct call *c)
{
	return &c->host->conns[c->slot];
}

/* The connection's rights once a walk enters reg: a subtree grant names
 * the rights there outright; elsewhere they only shrink on the way. */
static uint32_t rights_in(const struct lo_registry_conn *conn, struct lo_registry *reg,
			  uint32_t rights)
{
	/* The grants are packed from the first slot (connect_for): the first
	 * empty one ends them. */
	for (uint32_t i = 0; i < LO_REGISTRY_SUBGRANTS && conn->sub[i].registry; i++) {
		if (conn->sub[i].registry == reg)
			return conn->sub[i].rights;
	}
	return rights;
}

/* Remember a refused request in the host's ring. */
static void record_denial(struct lo_registry_host *host, uint32_t client, uint32_t ordinal,
			  uint32_t missing)
{
	struct lo_registry_denial *d = &host->denials[host->denial_total % LO_REGISTRY_DENIALS];
	d->ordinal = ordinal;
	d->missing = missing;
	d->client = client;
	host->denial_total++;
}

static void on_denied(void *ctx, uint32_t ordinal, uint32_t missing)
{
	struct call *c = ctx;
	record_denial(c->host, client_of(c), ordinal, missing);
}

typedef uint64_t __attribute__((may_alias, aligned(1))) word_t;

/* A request's string as a C string in buf: false if its length is bad (too
 * long, or a NUL inside). buf is always a C string. */
static bool request_path(const char *bytes, uint32_t len, char *buf)
{
	bool ok = len <= LO_REGISTRY_PATH_MAX;
	uint32_t n = ok ? len : 0;
	lo_memcpy(buf, bytes, n);
	buf[n] = '\0';
	/* Eight bytes a step, the last step ending at n: a zero byte in w
	 * makes (w - 0x01..) & ~w & 0x80.. nonzero. */
	if (n < 8) {
		for (uint32_t i = 0; i < n; i++)
			ok &= buf[i] != '\0';
		return ok;
	}
	uint64_t zeros = 0;
	for (uint32_t i = 0;; i += 8) {
		if (i > n - 8)
			i = n - 8;
		uint64_t w = *(const word_t *)(buf + i);
		zeros |= (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
		if (i == n - 8)
			break;
	}
	return ok && zeros == 0;
}

/* Where an edit (bind, unbind, link, make_registry) lands: the registry
 * that holds the path's last component, and that component. */
struct target {
	struct lo_registry *parent;
	uint32_t rights;               /* the connection's rights there */
	char name[LO_REGISTRY_NAME_MAX + 1];
	size_t len;
};

static status_t resolve_target(struct call *c, uint32_t ordinal, const char *bytes, uint32_t len,
			      struct target *t)
{
	char path[LO_REGISTRY_PATH_MAX + 1];
	if (!request_path(bytes, len, path))
		return LO_ERR_NAME_TOO_LONG;
	const char *last;
	t->rights = rights_in(conn_of(c), c->reg, conn_of(c)->rights);
	status_t st = walk_parent(conn_of(c), c->reg, path, &t->parent, &last, &t->len, &t->rights);
	if (st != LO_OK)
		return st;
	/* The connection may edit, but maybe not in the registry the path
	 * reaches (an entry that grants less on the way). */
	if (!(t->rights & LO_REGISTRY_RIGHT_MODIFY)) {
		record_denial(c->host, client_of(c), ordinal, LO_REGISTRY_RIGHT_MODIFY);
		return LO_ERR_ACCESS_DENIED;
	}
	lo_memcpy(t->name, last, t->len);
	t->name[t->len] = '\0';
	return LO_OK;
}

/* A new connection to the registry `reg` for the caller, with `rights`
 * (already the caller's AND what it asked) and the caller's subtree grants
 * cut to what it asked. */
static status_t open_connection(struct call *c, struct lo_registry *reg, uint32_t rights,
				uint32_t asked, lo_handle_t *out)
{
	struct lo_registry_subgrant sub[LO_REGISTRY_SUBGRANTS];
	for (uint32_t i = 0; i < LO_REGISTRY_SUBGRANTS; i++) {
		sub[i] = conn_of(c)->sub[i];
		sub[i].rights &= asked;
	}
	lo_channel_t client;
	status_t st = connect_for(c->host, reg, client_of(c), 1, rights & asked, sub, &client);
	if (st == LO_OK)
		*out = lo_channel_handle(client);
	return st;
}

/* Old answers a call to another server reads past before it gives up: a
 * server that floods its channel cannot keep the host reading for ever. */
#define MOUNT_STALE_MAX 64

/* One request to another server (a mount or a driver) and its answer,
 * bounded by LO_REGISTRY_MOUNT_WAIT: a server that died answers PEER_CLOSED
 * at once, one that hangs costs the wait. Each request has a txid of its
 * own, so an answer that comes after its request was given up (or one
 * too big for any answer we expect) is dropped, its handles closed, and
 * is never read as the answer to a later request. *got says what came. */
static status_t mount_call(struct lo_registry_host *host, lo_channel_t mount, struct lo_msg_header *rq,
			   uint32_t rq_size, struct lo_msg_header *rs, uint32_t rs_size, lo_handle_t *got_h,
			   struct lo_channel_read_result *got)
{
	rq->txid = ++host->next_txid;
	if (rq->txid == 0)
		rq->txid = ++host->next_txid;   /* 0 never names a request */
	status_t st = lo_channel_write(mount, rq, rq_size, (lo_handle_t *)0, 0);
	if (st != LO_OK)
		return st;
	/* Read first: our write woke the server, which on one CPU has mostly
	 * answered by the time we run again. Only an empty queue waits (a
	 * closed one reads PEER_CLOSED), until the deadline set then. */
	uint64_t deadline = 0;
	for (int stale = 0; stale <= MOUNT_STALE_MAX; ) {
		lo_memset(rs, 0, rs_size);
		st = lo_channel_read(mount, rs, rs_size, got_h, LO_REGISTRY_MAX_HANDLES, got);
		if (st == LO_ERR_SHOULD_WAIT) {
			if (!deadline)
				deadline = lo_now() + LO_REGISTRY_MOUNT_WAIT;
			uint32_t observed = 0;
			st = lo_handle_wait_one(lo_channel_handle(mount),
						LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED, deadline,
						&observed);
			if (st != LO_OK)
				return st;
			continue;
		}
		if (st == LO_ERR_BUFFER_TOO_SMALL) {
			/* Not an answer to this request: it would fit. */
			struct lo_msg_header hdr;
			st = lo_channel_drop(mount, &hdr, sizeof(hdr));
			if (st != LO_OK && st != LO_ERR_SHOULD_WAIT)
				return st;
			stale++;
			continue;
		}
		if (st != LO_OK)
			return st;
		if (got->bytes >= sizeof(*rs) && rs->txid == rq->txid && rs->ordinal == rq->ordinal)
			return LO_OK;
		for (uint32_t i = 0; i < got->handles; i++)
			lo_handle_close(got_h[i]);
		stale++;
	}
	return LO_ERR_BAD_FORMAT;
}

/* Ask another server for what an open of "" there gives: a mounted
 * registry's new connection (kind entry_registry, with at most
 * `conn_rights`), or a device's new session (kind entry_object, for
 * `rights`: READ and WRITE become the session's file rights). */
static status_t ask_server(struct lo_registry_host *host, lo_channel_t mount, const char *path,
			   uint32_t rights, uint32_t conn_rights, uint32_t kind, lo_handle_t *out)
{
	struct lo_registry_open_request rq;
	lo_memset(&rq, 0, sizeof(rq));
	rq.path_len = (uint32_t)lo_strlen(path);
	lo_memcpy(rq.path, path, rq.path_len);
	rq.hdr.ordinal = LO_REGISTRY_OPEN;
	rq.rights = rights;
	rq.conn_rights = conn_rights;
	struct lo_registry_open_response rs;
	lo_handle_t got_h[LO_REGISTRY_MAX_HANDLES];
	struct lo_channel_read_result got;
	status_t st = mount_call(host, mount, &rq.hdr, sizeof(rq), &rs.hdr, sizeof(rs), got_h, &got);
	if (st != LO_OK)
		return st;
	if (got.bytes != sizeof(rs) || rs.status != LO_OK || rs.kind != kind || got.handles != 1) {
		for (uint32_t i = 0; i < got.handles; i++)
			lo_handle_close(got_h[i]);
		return rs.status != LO_OK ? rs.status : LO_ERR_BAD_FORMAT;
	}
	*out = got_h[0];
	return LO_OK;
}

static status_t open_mount(struct lo_registry_host *host, lo_channel_t mount, uint32_t rights,
			   lo_handle_t *out)
{
	return ask_server(host, mount, "", LO_DEFAULT_RIGHTS_CHANNEL, rights, LO_ENTRY_REGISTRY, out);
}

/* Ask the mounted server to look `path` up itself (resolve_local: it asks
 * nobody else, so two servers that mount each other cannot wait for each
 * other). Bounded like ask_server. */
static status_t ask_resolve(struct lo_registry_host *host, lo_channel_t mount, const char *path,
			    uint32_t rights, uint32_t conn_rights, struct lo_registry_resolve_response *rs,
			    lo_handle_t *out)
{
	struct lo_registry_resolve_request rq;
	rq.hdr.ordinal = LO_REGISTRY_RESOLVE;
	rq.rights = rights;
	rq.conn_rights = conn_rights;
	rq.flags = LO_RESOLVE_LOCAL;
	rq.path_len = (uint32_t)lo_strlen(path);
	lo_memcpy(rq.path, path, rq.path_len);
	lo_memset(rq.path + rq.path_len, 0, sizeof(rq.path) - rq.path_len);
	lo_handle_t got_h[LO_REGISTRY_MAX_HANDLES];
	struct lo_channel_read_result got;
	status_t st = mount_call(host, mount, &rq.hdr, sizeof(rq), &rs->hdr, sizeof(*rs), got_h, &got);
	if (st != LO_OK)
		return st;
	int link = rs->kind == LO_ENTRY_LINK && got.handles == 0;   /* no handle: only a link */
	if (got.bytes != sizeof(*rs) || rs->status != LO_OK || (got.handles != 1 && !link) ||
	    rs->consumed > rq.path_len) {
		for (uint32_t i = 0; i < got.handles; i++)
			lo_handle_close(got_h[i]);
		if (got.bytes < sizeof(rs->hdr) + sizeof(rs->status))
			return LO_ERR_BAD_FORMAT;
		return rs->status != LO_OK ? rs->status : LO_ERR_BAD_FORMAT;
	}
	*out = link ? LO_HANDLE_INVALID : got_h[0];
	return LO_OK;
}

/* An open that goes on inside a mount: ask the mounted server for the rest
 * of the path ourselves and pass its answer on, so the client makes one
 * request and no connection of its own. The mounted server sees our
 * connection (which has every right it gave the mount); what the client may
 * do there (`there`) is applied first, as a referral's connection would
 * carry it: OPEN is checked by the caller, WRITE goes without WRITABLE,
 * and a registry comes back with at most `there`. A link's text is
 * relative to the mounted registry, so a link answer goes the referral's
 * way: 0, and the caller refers the client there. Else 1, *st the answer. */
static int forward_open(struct lo_registry_host *host, lo_channel_t mount, const char *rest,
			uint32_t offset, uint32_t there, uint32_t asked, uint32_t conn_asked,
			struct lo_registry_open_response *resp, lo_handle_t *resp_handles,
			uint32_t *resp_nhandles, status_t *result)
{
	if (lo_strlen(rest) > LO_REGISTRY_RESOLVE_PATH_MAX)
		return 0;
	uint32_t rights = asked;
	if (!(there & LO_REGISTRY_RIGHT_WRITABLE))
		rights &= ~LO_RIGHT_WRITE;
	struct lo_registry_resolve_response rs;
	lo_handle_t h = LO_HANDLE_INVALID;
	*result = ask_resolve(host, mount, rest, rights, there & conn_asked, &rs, &h);
	if (*result == LO_ERR_NOT_SUPPORTED)
		return 0;   /* a mount or a device there, or a server without resolve */
	if (*result != LO_OK)
		return 1;
	if (rs.kind != LO_ENTRY_OBJECT && rs.kind != LO_ENTRY_REGISTRY) {
		if (h.value)
			lo_handle_close(h);
		return 0;
	}
	resp->kind = rs.kind;
	resp->granted = rs.granted;
	resp->consumed = offset + rs.consumed;
	resp_handles[0] = h;
	*resp_nhandles = 1;
	return 1;
}

/* A referral to mount e for a client that keeps it (resolve_keep): a new
 * connection there, as open_mount makes, handed out revocable
 * (registry_kept.c). False (nothing made): no room, or the mounted server
 * refused; the caller forwards as without the flag. */
static bool refer_kept(struct call *c, struct entry *e, uint32_t conn_rights, lo_handle_t *out)
{
	if (c->nwalked >= LO_REGISTRY_KEPT_PATH)
		return false;
	struct lo_registry_kept *k = lo_registry_kept_slot(c->host, client_of(c), e);
	if (!k)
		return false;
	lo_handle_t h;
	if (open_mount(c->host, e->mount, conn_rights, &h) != LO_OK)
		return false;
	c->walked[c->nwalked] = e;
	if (lo_registry_kept_grant(c->host, k, c->slot, client_of(c), c->walked, c->nwalked + 1, &h) != LO_OK) {
		lo_handle_close(h);
		return false;
	}
	*out = h;
	c->kept = true;
	return true;
}

/* What open and resolve answer for path[0..len) (a checked C string), asked
 * for `asked` (an object's rights) and `conn_asked` (a connection's). */
static status_t open_path(struct call *c, const char *path, uint32_t len, uint32_t asked,
			  uint32_t conn_asked, struct lo_registry_open_response *resp,
			  lo_handle_t *resp_handles, uint32_t *resp_nhandles)
{
	struct lo_registry *reg = c->reg;
	/* The connection's rights where the walk is: they shrink through
	 * entries that grant less, and a subtree grant names them outright. */
	uint32_t rights = rights_in(conn_of(c), reg, conn_of(c)->rights);
	const char *start, *rest;
	size_t n = lo_path_first(path, &start, &rest);
	c->nwalked = 0;
	if (n == 0) {
		/* The registry itself: a new connection to it. */
		status_t st = open_connection(c, reg, rights, conn_asked, &resp_handles[0]);
		if (st != LO_OK)
			return st;
		resp->kind = LO_ENTRY_REGISTRY;
		resp->consumed = len;
		*resp_nhandles = 1;
		return LO_OK;
	}
	for (int depth = 0; depth < LO_REGISTRY_MAX_HOPS; depth++) {
		if (n > LO_REGISTRY_NAME_MAX)
			return LO_ERR_NAME_TOO_LONG;
		struct entry *e = find(reg, start, n);
		if (!e)
			return LO_ERR_NOT_FOUND;
		if (e->kind == LO_ENTRY_LINK) {
			resp->kind = LO_ENTRY_LINK;
			resp->consumed = (uint32_t)(rest - path);
			resp->link_len = (uint32_t)lo_strlen(e->link);
			lo_memcpy(resp->link, e->link, resp->link_len);
			return LO_OK;
		}
		if (e->kind == LO_ENTRY_REGISTRY && !e->child) {
			/* A mount: ask the other server for the rest of the path
			 * (forward_open); else (the mount itself, no OPEN there,
			 * a link) refer the client to it, with the path up to
			 * here used up. A subtree grant may name a host's mount
			 * by its anchor. */
			uint32_t there = rights & e->rights;
			if (e->anchor)
				there = rights_in(conn_of(c), e->anchor, there);
			if (c->local)
				return LO_ERR_NOT_SUPPORTED;
			status_t st;
			if (*rest && (there & LO_REGISTRY_RIGHT_OPEN) && c->keep &&
			    refer_kept(c, e, there & conn_asked, &resp_handles[0])) {
				resp->kind = LO_ENTRY_REGISTRY;
				resp->consumed = (uint32_t)(rest - path);
				*resp_nhandles = 1;
				return LO_OK;
			}
			if (*rest && (there & LO_REGISTRY_RIGHT_OPEN) &&
			    forward_open(c->host, e->mount, rest, (uint32_t)(rest - path), there, asked,
					 conn_asked, resp,
					 resp_handles, resp_nhandles, &st))
				return st;
			st = open_mount(c->host, e->mount, there & conn_asked, &resp_handles[0]);
			if (st != LO_OK)
				return st;
			resp->kind = LO_ENTRY_REGISTRY;
			resp->consumed = (uint32_t)(rest - path);
			*resp_nhandles = 1;
			return LO_OK;
		}
		if (e->kind == LO_ENTRY_REGISTRY) {
			if (c->nwalked < LO_REGISTRY_KEPT_PATH)
				c->walked[c->nwalked] = e;
			c->nwalked++;
			rights = rights_in(conn_of(c), e->child, rights & e->rights);
			if (*rest) {
				/* Going on inside it is an open there, as a
				 * connection to it would make it. */
				if (!(rights & LO_REGISTRY_RIGHT_OPEN)) {
					record_denial(c->host, client_of(c),
						      c->resolve ? LO_REGISTRY_RESOLVE : LO_REGISTRY_OPEN,
						      LO_REGISTRY_RIGHT_OPEN);
					return LO_ERR_ACCESS_DENIED;
				}
				reg = e->child;
				n = lo_path_first(rest, &start, &rest);
				continue;
			}
			status_t st = open_connection(c, e->child, rights, conn_asked, &resp_handles[0]);
			if (st != LO_OK)
				return st;
			resp->kind = LO_ENTRY_REGISTRY;
			resp->consumed = len;
			*resp_nhandles = 1;
			return LO_OK;
		}
		if (*rest)
			return LO_ERR_NOT_A_REGISTRY;
		/* Never more than the entry grants and the caller asked for. The
		 * copy travels, so it needs TRANSFER on the way; the client drops
		 * it again unless it was asked for (resp->granted says). Without
		 * WRITABLE, nothing opened here keeps WRITE. */
		if (!(e->rights & LO_RIGHT_TRANSFER) && !e->service)
			return LO_ERR_ACCESS_DENIED;
		uint32_t dup = 0;
		resp->granted = e->rights & asked;
		if (!(rights & LO_REGISTRY_RIGHT_WRITABLE))
			resp->granted &= ~LO_RIGHT_WRITE;   /* the kernel refuses the write later */
		if (e->service || e->device) {
			/* A session of its own, made by this host (a service) or
			 * by the driver: its file rights are what was granted;
			 * the channel itself is the client's to talk on. */
			status_t st = LO_ERR_NOT_SUPPORTED;
			if (e->device && c->local)
				return st;
			if (e->device)
				st = ask_server(c->host, lo_channel_from(e->handle), e->link, resp->granted, 0,
						LO_ENTRY_OBJECT, &resp_handles[0]);
			else if (c->host->open_service)
				st = c->host->open_service(c->host->service_arg, e->service, resp->granted,
							   &resp_handles[0]);
			if (st != LO_OK)
				return st;
			resp->granted = LO_REGISTRY_SESSION_RIGHTS;
			resp->kind = LO_ENTRY_OBJECT;
			resp->consumed = len;
			*resp_nhandles = 1;
			return LO_OK;
		}
		resp->kind = LO_ENTRY_OBJECT;
		if (c->may_copy) {
			/* The answer carries a copy with exactly the rights
			 * granted (on_resolve writes it): no duplicate here, no
			 * TRANSFER for the client to drop. */
			c->copy = e->handle;
			resp->consumed = len;
			return LO_OK;
		}
		status_t st = lo_handle_duplicate(e->handle, resp->granted | LO_RIGHT_TRANSFER, &dup);
		if (st != LO_OK)
			return st;
		resp->consumed = len;
		resp_handles[0].value = dup;
		*resp_nhandles = 1;
		return LO_OK;
	}
	return LO_ERR_LINK_LOOP;
}

static status_t on_open(void *ctx, const struct lo_registry_open_request *req,
			struct lo_registry_open_response *resp,
			lo_handle_t *resp_handles, uint32_t *resp_nhandles)
{
	char path[LO_REGISTRY_PATH_MAX + 1];
	if (!request_path(req->path, req->path_len, path))
		return LO_ERR_NAME_TOO_LONG;
	return open_path(ctx, path, req->path_len, req->rights, req->conn_rights, resp, resp_handles,
			 resp_nhandles);
}

/* open in small messages: the same walk, the link's text left out. */
static status_t on_resolve(void *ctx, const struct lo_registry_resolve_request *req,
			  struct lo_registry_resolve_response *resp, lo_handle_t *resp_handles,
			  uint32_t *resp_nhandles)
{
	struct call *c = ctx;
	if (req->path_len > LO_REGISTRY_RESOLVE_PATH_MAX)
		return LO_ERR_NAME_TOO_LONG;
	if (req->flags & ~(uint32_t)(LO_RESOLVE_LOCAL | LO_RESOLVE_KEEP))
		return LO_ERR_INVALID_ARGS;
	char path[LO_REGISTRY_PATH_MAX + 1];
	if (!request_path(req->path, req->path_len, path))
		return LO_ERR_NAME_TOO_LONG;
	struct lo_registry_open_response answer;
	answer.kind = answer.consumed = answer.granted = 0;
	bool local = (req->flags & LO_RESOLVE_LOCAL) != 0;
	c->local = local;
	c->keep = (req->flags & LO_RESOLVE_KEEP) != 0;
	c->resolve = true;
	c->may_copy = true;
	c->copy = LO_HANDLE_INVALID;
	status_t st = open_path(c, path, req->path_len, req->rights, req->conn_rights, &answer,
				resp_handles, resp_nhandles);
	resp->kept = c->kept;
	c->local = c->resolve = c->may_copy = c->keep = c->kept = false;
	resp->kind = answer.kind;
	resp->consumed = answer.consumed;
	resp->granted = answer.granted;
	if (st != LO_OK || !c->copy.value)
		return st;
	/* An object of this host: the answer with a copy of it, written here
	 * (the serve loop would move the entry's own handle). A host that
	 * asked (resolve_local) passes the handle on, so its copy also has
	 * TRANSFER; a client's has exactly what was granted. A copy refused
	 * (the entry's handle lacks DUPLICATE or TRANSFER, or was revoked) is
	 * answered as a duplicate's failure was. */
	uint32_t rights = answer.granted | (local ? LO_RIGHT_TRANSFER : 0);
	resp->hdr = req->hdr;
	resp->status = LO_OK;
	resp->exact = rights == answer.granted;
	st = lo_channel_write_copy(conn_of(c)->channel, resp, sizeof(*resp), c->copy, rights);
	c->copy = LO_HANDLE_INVALID;
	if (st == LO_OK || st == LO_ERR_SHOULD_WAIT)
		return LO_DEFERRED;   /* answered (or lost to a full queue, as any answer) */
	resp->exact = 0;
	return st;
}

static status_t on_list(void *ctx, const struct lo_registry_list_request *req,
			struct lo_registry_list_response *resp)
{
	struct call *c = ctx;
	char path[LO_REGISTRY_PATH_MAX + 1];
	if (!request_path(req->path, req->path_len, path))
		return LO_ERR_NAME_TOO_LONG;
	struct lo_registry *reg = c->reg;
	const char *start, *rest = path;
	for (int depth = 0; *rest || depth == 0; depth++) {
		size_t n = lo_path_first(rest, &start, &rest);
		if (n == 0)
			break;
		if (depth >= LO_REGISTRY_MAX_HOPS)
			return LO_ERR_LINK_LOOP;
		struct entry *e = find(reg, start, n);
		if (!e)
			return LO_ERR_NOT_FOUND;
		if (e->kind != LO_ENTRY_REGISTRY || !e->child)
			return LO_ERR_NOT_A_REGISTRY;   /* a mount: list it there */
		reg = e->child;
	}
	struct entry *e = reg->entries;
	for (uint32_t i = 0; e && i < req->index; i++)
		e = e->next;
	if (!e)
		return LO_ERR_NOT_FOUND;
	resp->kind = e->kind;
	resp->rights = e->rights;
	resp->name_len = e->len;
	lo_memcpy(resp->name, e->name, resp->name_len);
	return LO_OK;
}

/* A new entry at the path an edit names (bind, mount): the target's
 * rights checked, the name free; the caller fills in what it holds. */
static status_t new_entry_at(struct call *c, uint32_t ordinal, const char *path, uint32_t len,
			     struct target *t, struct entry **e)
{
	status_t st = resolve_target(c, ordinal, path, len, t);
	return st == LO_OK ? add_entry(t->parent, t->name, t->len, client_of(c), e) : st;
}

static status_t on_bind(void *ctx, const struct lo_registry_bind_request *req,
			const lo_handle_t *handles)
{
	struct call *c = ctx;
	struct target t;
	struct entry *e = NULL;
	status_t st = new_entry_at(c, LO_REGISTRY_BIND, req->path, req->path_len, &t, &e);
	if (st != LO_OK)
		return st;   /* the serve loop closes the request's handle */
	/* On success the request's handle is ours to keep. */
	e->kind = LO_ENTRY_OBJECT;
	e->handle = handles[0];
	e->rights = req->rights & held_rights(e->handle);
	return LO_OK;
}

static status_t on_unbind(void *ctx, const struct lo_registry_unbind_request *req)
{
	struct call *c = ctx;
	struct target t;
	status_t st = resolve_target(c, LO_REGISTRY_UNBIND, req->path, req->path_len, &t);
	return st == LO_OK ? remove_entry(c->host, t.parent, t.name, t.len) : st;
}

static status_t on_link(void *ctx, const struct lo_registry_link_request *req)
{
	struct call *c = ctx;
	char target[LO_REGISTRY_PATH_MAX + 1];
	bool ok = request_path(req->target, req->target_len, target);
	struct target t;
	status_t st = ok ? resolve_target(c, LO_REGISTRY_LINK, req->path, req->path_len, &t) : LO_ERR_NAME_TOO_LONG;
	return st == LO_OK ? add_link(t.parent, t.name, target, client_of(c)) : st;
}

static status_t on_make_registry(void *ctx, const struct lo_registry_make_registry_request *req)
{
	struct call *c = ctx;
	struct target t;
	status_t st = resolve_target(c, LO_REGISTRY_MAKE_REGISTRY, req->path, req->path_len, &t);
	if (st != LO_OK)
		return st;
	struct lo_registry *child = lo_registry_create(c->host, t.name);
	if (!child)
		return LO_ERR_NO_MEMORY;
	st = add_child(t.parent, t.name, child, client_of(c));
	lo_registry_release(c->host, child);   /* the entry holds it now (or nothing does) */
	return st;
}

static status_t on_watch(void *ctx, const lo_handle_t *handles)
{
	struct call *c = ctx;
	watches_sweep(c->reg, DEAD_WATCHES);   /* the dead ones go first */
	uint32_t mine = 0;
	for (struct watch *w = c->reg->watches; w; w = w->next)
		mine += w->conn == c->slot;
	if (mine >= LO_REGISTRY_CONN_WATCHES)
		return LO_ERR_NO_RESOURCES;
	struct watch *w = lo_calloc(1, sizeof(*w));
	if (!w)
		return LO_ERR_NO_MEMORY;
	/* Keep the request's handle, with only the rights we use. */
	uint32_t keep = 0;
	status_t st = lo_handle_replace(handles[0], LO_RIGHT_SIGNAL | LO_RIGHT_INSPECT, &keep);
	if (st != LO_OK) {
		lo_free(w);
		return st;
	}
	w->event.value = keep;
	w->conn = c->slot;
	w->next = c->reg->watches;
	c->reg->watches = w;
	c->host->live_watches++;
	return LO_OK;
}

static status_t on_mount(void *ctx, const struct lo_registry_mount_request *req,
			 const lo_handle_t *handles)
{
	struct call *c = ctx;
	struct target t;
	struct entry *e = NULL;
	status_t st = new_entry_at(c, LO_REGISTRY_MOUNT, req->path, req->path_len, &t, &e);
	if (st != LO_OK)
		return st;   /* the serve loop closes the request's handle */
	/* Opens through it get at most what the mounting connection had. */
	e->kind = LO_ENTRY_REGISTRY;
	e->mount = lo_channel_from(handles[0]);
	e->rights = t.rights;
	return LO_OK;
}

static status_t on_denial(void *ctx, const struct lo_registry_denial_request *req,
			  struct lo_registry_denial_response *resp)
{
	struct call *c = ctx;
	uint32_t total = c->host->denial_total;
	uint32_t kept = total < LO_REGISTRY_DENIALS ? total : LO_REGISTRY_DENIALS;
	if (req->index >= kept)
		return LO_ERR_NOT_FOUND;
	const struct lo_registry_denial *d =
		&c->host->denials[(total - kept + req->index) % LO_REGISTRY_DENIALS];
	resp->ordinal = d->ordinal;
	resp->missing = d->missing;
	resp->client = d->client;
	resp->total = total;
	return LO_OK;
}

static const struct lo_registry_server handlers = {
	.open = on_open,
	.resolve = on_resolve,
	.list = on_list,
	.bind = on_bind,
	.unbind = on_unbind,
	.link = on_link,
	.make_registry = on_make_registry,
	.watch = on_watch,
	.mount = on_mount,
	.denial = on_denial,
	.denied = on_denied,
};

status_t lo_registry_host_serve(struct lo_registry_host *host, uint64_t deadline)
{
	for (;;) {
		struct lo_port_packet pkt;
		status_t st = lo_port_wait(host->port, deadline, &pkt);
		if (st != LO_OK)
			return st;
		if (pkt.key == LO_REGISTRY_HOST_REFRESH_KEY) {
			if (host->refresh)
				host->refresh(host->refresh_arg);
			continue;
		}
		if (pkt.key >= LO_REGISTRY_HOST_USER_KEY) {
			if (host->on_packet)
				host->on_packet(host->service_arg, pkt.key);
			continue;
		}
		uint32_t slot = (uint32_t)pkt.key;
		if (slot >= LO_REGISTRY_HOST_CONNECTIONS || !host->conns[slot].registry)
			continue;
		struct call c = { .host = host, .reg = host->conns[slot].registry, .slot = slot,
				  .copy = LO_HANDLE_INVALID };
		/* One request per packet: the connection's watch goes to the back
		 * of the port's queue while more are queued, so every connection
		 * gets its turn. SHOULD_WAIT: the queue is empty (another packet
		 * came first), or the client's is full and its answer is lost;
		 * the server never waits for a client. */
		if (host->refresh)
			host->refresh(host->refresh_arg);   /* a live view: up to date before every answer */
		st = lo_registry_serve_one(host->conns[slot].channel, &handlers, &c, host->conns[slot].rights);
		if (st != LO_OK && st != LO_ERR_SHOULD_WAIT)
			drop_connection(host, slot);
	}
}
