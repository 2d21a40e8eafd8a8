/* Resolving names: the client side of the registry protocol. */
#include "lightos/registry.h"
#include "lightos/startup.h"
#include "lightos/runtime.h"
#include "lightos/thread.h"
#include "registry_lock.h"
#include "registry_mounts.h"

lo_channel_t lo_root_registry(void)
{
	return lo_channel_from(lo_startup_handle(LO_STARTUP_ROOT_REGISTRY));
}

/* dst = link + "/" + rest, within the path limit. */
static status_t join_link(char *dst, const char *link, uint32_t link_len, const char *rest)
{
	size_t rest_len = lo_strlen(rest);
	if (link_len + 1 + rest_len > LO_REGISTRY_PATH_MAX)
		return LO_ERR_NAME_TOO_LONG;
	char tmp[LO_REGISTRY_PATH_MAX + 1];
	lo_memcpy(tmp, link, link_len);
	size_t n = link_len;
	if (rest_len) {
		tmp[n++] = '/';
		lo_memcpy(tmp + n, rest, rest_len);
		n += rest_len;
	}
	tmp[n] = '\0';
	lo_memcpy(dst, tmp, n + 1);
	return LO_OK;
}

static int has_registry_prefix(const char *path)
{
	for (const char *p = path; *p && *p != '/'; p++) {
		if (*p == ':')
			return 1;
	}
	return 0;
}

/* After a dead holder: its request may have gone and its answer not yet
 * come. Ask something that changes nothing (a resolve with flags no server
 * takes: INVALID_ARGS) under txid 0, which the protocol clients never use,
 * and read up to its answer: the requests are answered in order, so what
 * came before is the dead holder's, dropped with its handles. */
#define ROOT_STALE_MAX 16
static status_t root_resync(lo_channel_t root)
{
	struct lo_registry_resolve_request rq;
	lo_memset(&rq, 0, sizeof(rq));
	rq.hdr.txid = 0;
	rq.hdr.ordinal = LO_REGISTRY_RESOLVE;
	rq.flags = ~0u;
	status_t st = lo_channel_write(root, &rq, sizeof(rq), (lo_handle_t *)0, 0);
	for (int stale = 0; st == LO_OK && stale <= ROOT_STALE_MAX; stale++) {
		uint32_t observed = 0;
		st = lo_handle_wait_one(lo_channel_handle(root), LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED,
					UINT64_MAX, &observed);
		if (st != LO_OK)
			return st;
		struct lo_registry_resolve_response rs;
		lo_handle_t got_h[LO_REGISTRY_MAX_HANDLES];
		struct lo_channel_read_result got;
		lo_memset(&rs, 0, sizeof(rs));
		st = lo_channel_read(root, &rs, sizeof(rs), got_h, LO_REGISTRY_MAX_HANDLES, &got);
		if (st == LO_ERR_BUFFER_TOO_SMALL) {
			st = lo_channel_drop(root, &rs, sizeof(rs.hdr));
			continue;
		}
		if (st == LO_ERR_SHOULD_WAIT)
			return LO_ERR_PEER_CLOSED;
		if (st != LO_OK)
			return st;
		for (uint32_t i = 0; i < got.handles; i++)
			lo_handle_close(got_h[i]);
		if (got.bytes >= sizeof(rs.hdr) && rs.hdr.txid == 0 && rs.hdr.ordinal == LO_REGISTRY_RESOLVE)
			return LO_OK;
	}
	return st == LO_OK ? LO_ERR_BAD_FORMAT : st;
}

/* One hop's answer. */
struct hop {
	uint32_t kind, consumed, granted, exact, kept, link_len;
	lo_handle_t obj;
	char link[LO_REGISTRY_PATH_MAX + 1];
};

static status_t open_hop_once(lo_channel_t at, uint32_t flags, const char *path, uint32_t len,
			      uint32_t rights, uint32_t conn_rights, struct hop *a);

static status_t open_hop(lo_channel_t at, int shared, uint32_t flags, const char *path, uint32_t len,
			 uint32_t rights, uint32_t conn_rights, struct hop *a)
{
	status_t st = LO_OK;
	if (shared && lo_registry_lock(at.value % LO_REGISTRY_LOCKS, at))
		st = root_resync(at);
	if (st == LO_OK)
		st = open_hop_once(at, flags, path, len, rights, conn_rights, a);
	if (shared)
		lo_registry_unlock(at.value % LO_REGISTRY_LOCKS);
	return st;
}

/* One hop: `resolve` (small messages) where the path fits; `open` for a
 * longer path, for a link's text, and where the server has no resolve. */
