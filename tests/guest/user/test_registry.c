/* Registries: resolution through nested registries and links, loops,
 * rights attenuation, lifetime of a registry another one refers to. The
 * server runs in a second thread of this process. */
#include "lightos/startup.h"
#include "utest.h"
#include "reg_support.h"
#include "registry_fixture.h"

static void test_resolve_nested_and_links(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	CHECK_ST(reg_mkreg(f.conn, "a"), LO_OK);
	CHECK_ST(reg_mkreg(f.conn, "a/b"), LO_OK);
	uint64_t id = reg_bind_event(f.conn, "a/b/thing", LO_DEFAULT_RIGHTS_EVENT);
	lo_handle_t got;
	CHECK_ST(lo_resolve_path(f.conn, "/a/b/thing", LO_RIGHT_WAIT | LO_RIGHT_INSPECT, &got), LO_OK);
	CHECK(utest_object_id(got) == id);
	lo_handle_close(got);
	/* A nested registry comes back as a connection of its own. */
	lo_handle_t b;
	CHECK_ST(lo_resolve_path(f.conn, "a/b", LO_DEFAULT_RIGHTS_CHANNEL, &b), LO_OK);
	CHECK_ST(lo_resolve_path(lo_channel_from(b), "thing", LO_RIGHT_INSPECT, &got), LO_OK);
	CHECK(utest_object_id(got) == id);
	lo_handle_close(got);
	lo_handle_close(b);
	/* Links, relative to the registry that holds them. */
	CHECK_ST(reg_link(f.conn, "short", "a/b"), LO_OK);
	CHECK_ST(lo_resolve_path(f.conn, "short/thing", LO_RIGHT_INSPECT, &got), LO_OK);
	CHECK(utest_object_id(got) == id);
	lo_handle_close(got);
	/* Errors, precisely. */
	CHECK_ST(lo_resolve_path(f.conn, "a/missing", LO_RIGHT_INSPECT, &got), LO_ERR_NOT_FOUND);
	CHECK_ST(lo_resolve_path(f.conn, "a/b/thing/deeper", LO_RIGHT_INSPECT, &got), LO_ERR_NOT_A_REGISTRY);
	CHECK_ST(reg_bind(f.conn, "a/b/thing", reg_new_event(), LO_DEFAULT_RIGHTS_EVENT), LO_ERR_ALREADY_EXISTS);
	char longname[80];
	lo_memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK_ST(lo_resolve_path(f.conn, longname, LO_RIGHT_INSPECT, &got), LO_ERR_NAME_TOO_LONG);
	char longpath[300];
	lo_memset(longpath, 'y', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	CHECK_ST(lo_resolve_path(f.conn, longpath, LO_RIGHT_INSPECT, &got), LO_ERR_NAME_TOO_LONG);
	finish(&f);
}

static void test_link_loop(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	CHECK_ST(reg_link(f.conn, "ping", "pong"), LO_OK);
	CHECK_ST(reg_link(f.conn, "pong", "ping"), LO_OK);
	lo_handle_t got;
	CHECK_ST(lo_resolve_path(f.conn, "ping", LO_RIGHT_INSPECT, &got), LO_ERR_LINK_LOOP);
	CHECK_ST(reg_link(f.conn, "self", "self/x"), LO_OK);
	/* A link that grows the path each time: stopped by the hop limit. */
	CHECK_ST(lo_resolve_path(f.conn, "self", LO_RIGHT_INSPECT, &got), LO_ERR_LINK_LOOP);
	finish(&f);
}

static void test_rights_attenuate(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	/* The entry grants WAIT | INSPECT | TRANSFER only. */
	const uint32_t grant = LO_RIGHT_WAIT | LO_RIGHT_INSPECT | LO_RIGHT_TRANSFER;
	CHECK_ST(reg_bind(f.conn, "ev", reg_new_event(), grant), LO_OK);
	lo_handle_t got;
	CHECK_ST(lo_resolve_path(f.conn, "ev", LO_RIGHTS_ALL, &got), LO_OK);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(got, &info), LO_OK);
	CHECK(info.rights == grant);
	CHECK_ST(lo_handle_signal(got, 0, LO_SIG_EVENT_SIGNALED), LO_ERR_ACCESS_DENIED);
	lo_handle_close(got);
	/* Asking for less gives less. */
	CHECK_ST(lo_resolve_path(f.conn, "ev", LO_RIGHT_INSPECT, &got), LO_OK);
	CHECK_ST(lo_handle_info(got, &info), LO_OK);
	CHECK(info.rights == LO_RIGHT_INSPECT);
	lo_handle_close(got);
	/* An entry that may not travel cannot be opened at all. */
	CHECK_ST(reg_bind(f.conn, "stay", reg_new_event(), LO_RIGHT_WAIT | LO_RIGHT_INSPECT), LO_OK);
	CHECK_ST(lo_resolve_path(f.conn, "stay", LO_RIGHTS_ALL, &got), LO_ERR_ACCESS_DENIED);
	/* A handle without INSPECT cannot be bound: the server could not see
	 * its rights. */
	lo_handle_t original = reg_new_event();
	lo_handle_t blind = utest_dup(original, LO_RIGHT_TRANSFER | LO_RIGHT_WAIT);
	lo_handle_close(original);
	CHECK_ST(reg_bind(f.conn, "blind", blind, LO_RIGHTS_ALL), LO_ERR_ACCESS_DENIED);
	finish(&f);
}

