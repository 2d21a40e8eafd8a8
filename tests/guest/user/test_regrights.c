/* Connection rights of the registry and file protocols (checked by the
 * generated server), their attenuation on open, subtree grants, the
 * denial ring, and mounts of registries served by other processes. */
#include "utest.h"
#include "reg_support.h"
#include "lightos/registry_server.h"
#include "lightos/thread.h"

/* --- an in-process registry host, served by a second thread --- */

static struct lo_registry_host host;
static struct lo_registry *root;
static volatile int stop_serving;
static lo_thread_t server;

static void serve(void *arg)
{
	(void)arg;
	while (!stop_serving)
		lo_registry_host_serve(&host, lo_deadline_after_ms(20));
}

static int start(void)
{
	stop_serving = 0;
	if (!CHECK_ST(lo_registry_host_init(&host), LO_OK))
		return 0;
	root = lo_registry_create(&host, "root");
	return CHECK(root != NULL) && CHECK_ST(lo_thread_run(serve, NULL, "registry", &server), LO_OK);
}

static void finish(void)
{
	stop_serving = 1;
	CHECK_ST(lo_thread_join(server, lo_deadline_after_ms(2000)), LO_OK);
	lo_registry_host_shutdown(&host);
	lo_registry_release(&host, root);
}

static int32_t list0(lo_channel_t reg, const char *path)
{
	int32_t status = LO_ERR_INTERNAL;
	uint32_t kind, rights, len;
	char name[LO_REGISTRY_NAME_MAX + 1];
	status_t st = lo_registry_list(reg, path, (uint32_t)lo_strlen(path), 0, &status, &kind, &rights,
				       name, sizeof(name), &len);
	return st != LO_OK ? st : status;
}

/* --- the generated protocol negative tests (build/gen/tests/negative_protocols.c) --- */

int negative_protocols_run(void);
int negative_protocols_count(void);
static int proto_reported, proto_failures;

void negproto_report(const char *name, int ok, status_t got, status_t want)
{
	proto_reported++;
	if (!ok) {
		proto_failures++;
		lo_printf("  %s gave %s, expected %s\n", name, lo_status_name(got), lo_status_name(want));
	}
	utest_report(name, ok);
}

/* A tiny file server thread per connection, serving it with given rights
 * until the client closes it. */
struct file_conn {
	lo_channel_t end;
	uint32_t rights;
	lo_thread_t thread;
	int eventhook;     /* serves the eventhook protocol instead */
	int driver;        /* serves the driver protocol instead */
};
static struct file_conn file_conns[32];
static uint32_t next_file_conn;

static void serve_file(void *arg)
{
	struct file_conn *fc = arg;
	static const struct lo_file_server nothing = { 0 };
	static const struct lo_eventhook_server no_hooks = { 0 };
	static const struct lo_driver_server no_driver = { 0 };
	for (;;) {
		uint32_t observed = 0;
		if (lo_handle_wait_one(lo_channel_handle(fc->end), LO_SIG_CHANNEL_READABLE |
				       LO_SIG_CHANNEL_PEER_CLOSED, UINT64_MAX, &observed) != LO_OK)
			break;
		status_t st = fc->eventhook ? lo_eventhook_serve_one(fc->end, &no_hooks, NULL, fc->rights)
			    : fc->driver ? lo_driver_serve_one(fc->end, &no_driver, NULL, fc->rights)
					 : lo_file_serve_one(fc->end, &nothing, NULL, fc->rights);
		if (st != LO_OK && st != LO_ERR_SHOULD_WAIT)
			break;
	}
	reg_close(fc->end);
}

status_t negproto_connect(const char *protocol, uint32_t rights, lo_channel_t *ch)
{
	if (!lo_strcmp(protocol, "registry"))
		return lo_registry_connect_as(&host, root, rights, NULL, ch);
	if (!lo_strcmp(protocol, "file") || !lo_strcmp(protocol, "eventhook") ||
	    !lo_strcmp(protocol, "driver")) {
		if (next_file_conn >= sizeof(file_conns) / sizeof(file_conns[0]))
			return LO_ERR_NO_RESOURCES;
		struct file_conn *fc = &file_conns[next_file_conn++];
		fc->rights = rights;
		fc->eventhook = !lo_strcmp(protocol, "eventhook");
		fc->driver = !lo_strcmp(protocol, "driver");
		status_t st = lo_channel_create(lo_job_self(), &fc->end, ch);
		if (st == LO_OK)
			st = lo_thread_run(serve_file, fc, "file", &fc->thread);
		if (st != LO_OK)
			next_file_conn--;
		return st;
	}
	return LO_ERR_NOT_SUPPORTED;
}

