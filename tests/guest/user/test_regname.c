/* Names in one request (lo_resolve_name): the root resolves
 * "<registry>/<path>" itself, hop by hop with `resolve` (small messages)
 * and `open` where that cannot answer, and a host forwards the rest of a
 * path inside a mount to the mounted server. Nothing is kept between
 * opens in these roots (a process keeps only its own root's mounts:
 * test_regkept.c), so a change, a revoke or a server that is gone shows on the very
 * next one, and rights are never more than a connection-by-connection walk
 * gives. */
#include "lightos/startup.h"
#include "utest.h"
#include "reg_support.h"
#include "registry_fixture.h"

/* The same object, with exactly `rights`. */
static int opens_as(lo_channel_t root, const char *name, uint32_t ask, uint64_t id, uint32_t rights)
{
	lo_handle_t h;
	if (!CHECK_ST(lo_resolve_name_in(root, name, ask, &h), LO_OK))
		return 0;
	int ok = CHECK(utest_object_id(h) == id) && CHECK(reg_rights_of(h) == rights);
	lo_handle_close(h);
	return ok;
}

/* files/etc/motd, an event, in the root `root` names: its object id. */
static uint64_t bind_motd(lo_channel_t root)
{
	CHECK_ST(reg_mkreg(root, "files"), LO_OK);
	CHECK_ST(reg_mkreg(root, "files/etc"), LO_OK);
	return reg_bind_event(root, "files/etc/motd", LO_DEFAULT_RIGHTS_EVENT);
}

/* files:/etc/motd in one request: it needs no connection of its own, so it
 * works when the client has none left; links and paths too long for one
 * request take the slower ways, to the same answers. */
static void test_one_request(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	uint64_t id = bind_motd(f.conn);
	CHECK(opens_as(f.conn, "files:/etc/motd", LO_RIGHT_INSPECT, id, LO_RIGHT_INSPECT));
	/* Every connection the client may have, in use: the old way (a
	 * connection to "files" first) is refused, one request is not. */
	lo_channel_t held[LO_REGISTRY_CLIENT_CONNECTIONS];
	uint32_t n = 0;
	lo_handle_t h;
	while (n < LO_REGISTRY_CLIENT_CONNECTIONS &&
	       lo_resolve_path(f.conn, "files", LO_DEFAULT_RIGHTS_CHANNEL, &h) == LO_OK)
		held[n++] = lo_channel_from(h);
	CHECK(n == LO_REGISTRY_CLIENT_CONNECTIONS - 1);   /* f.conn is one of them */
	CHECK_ST(lo_resolve_path(f.conn, "files", LO_DEFAULT_RIGHTS_CHANNEL, &h), LO_ERR_NO_RESOURCES);
	CHECK(opens_as(f.conn, "files:/etc/motd", LO_RIGHT_INSPECT, id, LO_RIGHT_INSPECT));
	while (n)
		reg_close(held[--n]);
	/* A link: `resolve` answers without its text, `open` gives it. Its
	 * path is relative to the registry the name names (files), as on a
	 * connection to it. */
	CHECK_ST(reg_link(f.conn, "files/etc/greeting", "etc/motd"), LO_OK);
	CHECK(opens_as(f.conn, "files:/etc/greeting", LO_RIGHT_INSPECT, id, LO_RIGHT_INSPECT));
	/* A path longer than `resolve` takes (160 bytes: the root's hop goes
	 * by `open`), and one whose "files/<path>" is longer than a path may
	 * be (255 bytes: a connection to files, then the path). */
	CHECK_ST(lo_resolve_path(f.conn, "files", LO_DEFAULT_RIGHTS_CHANNEL, &h), LO_OK);
	lo_channel_t files = lo_channel_from(h);
	char path[LO_REGISTRY_PATH_MAX + 1];
	char name[LO_REGISTRY_PATH_MAX + 8];
	lo_memcpy(path, "etc", 3);
	size_t len = 3;
	for (int i = 0; i < 3; i++) {
		path[len++] = '/';
		lo_memset(path + len, 'a' + i, LO_REGISTRY_NAME_MAX);
		len += LO_REGISTRY_NAME_MAX;
		path[len] = '\0';
		CHECK_ST(reg_mkreg(files, path), LO_OK);
	}
	size_t dir = len;   /* 195 bytes */
	lo_memcpy(path + dir, "/motd", 6);
	uint64_t id2 = reg_bind_event(files, path, LO_DEFAULT_RIGHTS_EVENT);
	lo_memcpy(name, "files:", 6);
	lo_memcpy(name + 6, path, dir + 6);
	CHECK(opens_as(f.conn, name, LO_RIGHT_INSPECT, id2, LO_RIGHT_INSPECT));
	path[dir] = '/';
	lo_memset(path + dir + 1, 'z', 58);   /* 195 + 59 = 254 bytes */
	path[dir + 59] = '\0';
	uint64_t id3 = reg_bind_event(files, path, LO_DEFAULT_RIGHTS_EVENT);
	lo_memcpy(name + 6, path, dir + 60);
	CHECK(lo_strlen(name) == 6 + 254);
	CHECK(opens_as(f.conn, name, LO_RIGHT_INSPECT, id3, LO_RIGHT_INSPECT));
	reg_close(files);
	/* Past the limit: refused as before. */
	char too_long[LO_REGISTRY_PATH_MAX + 8];
	lo_memcpy(too_long, "files:", 6);
	lo_memset(too_long + 6, 'x', LO_REGISTRY_PATH_MAX + 1);
	too_long[6 + LO_REGISTRY_PATH_MAX + 1] = '\0';
	CHECK_ST(lo_resolve_name_in(f.conn, too_long, LO_RIGHT_INSPECT, &h), LO_ERR_NAME_TOO_LONG);
	finish(&f);
}

