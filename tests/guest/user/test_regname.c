/* Names in one request (lo_resolve_name): the root resolves
 * "<registry>/<path>" itself, hop by hop with `resolve` (small messages)
 * and `open` where that cannot answer, and a host forwards the rest of a
 * path inside a mount to the mounted server. Nothing is kept between
 * opens, so a change, a revoke or a server that is gone shows on the very
 * next one, and rights are never more than a connection-by-connection walk
 * gives. */
#include "lightos/startup.h"
#include "utest.h"
#include "registry_fixture.h"

static int32_t bind(lo_channel_t reg, const char *path, lo_handle_t h, uint32_t rights)
{
	int32_t status = LO_ERR_INTERNAL;
	status_t st = lo_registry_bind(reg, path, (uint32_t)lo_strlen(path), rights, h, &status);
	return st != LO_OK ? st : status;
}

static int32_t unbind(lo_channel_t reg, const char *path)
{
	int32_t status = LO_ERR_INTERNAL;
	status_t st = lo_registry_unbind(reg, path, (uint32_t)lo_strlen(path), &status);
	return st != LO_OK ? st : status;
}

static int32_t mkreg(lo_channel_t reg, const char *path)
{
	int32_t status = LO_ERR_INTERNAL;
	status_t st = lo_registry_make_registry(reg, path, (uint32_t)lo_strlen(path), &status);
	return st != LO_OK ? st : status;
}

static int32_t link(lo_channel_t reg, const char *path, const char *target)
{
	int32_t status = LO_ERR_INTERNAL;
	status_t st = lo_registry_link(reg, path, (uint32_t)lo_strlen(path), target,
				       (uint32_t)lo_strlen(target), &status);
	return st != LO_OK ? st : status;
}

static lo_handle_t new_event(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	return lo_event_handle(e);
}

static void close_ch(lo_channel_t ch)
{
	lo_handle_close(lo_channel_handle(ch));
}

static uint32_t rights_of(lo_handle_t h)
{
	struct lo_object_info info;
	return lo_handle_info(h, &info) == LO_OK ? info.rights : 0;
}

/* The same object, with exactly `rights`. */
static int opens_as(lo_channel_t root, const char *name, uint32_t ask, uint64_t id, uint32_t rights)
{
	lo_handle_t h;
	if (!CHECK_ST(lo_resolve_name_in(root, name, ask, &h), LO_OK))
		return 0;
	int ok = CHECK(utest_object_id(h) == id) && CHECK(rights_of(h) == rights);
	lo_handle_close(h);
	return ok;
}

/* files:/etc/motd in one request: it needs no connection of its own, so it
 * works when the client has none left; links and paths too long for one
 * request take the slower ways, to the same answers. */