static void test_protocol_rights(void)
{
	if (!start())
		return;
	lo_registry_add(&host, root, "thing", reg_new_event(), LO_RIGHTS_ALL);
	proto_reported = proto_failures = 0;
	next_file_conn = 0;
	int failed = negative_protocols_run();
	CHECK(failed == proto_failures);
	CHECK(proto_reported == negative_protocols_count());
	CHECK(proto_reported > 0);
	CHECK(proto_failures == 0);
	/* Each file server ends when its client closes the connection. */
	for (uint32_t i = 0; i < next_file_conn; i++)
		CHECK_ST(lo_thread_join(file_conns[i].thread, lo_deadline_after_ms(2000)), LO_OK);
	finish();
}

/* A read-only connection cannot bind, unbind, link, make a registry or
 * mount; each refusal is in the host's denial ring. */
static void test_readonly_denied(void)
{
	if (!start())
		return;
	lo_registry_add(&host, root, "x", reg_new_event(), LO_RIGHTS_ALL);
	lo_channel_t ro;
	CHECK_ST(lo_registry_connect_as(&host, root, LO_REGISTRY_RIGHT_ENUMERATE | LO_REGISTRY_RIGHT_OPEN,
					NULL, &ro), LO_OK);
	uint32_t before = host.denial_total;
	CHECK_ST(reg_bind(ro, "y", reg_new_event(), LO_RIGHTS_ALL), LO_ERR_ACCESS_DENIED);
	CHECK_ST(reg_unbind(ro, "x"), LO_ERR_ACCESS_DENIED);
	int32_t status = LO_OK;
	CHECK_ST(lo_registry_link(ro, "l", 1, "x", 1, &status), LO_OK);
	CHECK_ST(status, LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_registry_make_registry(ro, "r", 1, &status), LO_OK);
	CHECK_ST(status, LO_ERR_ACCESS_DENIED);
	CHECK(host.denial_total == before + 4);
	/* Reading is allowed, and the ring says what was refused. */
	CHECK_ST(list0(ro, ""), LO_OK);
	uint32_t ordinal, missing, client, total;
	CHECK_ST(lo_registry_denial(ro, 0, &status, &ordinal, &missing, &client, &total), LO_OK);
	CHECK_ST(status, LO_OK);
	CHECK(ordinal == LO_REGISTRY_BIND && missing == LO_REGISTRY_RIGHT_MODIFY);
	CHECK(total == before + 4);
	/* The object is still there, unbound by nobody. */
	lo_handle_t h;
	CHECK_ST(lo_resolve_path(ro, "x", LO_RIGHT_INSPECT, &h), LO_OK);
	lo_handle_close(h);
	reg_close(ro);
	finish();
}

/* Opening a nested registry gives at most the parent connection's rights,
 * and at most what was asked; objects keep WRITE only with WRITABLE. */
static void test_open_attenuates(void)
{
	if (!start())
		return;
	struct lo_registry *sub = lo_registry_create(&host, "sub");
	lo_registry_add_registry(&host, root, "sub", sub);
	lo_registry_release(&host, sub);
	lo_sysvar_t v;
	CHECK_ST(lo_sysvar_create(lo_job_self(), LO_SYSVAR_STRING, &v), LO_OK);
	lo_registry_add(&host, sub, "var", lo_sysvar_handle(v), LO_RIGHTS_ALL);
	lo_channel_t ro, full;
	CHECK_ST(lo_registry_connect_as(&host, root, LO_REGISTRY_RIGHT_ENUMERATE | LO_REGISTRY_RIGHT_OPEN,
					NULL, &ro), LO_OK);
	CHECK_ST(lo_registry_connect(&host, root, &full), LO_OK);
	/* Asking for everything through a read-only connection: still read-only. */
	lo_handle_t h;
	CHECK_ST(lo_resolve_path_as(ro, "sub", LO_DEFAULT_RIGHTS_CHANNEL, LO_REGISTRY_RIGHTS_ALL, &h), LO_OK);
	lo_channel_t nested = lo_channel_from(h);
	CHECK_ST(reg_bind(nested, "y", reg_new_event(), LO_RIGHTS_ALL), LO_ERR_ACCESS_DENIED);
	CHECK_ST(reg_unbind(nested, "var"), LO_ERR_ACCESS_DENIED);
	/* No WRITABLE: the sysvar comes without WRITE, whatever is asked. */
	CHECK_ST(lo_resolve_path(nested, "var", LO_RIGHT_READ | LO_RIGHT_WRITE, &h), LO_OK);
	CHECK_ST(lo_sysvar_set_string(lo_sysvar_from(h), "no", 2), LO_ERR_ACCESS_DENIED);
	lo_handle_close(h);
	reg_close(nested);
	/* A full connection asking for less gets less. */
	CHECK_ST(lo_resolve_path_as(full, "sub", LO_DEFAULT_RIGHTS_CHANNEL, LO_REGISTRY_RIGHT_OPEN, &h), LO_OK);
	nested = lo_channel_from(h);
	CHECK_ST(list0(nested, ""), LO_ERR_ACCESS_DENIED);
	CHECK_ST(reg_bind(nested, "y", reg_new_event(), LO_RIGHTS_ALL), LO_ERR_ACCESS_DENIED);
	reg_close(nested);
	/* And a full one, asking for all, may edit and write. */
	CHECK_ST(lo_resolve_path(full, "sub", LO_DEFAULT_RIGHTS_CHANNEL, &h), LO_OK);
	nested = lo_channel_from(h);
	CHECK_ST(reg_bind(nested, "y", reg_new_event(), LO_RIGHTS_ALL), LO_OK);
	CHECK_ST(lo_resolve_path(nested, "var", LO_RIGHT_READ | LO_RIGHT_WRITE, &h), LO_OK);
	CHECK_ST(lo_sysvar_set_string(lo_sysvar_from(h), "ok", 2), LO_OK);
	lo_handle_close(h);
	reg_close(nested);
	reg_close(ro);
	reg_close(full);
	finish();
}