/* Nothing is kept from one open to the next: the rights asked each time,
 * an entry removed or replaced, a revoked root, a server that is gone. */
static void test_follows_changes(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	CHECK_ST(reg_mkreg(f.conn, "files"), LO_OK);
	uint64_t id = reg_bind_event(f.conn, "files/motd", LO_RIGHT_INSPECT | LO_RIGHT_WAIT | LO_RIGHT_TRANSFER);
	/* What each request asks, no more: the entry's rights apply each time. */
	CHECK(opens_as(f.conn, "files:motd", LO_RIGHT_INSPECT | LO_RIGHT_WAIT, id,
		       LO_RIGHT_INSPECT | LO_RIGHT_WAIT));
	CHECK(opens_as(f.conn, "files:motd", LO_RIGHT_INSPECT, id, LO_RIGHT_INSPECT));
	CHECK(opens_as(f.conn, "files:motd", LO_RIGHT_INSPECT | LO_RIGHT_SIGNAL, id, LO_RIGHT_INSPECT));
	/* Removed: gone for the next open. Bound again with less: less. */
	lo_handle_t h;
	CHECK_ST(reg_unbind(f.conn, "files/motd"), LO_OK);
	CHECK_ST(lo_resolve_name_in(f.conn, "files:motd", LO_RIGHT_INSPECT, &h), LO_ERR_NOT_FOUND);
	uint64_t id2 = reg_bind_event(f.conn, "files/motd", LO_RIGHT_INSPECT | LO_RIGHT_TRANSFER);
	CHECK(opens_as(f.conn, "files:motd", LO_RIGHT_INSPECT | LO_RIGHT_WAIT, id2, LO_RIGHT_INSPECT));
	/* A root connection held through a revoker: nothing after the revoke. */
	lo_revoker_t r;
	uint32_t granted = 0;
	CHECK_ST(lo_revoker_create(lo_job_self(), &r), LO_OK);
	CHECK_ST(lo_revoker_grant(r, lo_channel_handle(f.conn), LO_DEFAULT_RIGHTS_CHANNEL, &granted), LO_OK);
	lo_channel_t lease = lo_channel_from((lo_handle_t){ granted });
	CHECK(opens_as(lease, "files:motd", LO_RIGHT_INSPECT, id2, LO_RIGHT_INSPECT));
	CHECK_ST(lo_revoker_revoke(r), LO_OK);
	CHECK_ST(lo_resolve_name_in(lease, "files:motd", LO_RIGHT_INSPECT, &h), LO_ERR_REVOKED);
	reg_close(lease);
	lo_handle_close(lo_revoker_handle(r));
	/* The registry itself removed from the root: nothing in it any more. */
	CHECK_ST(reg_unbind(f.conn, "files"), LO_OK);
	CHECK_ST(lo_resolve_name_in(f.conn, "files:motd", LO_RIGHT_INSPECT, &h), LO_ERR_NOT_FOUND);
	/* The server gone: told at once. */
	stop_serving = 1;
	CHECK_ST(lo_thread_join(f.server, lo_deadline_after_ms(5000)), LO_OK);
	lo_registry_host_shutdown(&host);
	CHECK_ST(lo_resolve_name_in(f.conn, "files:motd", LO_RIGHT_INSPECT, &h), LO_ERR_PEER_CLOSED);
	reg_close(f.conn);
	lo_registry_release(&host, f.root);
	CHECK(host.live_registries == 0);
}