static void test_one_request(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	CHECK_ST(mkreg(f.conn, "files"), LO_OK);
	CHECK_ST(mkreg(f.conn, "files/etc"), LO_OK);
	lo_handle_t e = new_event();
	uint64_t id = utest_object_id(e);
	CHECK_ST(bind(f.conn, "files/etc/motd", e, LO_DEFAULT_RIGHTS_EVENT), LO_OK);
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
		close_ch(held[--n]);
	/* A link: `resolve` answers without its text, `open` gives it. Its
	 * path is relative to the registry the name names (files), as on a
	 * connection to it. */
	CHECK_ST(link(f.conn, "files/etc/greeting", "etc/motd"), LO_OK);
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
		CHECK_ST(mkreg(files, path), LO_OK);
	}
	size_t dir = len;   /* 195 bytes */
	lo_memcpy(path + dir, "/motd", 6);
	lo_handle_t e2 = new_event();
	uint64_t id2 = utest_object_id(e2);
	CHECK_ST(bind(files, path, e2, LO_DEFAULT_RIGHTS_EVENT), LO_OK);
	lo_memcpy(name, "files:", 6);
	lo_memcpy(name + 6, path, dir + 6);
	CHECK(opens_as(f.conn, name, LO_RIGHT_INSPECT, id2, LO_RIGHT_INSPECT));
	path[dir] = '/';
	lo_memset(path + dir + 1, 'z', 58);   /* 195 + 59 = 254 bytes */
	path[dir + 59] = '\0';
	lo_handle_t e3 = new_event();
	uint64_t id3 = utest_object_id(e3);
	CHECK_ST(bind(files, path, e3, LO_DEFAULT_RIGHTS_EVENT), LO_OK);
	lo_memcpy(name + 6, path, dir + 60);
	CHECK(lo_strlen(name) == 6 + 254);
	CHECK(opens_as(f.conn, name, LO_RIGHT_INSPECT, id3, LO_RIGHT_INSPECT));
	close_ch(files);
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
	CHECK_ST(mkreg(f.conn, "files"), LO_OK);
	lo_handle_t e = new_event();
	uint64_t id = utest_object_id(e);
	CHECK_ST(bind(f.conn, "files/motd", e, LO_RIGHT_INSPECT | LO_RIGHT_WAIT | LO_RIGHT_TRANSFER), LO_OK);
	/* What each request asks, no more: the entry's rights apply each time. */
	CHECK(opens_as(f.conn, "files:motd", LO_RIGHT_INSPECT | LO_RIGHT_WAIT, id,
		       LO_RIGHT_INSPECT | LO_RIGHT_WAIT));
	CHECK(opens_as(f.conn, "files:motd", LO_RIGHT_INSPECT, id, LO_RIGHT_INSPECT));
	CHECK(opens_as(f.conn, "files:motd", LO_RIGHT_INSPECT | LO_RIGHT_SIGNAL, id, LO_RIGHT_INSPECT));
	/* Removed: gone for the next open. Bound again with less: less. */
	lo_handle_t h;
	CHECK_ST(unbind(f.conn, "files/motd"), LO_OK);
	CHECK_ST(lo_resolve_name_in(f.conn, "files:motd", LO_RIGHT_INSPECT, &h), LO_ERR_NOT_FOUND);
	lo_handle_t e2 = new_event();
	uint64_t id2 = utest_object_id(e2);
	CHECK_ST(bind(f.conn, "files/motd", e2, LO_RIGHT_INSPECT | LO_RIGHT_TRANSFER), LO_OK);
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
	close_ch(lease);
	lo_handle_close(lo_revoker_handle(r));
	/* The registry itself removed from the root: nothing in it any more. */
	CHECK_ST(unbind(f.conn, "files"), LO_OK);
	CHECK_ST(lo_resolve_name_in(f.conn, "files:motd", LO_RIGHT_INSPECT, &h), LO_ERR_NOT_FOUND);
	/* The server gone: told at once. */
	stop_serving = 1;
	CHECK_ST(lo_thread_join(f.server, lo_deadline_after_ms(5000)), LO_OK);
	lo_registry_host_shutdown(&host);
	CHECK_ST(lo_resolve_name_in(f.conn, "files:motd", LO_RIGHT_INSPECT, &h), LO_ERR_PEER_CLOSED);
	close_ch(f.conn);
	lo_registry_release(&host, f.root);
	CHECK(host.live_registries == 0);
}

/* --- through a mount: the host forwards the rest to the mounted server --- */

/* A registry server in a child process (child.c's regserve); *conn: a
 * connection to its root, which holds "thing" (an event). */
static int spawn_server(lo_process_t *p, lo_channel_t *conn)
{
	lo_channel_t mine, theirs;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &mine, &theirs), LO_OK))
		return 0;
	struct lo_give give = { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) };
	if (!CHECK_ST(utest_spawn_child("regserve", &give, 1, p), LO_OK)) {
		close_ch(mine);
		return 0;
	}
	uint32_t observed;
	char buf[8];
	lo_handle_t h = LO_HANDLE_INVALID;
	struct lo_channel_read_result got;
	int ok = CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
					     lo_deadline_after_ms(5000), &observed), LO_OK) &&
		 CHECK_ST(lo_channel_read(mine, buf, sizeof(buf), &h, 1, &got), LO_OK) &&
		 CHECK(got.handles == 1);
	close_ch(mine);
	*conn = lo_channel_from(h);
	return ok;
}

static lo_channel_t reopen_as(lo_channel_t conn, uint32_t conn_rights)
{
	lo_handle_t h = LO_HANDLE_INVALID;
	CHECK_ST(lo_resolve_path_as(conn, "", LO_DEFAULT_RIGHTS_CHANNEL, conn_rights, &h), LO_OK);
	return lo_channel_from(h);
}

static int32_t mount(lo_channel_t reg, const char *path, lo_channel_t other)
{
	int32_t status = LO_ERR_INTERNAL;
	status_t st = lo_registry_mount(reg, path, (uint32_t)lo_strlen(path), lo_channel_handle(other), &status);
	return st != LO_OK ? st : status;
}

static int ended(lo_process_t p)
{
	uint32_t observed = 0;
	status_t st = lo_handle_wait_one(lo_process_handle(p), LO_SIG_PROCESS_TERMINATED,
					 lo_deadline_after_ms(5000), &observed);
	lo_handle_close(lo_process_handle(p));
	return st == LO_OK;
}