/* An entry that grants less limits edits walked through it, and a subtree
 * grant gives a connection more in one registry than elsewhere. */
static void test_subtree_rights(void)
{
	if (!start())
		return;
	struct lo_registry *files = lo_registry_create(&host, "files");
	struct lo_registry *tmp = lo_registry_create(&host, "tmp");
	lo_registry_add_registry_as(&host, root, "files", files,
				    LO_REGISTRY_RIGHT_ENUMERATE | LO_REGISTRY_RIGHT_OPEN);
	lo_registry_add_registry(&host, files, "tmp", tmp);
	lo_channel_t conn;
	struct lo_registry_subgrant sub[] = {
		{ tmp, LO_REGISTRY_RIGHTS_ALL }, { NULL, 0 },
	};
	CHECK_ST(lo_registry_connect_as(&host, root, LO_REGISTRY_RIGHTS_ALL & ~LO_REGISTRY_RIGHT_WRITABLE,
					sub, &conn), LO_OK);
	lo_registry_release(&host, tmp);
	lo_registry_release(&host, files);
	/* Through the read-only entry: refused, by the walk this time. */
	uint32_t before = host.denial_total;
	CHECK_ST(reg_bind(conn, "files/x", reg_new_event(), LO_RIGHTS_ALL), LO_ERR_ACCESS_DENIED);
	CHECK(host.denial_total == before + 1);
	/* files: read-only; its tmp: the grant's rights. */
	lo_handle_t h;
	CHECK_ST(lo_resolve_path(conn, "files", LO_DEFAULT_RIGHTS_CHANNEL, &h), LO_OK);
	lo_channel_t f = lo_channel_from(h);
	CHECK_ST(reg_bind(f, "x", reg_new_event(), LO_RIGHTS_ALL), LO_ERR_ACCESS_DENIED);
	CHECK_ST(reg_bind(f, "tmp/x", reg_new_event(), LO_RIGHTS_ALL), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_resolve_path(f, "tmp", LO_DEFAULT_RIGHTS_CHANNEL, &h), LO_OK);
	lo_channel_t t = lo_channel_from(h);
	CHECK_ST(reg_bind(t, "x", reg_new_event(), LO_RIGHTS_ALL), LO_OK);
	CHECK_ST(reg_unbind(t, "x"), LO_OK);
	reg_close(t);
	/* Asking for less cuts the subtree grant too. */
	CHECK_ST(lo_resolve_path_as(f, "tmp", LO_DEFAULT_RIGHTS_CHANNEL, LO_REGISTRY_RIGHT_OPEN, &h), LO_OK);
	t = lo_channel_from(h);
	CHECK_ST(reg_bind(t, "x", reg_new_event(), LO_RIGHTS_ALL), LO_ERR_ACCESS_DENIED);
	reg_close(t);
	reg_close(f);
	reg_close(conn);
	finish();
}

/* --- mounts across processes --- */

/* A new connection to what `conn` names, to hand to a mount. */
static lo_channel_t reopen(lo_channel_t conn)
{
	lo_handle_t h = LO_HANDLE_INVALID;
	CHECK_ST(lo_resolve_path(conn, "", LO_DEFAULT_RIGHTS_CHANNEL, &h), LO_OK);
	return lo_channel_from(h);
}

/* The suite resolves through a middle server into a leaf server mounted in
 * it; the mount keeps the leaf alive; the leaf ends when its last
 * connection (the mount's) goes. */