/* --- through a mount: the host forwards the rest to the mounted server --- */

/* A new connection to what `conn` names, with registry rights conn_rights. */
static lo_channel_t reopen_as(lo_channel_t conn, uint32_t conn_rights)
{
	lo_handle_t h = LO_HANDLE_INVALID;
	CHECK_ST(lo_resolve_path_as(conn, "", LO_DEFAULT_RIGHTS_CHANNEL, conn_rights, &h), LO_OK);
	return lo_channel_from(h);
}

/* The mounted server answers the forwarded open with what the client's
 * connection may have there, never what the host's own connection to it
 * could: WRITE only where WRITABLE, nothing without OPEN at the mount. */
static void test_mount_forward_rights(void)
{
	lo_process_t leaf_p;
	lo_channel_t leaf;
	if (!reg_spawn_server("regserve", &leaf_p, &leaf))
		return;
	struct fixture f;
	if (!start(&f)) {
		reg_close(leaf);
		CHECK(reg_ended(leaf_p));
		return;
	}
	lo_sysvar_t v;
	CHECK_ST(lo_sysvar_create(lo_job_self(), LO_SYSVAR_STRING, &v), LO_OK);
	uint64_t id = utest_object_id(lo_sysvar_handle(v));
	CHECK_ST(reg_bind(leaf, "var", lo_sysvar_handle(v), LO_RIGHTS_ALL), LO_OK);
	CHECK_ST(reg_mkreg(leaf, "sub"), LO_OK);
	CHECK_ST(reg_mkreg(f.conn, "files"), LO_OK);
	CHECK_ST(reg_mount(f.conn, "files/leaf", reopen_as(leaf, LO_REGISTRY_RIGHTS_ALL)), LO_OK);
	/* A mount made through a connection that may edit but not open. */
	lo_channel_t editor = reopen_as(f.conn, LO_REGISTRY_RIGHTS_ALL & ~LO_REGISTRY_RIGHT_OPEN);
	CHECK_ST(reg_mount(editor, "files/closed", reopen_as(leaf, LO_REGISTRY_RIGHTS_ALL)), LO_OK);
	reg_close(editor);
	reg_close(leaf);   /* the mounts keep it */
	const uint32_t rw = LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_INSPECT;
	/* Full rights: forwarded, and WRITE comes back. */
	CHECK(opens_as(f.conn, "files:/leaf/var", rw, id, rw));
	lo_handle_t h;
	CHECK_ST(lo_resolve_name_in(f.conn, "files:/leaf/var", rw, &h), LO_OK);
	CHECK_ST(lo_sysvar_set_string(lo_sysvar_from(h), "ok", 2), LO_OK);
	lo_handle_close(h);
	/* No WRITABLE: the same open comes back without WRITE. */
	lo_channel_t ro = reopen_as(f.conn, LO_REGISTRY_RIGHT_OPEN | LO_REGISTRY_RIGHT_ENUMERATE);
	CHECK(opens_as(ro, "files:/leaf/var", rw, id, LO_RIGHT_READ | LO_RIGHT_INSPECT));
	CHECK_ST(lo_resolve_name_in(ro, "files:/leaf/var", rw, &h), LO_OK);
	CHECK_ST(lo_sysvar_set_string(lo_sysvar_from(h), "no", 2), LO_ERR_ACCESS_DENIED);
	lo_handle_close(h);
	/* A registry inside the mount comes back with the client's rights. */
	CHECK_ST(lo_resolve_name_in(ro, "files:/leaf/sub", LO_DEFAULT_RIGHTS_CHANNEL, &h), LO_OK);
	CHECK_ST(reg_bind(lo_channel_from(h), "x", reg_new_event(), LO_RIGHTS_ALL), LO_ERR_ACCESS_DENIED);
	lo_handle_close(h);
	reg_close(ro);
	/* No OPEN at the mount: refused, whoever asks. */
	CHECK_ST(lo_resolve_name_in(f.conn, "files:/closed/var", LO_RIGHT_INSPECT, &h), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_resolve_name_in(f.conn, "files:/closed/thing", LO_RIGHT_INSPECT, &h), LO_ERR_ACCESS_DENIED);
	/* Not there: the mounted server's answer. */
	CHECK_ST(lo_resolve_name_in(f.conn, "files:/leaf/none", LO_RIGHT_INSPECT, &h), LO_ERR_NOT_FOUND);
	finish(&f);   /* the mounts go with the host's registries: the leaf ends */
	CHECK(reg_ended(leaf_p));
}