static void test_nested_lifetime(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	uint32_t before = host.live_registries;
	CHECK_ST(reg_mkreg(f.conn, "inner"), LO_OK);
	CHECK(host.live_registries == before + 1);
	lo_handle_t inner;
	CHECK_ST(lo_resolve_path(f.conn, "inner", LO_DEFAULT_RIGHTS_CHANNEL, &inner), LO_OK);
	/* Unbound from its parent, it lives on through our connection. */
	int32_t status = LO_ERR_INTERNAL;
	CHECK_ST(lo_registry_unbind(f.conn, "inner", 5, &status), LO_OK);
	CHECK_ST(status, LO_OK);
	CHECK(host.live_registries == before + 1);
	CHECK_ST(reg_bind(lo_channel_from(inner), "x", reg_new_event(), LO_DEFAULT_RIGHTS_EVENT), LO_OK);
	uint32_t kind = 0, rights = 0, len = 0;
	char name[64];
	CHECK_ST(lo_registry_list(lo_channel_from(inner), "", 0, 0, &status, &kind, &rights, name,
				  sizeof(name), &len), LO_OK);
	CHECK(status == LO_OK && len == 1 && name[0] == 'x' && kind == LO_ENTRY_OBJECT);
	/* Its last connection closes: the host frees it and its entries. */
	lo_handle_close(inner);
	uint64_t until = lo_now() + 1000 * 1000000ull;
	while (host.live_registries != before && lo_now() < until)
		lo_system_null();
	CHECK(host.live_registries == before);
	finish(&f);
}

static void test_watch(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t watcher = utest_dup(lo_event_handle(e), LO_RIGHT_SIGNAL | LO_RIGHT_TRANSFER |
					LO_RIGHT_INSPECT);
	int32_t status = LO_ERR_INTERNAL;
	CHECK_ST(lo_registry_watch(f.conn, watcher, &status), LO_OK);
	CHECK_ST(status, LO_OK);
	uint32_t observed;
	CHECK_ST(lo_handle_wait_one(lo_event_handle(e), LO_SIG_EVENT_SIGNALED, 0, &observed),
		 LO_ERR_TIMED_OUT);
	CHECK_ST(reg_bind(f.conn, "news", reg_new_event(), LO_DEFAULT_RIGHTS_EVENT), LO_OK);
	CHECK_ST(lo_handle_wait_one(lo_event_handle(e), LO_SIG_EVENT_SIGNALED,
				    lo_deadline_after_ms(1000), &observed), LO_OK);
	/* A watcher handle without SIGNAL is refused by the protocol. */
	lo_handle_t mute = utest_dup(lo_event_handle(e), LO_RIGHT_TRANSFER | LO_RIGHT_INSPECT);
	CHECK_ST(lo_registry_watch(f.conn, mute, &status), LO_OK);
	CHECK_ST(status, LO_ERR_ACCESS_DENIED);
	finish(&f);
	lo_handle_close(lo_event_handle(e));
}

static void test_name_split(void)
{
	char reg[64];
	const char *path;
	CHECK_ST(lo_name_split("files:/etc/motd", reg, sizeof(reg), &path), LO_OK);
	CHECK(lo_strcmp(reg, "files") == 0 && lo_strcmp(path, "/etc/motd") == 0);
	CHECK_ST(lo_name_split("proc:12", reg, sizeof(reg), &path), LO_OK);
	CHECK_ST(lo_name_split("nocolon", reg, sizeof(reg), &path), LO_ERR_INVALID_ARGS);
	CHECK_ST(lo_name_split(":x", reg, sizeof(reg), &path), LO_ERR_INVALID_ARGS);
}

static const struct utest registry_tests[] = {
	{ "user.registry_nested_and_links", test_resolve_nested_and_links },
	{ "user.registry_link_loop", test_link_loop },
	{ "user.registry_rights_attenuate", test_rights_attenuate },
	{ "user.registry_nested_lifetime", test_nested_lifetime },
	{ "user.registry_watch", test_watch },
	{ "user.registry_name_split", test_name_split },
	{ 0, 0 },
};
UTEST_SUITE(registry_tests);