static void test_mount_across_processes(void)
{
	lo_process_t mid_p, leaf_p;
	lo_channel_t mid, leaf;
	if (!reg_spawn_server("regserve", &mid_p, &mid))
		return;
	if (!reg_spawn_server("regserve", &leaf_p, &leaf)) {
		reg_close(mid);
		CHECK(reg_ended(mid_p));
		return;
	}
	CHECK_ST(reg_mount(mid, "leaf", reopen(leaf)), LO_OK);
	reg_close(leaf);   /* only the mount refers to the leaf now */
	lo_handle_t h;
	CHECK_ST(lo_resolve_path(mid, "leaf/thing", LO_RIGHT_INSPECT, &h), LO_OK);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(h, &info), LO_OK);
	CHECK(info.type == LO_TYPE_EVENT);
	lo_handle_close(h);
	CHECK_ST(lo_resolve_path(mid, "leaf/nothing", LO_RIGHT_INSPECT, &h), LO_ERR_NOT_FOUND);
	/* A read-only connection to the middle gets a read-only leaf. */
	CHECK_ST(lo_resolve_path_as(mid, "leaf", LO_DEFAULT_RIGHTS_CHANNEL,
				    LO_REGISTRY_RIGHT_OPEN | LO_REGISTRY_RIGHT_ENUMERATE, &h), LO_OK);
	lo_channel_t leaf_ro = lo_channel_from(h);
	CHECK_ST(list0(leaf_ro, ""), LO_OK);
	CHECK_ST(reg_unbind(leaf_ro, "thing"), LO_ERR_ACCESS_DENIED);
	reg_close(leaf_ro);
	/* Unbinding the mount lets the leaf go: it sees no connection left. */
	CHECK_ST(reg_unbind(mid, "leaf"), LO_OK);
	CHECK(reg_ended(leaf_p));
	reg_close(mid);
	CHECK(reg_ended(mid_p));
}

/* The mounted server dies while the middle waits for it: a clean error. */
static void test_mount_server_dies(void)
{
	lo_process_t mid_p, leaf_p;
	lo_channel_t mid, leaf;
	if (!reg_spawn_server("regserve", &mid_p, &mid))
		return;
	if (!reg_spawn_server("regdie", &leaf_p, &leaf)) {
		reg_close(mid);
		CHECK(reg_ended(mid_p));
		return;
	}
	CHECK_ST(reg_mount(mid, "leaf", leaf), LO_OK);
	lo_handle_t h;
	uint64_t t0 = lo_now();
	status_t st = lo_resolve_path(mid, "leaf/thing", LO_RIGHT_INSPECT, &h);
	CHECK_ST(st, LO_ERR_PEER_CLOSED);
	CHECK(lo_now() - t0 < LO_REGISTRY_MOUNT_WAIT);   /* told at once, not timed out */
	CHECK(reg_ended(leaf_p));
	/* Still serving. */
	CHECK_ST(lo_resolve_path(mid, "thing", LO_RIGHT_INSPECT, &h), LO_OK);
	lo_handle_close(h);
	reg_close(mid);
	CHECK(reg_ended(mid_p));
}

/* A mounts B mounts A: a lookup going round ends in LINK_LOOP. */
static void test_mount_loop(void)
{
	lo_process_t a_p, b_p;
	lo_channel_t a, b;
	if (!reg_spawn_server("regserve", &a_p, &a))
		return;
	if (!reg_spawn_server("regserve", &b_p, &b)) {
		reg_close(a);
		CHECK(reg_ended(a_p));
		return;
	}
	CHECK_ST(reg_mount(a, "b", reopen(b)), LO_OK);
	CHECK_ST(reg_mount(b, "a", reopen(a)), LO_OK);
	lo_handle_t h;
	CHECK_ST(lo_resolve_path(a, "b/a/thing", LO_RIGHT_INSPECT, &h), LO_OK);
	lo_handle_close(h);
	CHECK_ST(lo_resolve_path(a, "b/a/b/a/b/a/b/a/b/a/b/a/b/a/b/a/b/a/thing", LO_RIGHT_INSPECT, &h),
		 LO_ERR_LINK_LOOP);
	/* Break the cycle; both servers end. */
	CHECK_ST(reg_unbind(a, "b"), LO_OK);
	reg_close(b);
	CHECK(reg_ended(b_p));
	reg_close(a);
	CHECK(reg_ended(a_p));
}

static const struct utest regrights_tests[] = {
	{ "user.protocol_negative_rights", test_protocol_rights },
	{ "user.registry_readonly_denied", test_readonly_denied },
	{ "user.registry_open_attenuates", test_open_attenuates },
	{ "user.registry_subtree_rights", test_subtree_rights },
	{ "user.registry_mount_across_processes", test_mount_across_processes },
	{ "user.registry_mount_server_dies", test_mount_server_dies },
	{ "user.registry_mount_loop", test_mount_loop },
	{ 0, 0 },
};

UTEST_SUITE(regrights_tests);