static status_t open_hop_once(lo_channel_t at, uint32_t flags, const char *path, uint32_t len,
			      uint32_t rights, uint32_t conn_rights, struct hop *a)
{
	int32_t status = LO_OK;
	status_t st;
	if (len <= LO_REGISTRY_RESOLVE_PATH_MAX) {
		st = lo_registry_resolve(at, rights, conn_rights, flags, path, len, &status, &a->kind,
					 &a->consumed, &a->granted, &a->exact, &a->kept, &a->obj);
		if (st == LO_OK)
			st = status;
		if (st != LO_ERR_NOT_SUPPORTED && !(st == LO_OK && a->kind == LO_ENTRY_LINK))
			return st;
		if (st == LO_OK && a->obj.value)
			lo_handle_close(a->obj);   /* a link carries none; a bad server might */
		a->obj = LO_HANDLE_INVALID;
	}
	a->exact = a->kept = 0;   /* open's object travels with TRANSFER */
	st = lo_registry_open(at, path, len, rights, conn_rights, &status, &a->kind, &a->consumed,
			      &a->granted, a->link, LO_REGISTRY_PATH_MAX, &a->link_len, &a->obj);
	return st == LO_OK ? status : st;
}

status_t lo_resolve_path(lo_channel_t registry, const char *path, uint32_t rights, lo_handle_t *out)
{
	return lo_resolve_path_as(registry, path, rights, LO_REGISTRY_RIGHTS_ALL, out);
}

static status_t walk(lo_channel_t registry, const char *base, const char *path, size_t len,
		     uint32_t rights, uint32_t conn_rights, int keep, lo_handle_t *out);

/* The process's own root: the one whose mounts it keeps (registry_mounts.c). */
static int own_root(lo_channel_t root)
{
	static uint32_t own;   /* the startup message's: it never changes */
	if (!own)
		own = lo_root_registry().value;
	return root.value && root.value == own;
}

status_t lo_resolve_path_as(lo_channel_t registry, const char *path, uint32_t rights,
			    uint32_t conn_rights, lo_handle_t *out)
{
	return walk(registry, NULL, path, lo_strlen(path), rights, conn_rights, 0, out);
}

/* Whether a link that used up `consumed` bytes of `path` was met past its
 * first component (inside the registry that component names), not as that
 * component itself (an entry of the root). */
static int met_inside(const char *path, uint32_t consumed)
{
	const char *start, *rest;
	lo_path_first(path, &start, &rest);
	return consumed > (uint32_t)(rest - path);
}

/* The walk. `base` non-NULL: registry is a root, whose hops take its lock,
 * and a link met on it inside the root's entry `base` (the registry a
 * name names: "" for the root itself) is relative to that entry, as it
 * was when a name was resolved on a connection to that registry; a link
 * that is the entry itself is the root's, relative to the root. `keep`:
 * registry is the process's own root, and a mount it refers us to is kept. */