/* --- a server that knows only `open`: the client asks again with it --- */

static lo_channel_t old_end;
static volatile int old_stop;
static lo_handle_t old_object;

static status_t old_open(void *ctx, const struct lo_registry_open_request *req,
			 struct lo_registry_open_response *resp, lo_handle_t *resp_handles,
			 uint32_t *resp_nhandles)
{
	(void)ctx;
	if (req->path_len != 5 || lo_strncmp(req->path, "thing", 5) != 0)
		return LO_ERR_NOT_FOUND;
	status_t st = reg_answer_handle(old_object, req->rights, resp_handles, resp_nhandles);
	if (st != LO_OK)
		return st;
	resp->kind = LO_ENTRY_OBJECT;
	resp->consumed = req->path_len;
	resp->granted = req->rights;
	return LO_OK;
}

static const struct lo_registry_server old_server = { .open = old_open };

static void serve_old(void *arg)
{
	(void)arg;
	reg_serve_until(old_end, &old_server, &old_stop);
}

static void test_server_without_resolve(void)
{
	lo_channel_t client;
	lo_thread_t t;
	old_stop = 0;
	old_object = reg_new_event();
	uint64_t id = utest_object_id(old_object);
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &old_end, &client), LO_OK))
		return;
	CHECK_ST(lo_thread_run(serve_old, NULL, "old server", &t), LO_OK);
	lo_handle_t h;
	CHECK_ST(lo_resolve_path(client, "thing", LO_RIGHT_INSPECT, &h), LO_OK);
	CHECK(utest_object_id(h) == id);
	lo_handle_close(h);
	CHECK_ST(lo_resolve_path(client, "other", LO_RIGHT_INSPECT, &h), LO_ERR_NOT_FOUND);
	old_stop = 1;
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
	reg_close(client);
	reg_close(old_end);
	lo_handle_close(old_object);
}

/* --- three threads naming things through one root connection --- */

#define ROUNDS 2000
static lo_channel_t shared_root;
static uint64_t shared_id;
static volatile int wrong[3];

static void opener(void *arg)
{
	int me = (int)(uintptr_t)arg;
	for (int i = 0; i < ROUNDS; i++) {
		lo_handle_t h;
		status_t st = lo_resolve_name_in(shared_root, "files:/etc/motd", LO_RIGHT_INSPECT, &h);
		if (st != LO_OK) {
			wrong[me]++;
			continue;
		}
		if (utest_object_id(h) != shared_id)
			wrong[me]++;
		lo_handle_close(h);
	}
}