/* The mounted server answers the forwarded open with what the client's
 * connection may have there, never what the host's own connection to it
 * could: WRITE only where WRITABLE, nothing without OPEN at the mount. */
static void test_mount_forward_rights(void)
{
	lo_process_t leaf_p;
	lo_channel_t leaf;
	if (!spawn_server(&leaf_p, &leaf))
		return;
	struct fixture f;
	if (!start(&f)) {
		close_ch(leaf);
		CHECK(ended(leaf_p));
		return;
	}
	lo_sysvar_t v;
	CHECK_ST(lo_sysvar_create(lo_job_self(), LO_SYSVAR_STRING, &v), LO_OK);
	uint64_t id = utest_object_id(lo_sysvar_handle(v));
	CHECK_ST(bind(leaf, "var", lo_sysvar_handle(v), LO_RIGHTS_ALL), LO_OK);
	CHECK_ST(mkreg(leaf, "sub"), LO_OK);
	CHECK_ST(mkreg(f.conn, "files"), LO_OK);
	CHECK_ST(mount(f.conn, "files/leaf", reopen_as(leaf, LO_REGISTRY_RIGHTS_ALL)), LO_OK);
	/* A mount made through a connection that may edit but not open. */
	lo_channel_t editor = reopen_as(f.conn, LO_REGISTRY_RIGHTS_ALL & ~LO_REGISTRY_RIGHT_OPEN);
	CHECK_ST(mount(editor, "files/closed", reopen_as(leaf, LO_REGISTRY_RIGHTS_ALL)), LO_OK);
	close_ch(editor);
	close_ch(leaf);   /* the mounts keep it */
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
	CHECK_ST(bind(lo_channel_from(h), "x", new_event(), LO_RIGHTS_ALL), LO_ERR_ACCESS_DENIED);
	lo_handle_close(h);
	close_ch(ro);
	/* No OPEN at the mount: refused, whoever asks. */
	CHECK_ST(lo_resolve_name_in(f.conn, "files:/closed/var", LO_RIGHT_INSPECT, &h), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_resolve_name_in(f.conn, "files:/closed/thing", LO_RIGHT_INSPECT, &h), LO_ERR_ACCESS_DENIED);
	/* Not there: the mounted server's answer. */
	CHECK_ST(lo_resolve_name_in(f.conn, "files:/leaf/none", LO_RIGHT_INSPECT, &h), LO_ERR_NOT_FOUND);
	finish(&f);   /* the mounts go with the host's registries: the leaf ends */
	CHECK(ended(leaf_p));
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
	uint32_t dup = 0;
	status_t st = lo_handle_duplicate(old_object, req->rights | LO_RIGHT_TRANSFER, &dup);
	if (st != LO_OK)
		return st;
	resp->kind = LO_ENTRY_OBJECT;
	resp->consumed = req->path_len;
	resp->granted = req->rights;
	resp_handles[0].value = dup;
	*resp_nhandles = 1;
	return LO_OK;
}

static const struct lo_registry_server old_server = { .open = old_open };

static void serve_old(void *arg)
{
	(void)arg;
	while (!old_stop) {
		uint32_t observed;
		if (lo_handle_wait_one(lo_channel_handle(old_end), LO_SIG_CHANNEL_READABLE,
				       lo_deadline_after_ms(20), &observed) == LO_OK)
			lo_registry_serve_one(old_end, &old_server, NULL, LO_REGISTRY_RIGHTS_ALL);
	}
}

static void test_server_without_resolve(void)
{
	lo_channel_t client;
	lo_thread_t t;
	old_stop = 0;
	old_object = new_event();
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
	close_ch(client);
	close_ch(old_end);
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
	CHECK_ST(mkreg(f.conn, "files"), LO_OK);
	CHECK_ST(mkreg(f.conn, "files/etc"), LO_OK);
	lo_handle_t e = new_event();
	shared_id = utest_object_id(e);
	CHECK_ST(bind(f.conn, "files/etc/motd", e, LO_DEFAULT_RIGHTS_EVENT), LO_OK);
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

static const struct utest regname_tests[] = {
	{ "user.regname_one_request", test_one_request },
	{ "user.regname_follows_changes", test_follows_changes },
	{ "user.regname_mount_forward_rights", test_mount_forward_rights },
	{ "user.regname_server_without_resolve", test_server_without_resolve },
	{ "user.regname_two_threads", test_two_threads },
	{ 0, 0 },
};
UTEST_SUITE(regname_tests);