static status_t walk(lo_channel_t registry, const char *base, const char *path, size_t len,
		     uint32_t rights, uint32_t conn_rights, int keep, lo_handle_t *out)
{
	int shared = base != NULL;
	if (len > LO_REGISTRY_PATH_MAX)
		return LO_ERR_NAME_TOO_LONG;
	/* The caller's path (len bytes) until a hop rewrites it in `buf`. */
	char buf[LO_REGISTRY_PATH_MAX + 1];
	const char *current = path;
	status_t st = LO_OK;
	lo_channel_t at = registry;
	int own = 0;       /* `at` is a connection we opened on the way */
	int finished = 0;  /* resolved, or failed */
	for (int hop = 0; hop < LO_REGISTRY_MAX_HOPS && !finished; hop++) {
		finished = 1;   /* every path below that does not `continue` ends the walk */
		struct hop a;
		a.kind = a.consumed = a.granted = a.exact = a.kept = a.link_len = 0;
		a.obj = LO_HANDLE_INVALID;
		/* On the process's own root, a mount may refer us to keep it. */
		uint32_t flags = keep && !own && lo_mounts_room() ? LO_RESOLVE_KEEP : 0;
		st = open_hop(at, shared && !own, flags, current, (uint32_t)len, rights, conn_rights, &a);
		if (st != LO_OK)
			break;
		if (a.consumed > len) {
			lo_handle_close(a.obj);
			st = LO_ERR_BAD_FORMAT;
			break;
		}
		const char *rest = current + a.consumed;
		if (a.kind == LO_ENTRY_OBJECT || (a.kind == LO_ENTRY_REGISTRY && !*rest)) {
			if (*rest) {
				lo_handle_close(a.obj);
				st = LO_ERR_NOT_A_REGISTRY;
				break;
			}
			/* An object that travelled with TRANSFER keeps it only if
			 * asked for; a copy (exact) has just what was granted. */
			if (a.kind == LO_ENTRY_OBJECT && !a.exact && !(a.granted & LO_RIGHT_TRANSFER)) {
				uint32_t exact = 0;
				st = lo_handle_replace(a.obj, a.granted, &exact);
				if (st != LO_OK) {
					lo_handle_close(a.obj);
					break;
				}
				a.obj.value = exact;
			}
			*out = a.obj;
			break;
		}
		if (a.kind == LO_ENTRY_REGISTRY) {
			/* Another server's registry: continue there. */
			if (flags && a.kept)
				lo_mounts_keep(at, current, a.consumed, a.obj);
			if (own)
				lo_handle_close(lo_channel_handle(at));
			at = lo_channel_from(a.obj);
			own = 1;
			len -= a.consumed;
			lo_memcpy(buf, rest, len + 1);
			current = buf;
			finished = 0;
			continue;
		}
		if (a.kind != LO_ENTRY_LINK) {
			lo_handle_close(a.obj);
			st = LO_ERR_BAD_FORMAT;
			break;
		}
		a.link[a.link_len < sizeof(a.link) ? a.link_len : sizeof(a.link) - 1] = '\0';
		char next[LO_REGISTRY_PATH_MAX + 1];
		st = join_link(next, a.link, a.link_len, rest);
		if (st != LO_OK)
			break;
		if (has_registry_prefix(next)) {
			/* "<registry>:<path>": start again from the root namespace. */
			char reg[LO_REGISTRY_NAME_MAX + 1];
			const char *p;
			st = lo_name_split(next, reg, sizeof(reg), &p);
			lo_channel_t fresh;
			if (st == LO_OK)
				st = lo_connect_registry(reg, &fresh);
			if (st != LO_OK)
				break;
			if (own)
				lo_handle_close(lo_channel_handle(at));
			at = fresh;
			own = 1;
			len = lo_strlen(p);
			lo_memcpy(buf, p, len + 1);
		} else if (shared && !own && *base && met_inside(current, a.consumed)) {
			size_t b = lo_strlen(base), n = lo_strlen(next);
			if (b + 1 + n > LO_REGISTRY_PATH_MAX) {
				st = LO_ERR_NAME_TOO_LONG;
				break;
			}
			lo_memcpy(buf, base, b);
			buf[b] = '/';
			lo_memcpy(buf + b + 1, next, n + 1);
			len = b + 1 + n;
		} else {
			len = lo_strlen(next);
			lo_memcpy(buf, next, len + 1);
		}
		current = buf;
		finished = 0;
	}
	if (!finished)
		st = LO_ERR_LINK_LOOP;   /* too many links or registries on the way */
	if (own)
		lo_handle_close(lo_channel_handle(at));
	return st;
}

status_t lo_connect_registry(const char *name, lo_channel_t *out)
{
	lo_channel_t root = lo_root_registry();
	if (!root.value)
		return LO_ERR_NOT_FOUND;
	lo_handle_t h;
	status_t st = walk(root, "", name, lo_strlen(name), LO_DEFAULT_RIGHTS_CHANNEL,
			   LO_REGISTRY_RIGHTS_ALL, 1, &h);
	if (st == LO_OK)
		*out = lo_channel_from(h);
	return st;
}

/* "<registry>:<path>" as one path in the root namespace, "<registry>/<path>":
 * the root walks its own nested registries in one request, so a name costs
 * one round trip and no connection of its own (a mount answers with a
 * referral to its server; lo_resolve_path continues there). `dir_only`
 * keeps only the path's directory part; *last then points at the rest. */
static status_t root_path(const char *name, char *whole, size_t *whole_len, char *reg,
			  int dir_only, const char **last)
{
	/* lo_name_split's checks, in one pass that also measures. */
	size_t r = 0;
	while (name[r] && name[r] != ':') {
		if (r > LO_REGISTRY_NAME_MAX)
			return LO_ERR_NAME_TOO_LONG;
		reg[r] = name[r];
		r++;
	}
	if (name[r] != ':' || r == 0)
		return LO_ERR_INVALID_ARGS;
	if (r > LO_REGISTRY_NAME_MAX)
		return LO_ERR_NAME_TOO_LONG;
	reg[r] = '\0';
	const char *path = name + r + 1;
	size_t n = lo_strlen(path);
	if (n > LO_REGISTRY_PATH_MAX)
		return LO_ERR_NAME_TOO_LONG;
	if (dir_only) {
		/* The directory part: everything before the last '/'. */
		const char *slash = 0;
		for (const char *p = path; *p; p++) {
			if (*p == '/' && p[1])
				slash = p;
		}
		n = slash ? (size_t)(slash - path) : 0;
		*last = slash ? slash + 1 : path;
	}
	if (r + 1 + n > LO_REGISTRY_PATH_MAX)
		return LO_ERR_BUFFER_TOO_SMALL;   /* valid, but too long to join: two steps */
	lo_memcpy(whole, reg, r);
	whole[r] = '/';
	lo_memcpy(whole + r + 1, path, n);
	whole[r + 1 + n] = '\0';
	*whole_len = r + 1 + n;
	return LO_OK;
}