static void test_two_threads(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	shared_id = bind_motd(f.conn);
	shared_root = f.conn;
	wrong[0] = wrong[1] = wrong[2] = 0;
	lo_thread_t a, b;
	CHECK_ST(lo_thread_run(opener, (void *)0, "opener 0", &a), LO_OK);
	CHECK_ST(lo_thread_run(opener, (void *)1, "opener 1", &b), LO_OK);
	opener((void *)2);   /* and this thread too */
	CHECK_ST(lo_thread_join(a, lo_deadline_after_ms(60000)), LO_OK);
	CHECK_ST(lo_thread_join(b, lo_deadline_after_ms(60000)), LO_OK);
	CHECK(wrong[0] == 0 && wrong[1] == 0 && wrong[2] == 0);
	finish(&f);
}

/* --- the answer's handle: a copy with exactly what was granted --- */

/* A resolve of an object of the host answers a copy with exactly the rights
 * granted (exact 1, no TRANSFER to drop); a resolve_local (a host that
 * passes the handle on) answers a copy with TRANSFER added (exact 0), and a
 * client given that drops it. An entry whose handle may not be copied
 * (no DUPLICATE) is refused either way. */
static void test_answer_copy(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	uint64_t id = bind_motd(f.conn);
	const char *path = "files/etc/motd";
	uint32_t ask = LO_RIGHT_WAIT | LO_RIGHT_INSPECT;
	int32_t status;
	uint32_t kind, consumed, granted, exact, kept;
	lo_handle_t h = LO_HANDLE_INVALID;
	CHECK_ST(lo_registry_resolve(f.conn, ask, LO_REGISTRY_RIGHTS_ALL, 0, path, 14, &status, &kind,
				     &consumed, &granted, &exact, &kept, &h), LO_OK);
	CHECK(status == LO_OK && kind == LO_ENTRY_OBJECT && consumed == 14 && granted == ask);
	CHECK(exact == 1 && reg_rights_of(h) == ask && utest_object_id(h) == id);
	lo_handle_close(h);
	h = LO_HANDLE_INVALID;
	CHECK_ST(lo_registry_resolve(f.conn, ask, LO_REGISTRY_RIGHTS_ALL, LO_RESOLVE_LOCAL, path, 14,
				     &status, &kind, &consumed, &granted, &exact, &kept, &h), LO_OK);
	CHECK(status == LO_OK && kind == LO_ENTRY_OBJECT && granted == ask);
	CHECK(exact == 0 && reg_rights_of(h) == (ask | LO_RIGHT_TRANSFER) && utest_object_id(h) == id);
	lo_handle_close(h);
	/* TRANSFER asked for: the copy has it. */
	CHECK(opens_as(f.conn, "files:/etc/motd", ask | LO_RIGHT_TRANSFER, id, ask | LO_RIGHT_TRANSFER));

	/* An entry bound from a handle without DUPLICATE. */
	lo_handle_t ev = reg_new_event();
	lo_handle_t bare = utest_dup(ev, LO_DEFAULT_RIGHTS_EVENT & ~LO_RIGHT_DUPLICATE);
	CHECK_ST(reg_bind(f.conn, "files/etc/bare", bare, LO_DEFAULT_RIGHTS_EVENT), LO_OK);
	for (uint32_t flags = 0; flags <= LO_RESOLVE_LOCAL; flags += LO_RESOLVE_LOCAL) {
		h = LO_HANDLE_INVALID;
		CHECK_ST(lo_registry_resolve(f.conn, ask, LO_REGISTRY_RIGHTS_ALL, flags, "files/etc/bare", 14,
					     &status, &kind, &consumed, &granted, &exact, &kept, &h), LO_OK);
		CHECK(status == LO_ERR_ACCESS_DENIED && !h.value);
	}
	CHECK_ST(lo_resolve_name_in(f.conn, "files:/etc/bare", ask, &h), LO_ERR_ACCESS_DENIED);
	lo_handle_close(ev);
	finish(&f);
}

static const struct utest regname_tests[] = {
	{ "user.regname_one_request", test_one_request },
	{ "user.regname_follows_changes", test_follows_changes },
	{ "user.regname_mount_forward_rights", test_mount_forward_rights },
	{ "user.regname_server_without_resolve", test_server_without_resolve },
	{ "user.regname_two_threads", test_two_threads },
	{ "user.regname_answer_copy", test_answer_copy },
	{ 0, 0 },
};
UTEST_SUITE(regname_tests);