/* The same name the old way, for one too long to join: a connection to the
 * registry first, then the path in it. */
static status_t resolve_in_two(lo_channel_t root, const char *name, uint32_t rights, lo_handle_t *out)
{
	char reg[LO_REGISTRY_NAME_MAX + 1];
	const char *path;
	status_t st = lo_name_split(name, reg, sizeof(reg), &path);
	if (st != LO_OK)
		return st;
	if (!root.value)
		return LO_ERR_NOT_FOUND;
	lo_handle_t h;
	st = walk(root, "", reg, lo_strlen(reg), LO_DEFAULT_RIGHTS_CHANNEL, LO_REGISTRY_RIGHTS_ALL,
		  own_root(root), &h);
	if (st != LO_OK)
		return st;
	lo_channel_t r = lo_channel_from(h);
	st = lo_resolve_path(r, path, rights, out);
	lo_handle_close(lo_channel_handle(r));
	return st;
}

static status_t parent_in_two(const char *name, lo_channel_t *out, const char **last)
{
	char reg[LO_REGISTRY_NAME_MAX + 1];
	const char *path;
	status_t st = lo_name_split(name, reg, sizeof(reg), &path);
	if (st != LO_OK)
		return st;
	const char *slash = 0;
	for (const char *p = path; *p; p++) {
		if (*p == '/' && p[1])
			slash = p;
	}
	char dir[LO_REGISTRY_PATH_MAX + 1];
	size_t n = slash ? (size_t)(slash - path) : 0;
	lo_memcpy(dir, path, n);
	dir[n] = '\0';
	*last = slash ? slash + 1 : path;
	lo_channel_t r;
	st = lo_connect_registry(reg, &r);
	if (st != LO_OK || n == 0) {
		if (st == LO_OK)
			*out = r;
		return st;
	}
	lo_handle_t h;
	st = lo_resolve_path(r, dir, LO_DEFAULT_RIGHTS_CHANNEL, &h);
	lo_handle_close(lo_channel_handle(r));
	if (st == LO_OK)
		*out = lo_channel_from(h);
	return st;
}

status_t lo_resolve_name(const char *name, uint32_t rights, lo_handle_t *out)
{
	return lo_resolve_name_in(lo_root_registry(), name, rights, out);
}

status_t lo_resolve_name_in(lo_channel_t root, const char *name, uint32_t rights, lo_handle_t *out)
{
	char whole[LO_REGISTRY_PATH_MAX + 1];
	char reg[LO_REGISTRY_NAME_MAX + 1];
	size_t len = 0;
	status_t st = root_path(name, whole, &len, reg, 0, NULL);
	if (st == LO_ERR_BUFFER_TOO_SMALL)
		return resolve_in_two(root, name, rights, out);
	if (st != LO_OK)
		return st;
	if (!root.value)
		return LO_ERR_NOT_FOUND;
	int keep = own_root(root);
	if (keep && lo_mounts_open(root, whole, (uint32_t)len, rights, out, &st, &keep))
		return st;
	return walk(root, reg, whole, len, rights, LO_REGISTRY_RIGHTS_ALL, keep, out);
}

status_t lo_resolve_parent(const char *name, lo_channel_t *out, const char **last)
{
	char whole[LO_REGISTRY_PATH_MAX + 1];
	char reg[LO_REGISTRY_NAME_MAX + 1];
	size_t len = 0;
	status_t st = root_path(name, whole, &len, reg, 1, last);
	if (st == LO_ERR_BUFFER_TOO_SMALL)
		return parent_in_two(name, out, last);
	if (st != LO_OK)
		return st;
	lo_channel_t root = lo_root_registry();
	if (!root.value)
		return LO_ERR_NOT_FOUND;
	lo_handle_t h;
	st = walk(root, reg, whole, len, LO_DEFAULT_RIGHTS_CHANNEL, LO_REGISTRY_RIGHTS_ALL, 1, &h);
	if (st == LO_OK)
		*out = lo_channel_from(h);
	return st;
}
