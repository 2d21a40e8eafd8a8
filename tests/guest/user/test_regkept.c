/* Kept mounts (libos/registry_mounts.c, libos/registry_kept.c): a process
 * keeps the connection its own root referred it to at a mount and opens
 * there directly; the root's host revokes it when a registry or mount
 * entry goes or the connection closes, so a change still shows on the very
 * next open. The client is a child ("names") whose own root is a
 * connection to this file's host; the mounted server is another child
 * ("regserve", whose root holds "thing"). */
#include "lightos/startup.h"
#include "utest.h"
#include "reg_support.h"
#include "registry_fixture.h"
#include "names_msg.h"

struct names_child {
	lo_process_t p;
	lo_channel_t ch;
};

/* A "names" child whose own root is `root` (moves in). */
static int names_start(lo_handle_t root, struct names_child *c)
{
	lo_channel_t theirs;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &c->ch, &theirs), LO_OK))
		return 0;
	uint32_t log = 0;
	CHECK_ST(lo_handle_duplicate(lo_log_handle(lo_log), LO_DEFAULT_RIGHTS_LOG, &log), LO_OK);
	struct lo_give give[3] = { { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
				   { LO_STARTUP_ROOT_REGISTRY, root },
				   { LO_STARTUP_LOG, { log } } };
	const char *why = NULL;
	if (!CHECK_ST(lo_spawn_from_image(utest_image, "bin/names", "names", give, 3, &c->p, &why), LO_OK)) {
		lo_printf("  spawn names: %s\n", why ? why : "");
		reg_close(c->ch);
		return 0;
	}
	return 1;
}

/* The child opens `name` for `rights`; with kill_after_ms, on a thread it
 * kills that long after. */
static struct names_answer names_ask(struct names_child *c, const char *name, uint32_t rights,
				     uint32_t kill_after_ms, const char *during)
{
	struct names_ask ask;
	struct names_answer a = { LO_ERR_INTERNAL, LO_ERR_INTERNAL, 0, 0, 0 };
	lo_memset(&ask, 0, sizeof(ask));
	ask.rights = rights;
	ask.kill_after_ms = kill_after_ms;
	lo_memcpy(ask.during, during, lo_strlen(during));
	uint32_t n = (uint32_t)lo_strlen(name);
	lo_memcpy(ask.name, name, n);
	uint32_t observed;
	struct lo_channel_read_result got;
	uint32_t size = (uint32_t)(ask.name - (char *)&ask) + n;
	if (CHECK_ST(lo_channel_write(c->ch, &ask, size, NULL, 0), LO_OK) &&
	    CHECK_ST(lo_handle_wait_one(lo_channel_handle(c->ch), LO_SIG_CHANNEL_READABLE,
					lo_deadline_after_ms(5000), &observed), LO_OK))
		CHECK_ST(lo_channel_read(c->ch, &a, sizeof(a), NULL, 0, &got), LO_OK);
	return a;
}

static struct names_answer names_open(struct names_child *c, const char *name, uint32_t rights)
{
	return names_ask(c, name, rights, 0, "");
}

static void names_end(struct names_child *c)
{
	reg_close(c->ch);
	CHECK(reg_ended(c->p));
}

/* The fixture's root with files/m, a mount of a regserve child. *thing:
 * the id of the event it serves. */
static int mount_leaf(struct fixture *f, lo_process_t *leaf_p, uint64_t *thing)
{
	lo_channel_t leaf;
	if (!CHECK_ST(reg_mkreg(f->conn, "files"), LO_OK) || !reg_spawn_server("regserve", leaf_p, &leaf))
		return 0;
	if (!CHECK_ST(reg_mount(f->conn, "files/m", leaf), LO_OK))
		return 0;
	lo_handle_t h;
	if (!CHECK_ST(lo_resolve_path(f->conn, "files/m/thing", LO_RIGHT_INSPECT, &h), LO_OK))
		return 0;
	*thing = utest_object_id(h);
	lo_handle_close(h);
	return 1;
}

static lo_handle_t root_for_child(struct fixture *f)
{
	lo_channel_t c = { 0 };
	CHECK_ST(lo_registry_connect(&host, f->root, &c), LO_OK);
	return lo_channel_handle(c);
}

/* The fixture, regserve mounted at files/m, and a names child that kept
 * the mount at its first open. */
static int kept_regserve(struct fixture *f, lo_process_t *leaf_p, uint64_t *thing, struct names_child *c)
{
	return start(f) && mount_leaf(f, leaf_p, thing) && names_start(root_for_child(f), c) &&
	       CHECK(names_open(c, "files:/m/thing", LO_RIGHT_INSPECT).kept == 1);
}

/* Wait (at most 5 s) until the host has `want` kept referrals. */
static void wait_kept_live(uint32_t want)
{
	uint64_t deadline = lo_deadline_after_ms(5000);
	while (lo_registry_kept_live(&host) != want && lo_now() < deadline)
		utest_sleep_ms(1);
	CHECK(lo_registry_kept_live(&host) == want);
}

/* The second open goes to the mounted server alone: it works while the
 * root's host serves nobody. Unmounting takes the kept connection back:
 * the next open says NOT_FOUND, as the root does, and the leaf, which
 * nobody refers to any more, ends. */
static void test_kept_goes_direct(void)
{
	struct fixture f;
	lo_process_t leaf_p;
	uint64_t thing = 0;
	struct names_child c;
	if (!start(&f) || !mount_leaf(&f, &leaf_p, &thing) || !names_start(root_for_child(&f), &c))
		return;
	struct names_answer a = names_open(&c, "files:/m/thing", LO_RIGHT_INSPECT);
	CHECK(a.status == LO_OK && a.id == thing && a.kept == 1);
	CHECK(lo_registry_kept_live(&host) == 1);
	/* The host stops serving: a kept open still answers. */
	stop_serving = 1;
	CHECK_ST(lo_thread_join(f.server, lo_deadline_after_ms(5000)), LO_OK);
	a = names_open(&c, "files:/m/thing", LO_RIGHT_INSPECT);
	CHECK(a.status == LO_OK && a.id == thing && a.kept == 1);
	a = names_open(&c, "files:/m/nothing", LO_RIGHT_INSPECT);
	CHECK(a.status == LO_ERR_NOT_FOUND && a.kept == 1);
	stop_serving = 0;
	CHECK_ST(lo_thread_run(serve, NULL, "registry", &f.server), LO_OK);
	/* Unmounted: taken back at once. */
	CHECK_ST(reg_unbind(f.conn, "files/m"), LO_OK);
	CHECK(lo_registry_kept_live(&host) == 0);
	a = names_open(&c, "files:/m/thing", LO_RIGHT_INSPECT);
	CHECK(a.status == LO_ERR_NOT_FOUND && a.kept == 0);
	CHECK(reg_ended(leaf_p));
	names_end(&c);
	finish(&f);
}

/* A registry on the way replaced (not the mount itself): the kept path may
 * name something else now, so it is taken back too. */
static void test_kept_path_replaced(void)
{
	struct fixture f;
	lo_process_t leaf_p;
	uint64_t thing = 0;
	struct names_child c;
	if (!kept_regserve(&f, &leaf_p, &thing, &c))
		return;
	/* "files" moves to "old" (a link keeps the mount reachable there)
	 * and a new "files" holds an event called m/thing. */
	CHECK_ST(reg_mkreg(f.conn, "other"), LO_OK);
	CHECK_ST(reg_mkreg(f.conn, "other/m"), LO_OK);
	uint64_t fresh = reg_bind_event(f.conn, "other/m/thing", LO_DEFAULT_RIGHTS_EVENT);
	CHECK_ST(reg_unbind(f.conn, "files"), LO_OK);   /* the mount goes with it */
	CHECK_ST(reg_link(f.conn, "files", "other"), LO_OK);
	struct names_answer a = names_open(&c, "files:/m/thing", LO_RIGHT_INSPECT);
	CHECK(a.status == LO_OK && a.id == fresh && a.kept == 0);
	CHECK(reg_ended(leaf_p));
	names_end(&c);
	finish(&f);
}

/* The child's root revoked: nothing opens after it, kept or not. */
static void test_kept_root_revoked(void)
{
	struct fixture f;
	lo_process_t leaf_p;
	uint64_t thing = 0;
	struct names_child c;
	lo_revoker_t r;
	uint32_t granted = 0;
	if (!start(&f) || !mount_leaf(&f, &leaf_p, &thing))
		return;
	lo_handle_t root = root_for_child(&f);
	CHECK_ST(lo_revoker_create(lo_job_self(), &r), LO_OK);
	CHECK_ST(lo_revoker_grant(r, root, LO_DEFAULT_RIGHTS_CHANNEL, &granted), LO_OK);
	lo_handle_close(root);
	if (!names_start((lo_handle_t){ granted }, &c))
		return;
	CHECK(names_open(&c, "files:/m/thing", LO_RIGHT_INSPECT).kept == 1);
	CHECK_ST(lo_revoker_revoke(r), LO_OK);
	struct names_answer a = names_open(&c, "files:/m/thing", LO_RIGHT_INSPECT);
	CHECK_ST(a.status, LO_ERR_REVOKED);
	names_end(&c);   /* its connection closes: the host takes the referral back */
	wait_kept_live(0);
	lo_handle_close(lo_revoker_handle(r));
	CHECK_ST(reg_unbind(f.conn, "files/m"), LO_OK);
	CHECK(reg_ended(leaf_p));
	finish(&f);
}

/* The mounted server gone: the kept connection fails, it is dropped, and
 * the open goes the root's way, with the root's answer. */
static void test_kept_server_gone(void)
{
	struct fixture f;
	lo_process_t leaf_p;
	uint64_t thing = 0;
	struct names_child c;
	if (!kept_regserve(&f, &leaf_p, &thing, &c))
		return;
	CHECK_ST(lo_process_kill(leaf_p), LO_OK);
	CHECK(reg_ended(leaf_p));
	struct names_answer a = names_open(&c, "files:/m/thing", LO_RIGHT_INSPECT);
	CHECK_ST(a.status, LO_ERR_PEER_CLOSED);
	CHECK(a.kept == 0);
	names_end(&c);
	finish(&f);
}

/* A kept connection has the rights a referral carries: through a root
 * connection without WRITABLE, WRITE is never granted, on the first open
 * (referred) or the next (kept), as the forwarded open does. */
static void test_kept_rights(void)
{
	struct fixture f;
	lo_process_t leaf_p;
	uint64_t thing = 0;
	struct names_child c;
	if (!start(&f) || !mount_leaf(&f, &leaf_p, &thing))
		return;
	uint32_t ro = LO_REGISTRY_RIGHTS_ALL & ~LO_REGISTRY_RIGHT_WRITABLE;
	lo_channel_t mine, theirs;
	CHECK_ST(lo_registry_connect_as(&host, f.root, ro, NULL, &mine), LO_OK);
	CHECK_ST(lo_registry_connect_as(&host, f.root, ro, NULL, &theirs), LO_OK);
	if (!names_start(lo_channel_handle(theirs), &c))
		return;
	uint32_t ask = LO_RIGHT_INSPECT | LO_RIGHT_WRITE | LO_RIGHT_SIGNAL;
	lo_handle_t h;
	CHECK_ST(lo_resolve_name_in(mine, "files:/m/thing", ask, &h), LO_OK);   /* forwarded */
	uint32_t forwarded = reg_rights_of(h);
	lo_handle_close(h);
	CHECK(!(forwarded & LO_RIGHT_WRITE) && (forwarded & LO_RIGHT_SIGNAL));
	struct names_answer a = names_open(&c, "files:/m/thing", ask);
	CHECK(a.status == LO_OK && a.kept == 1 && a.rights == forwarded);
	a = names_open(&c, "files:/m/thing", ask);
	CHECK(a.status == LO_OK && a.kept == 1 && a.rights == forwarded);
	names_end(&c);
	reg_close(mine);
	CHECK_ST(reg_unbind(f.conn, "files/m"), LO_OK);
	CHECK(reg_ended(leaf_p));
	finish(&f);
}

/* A leaf served by a host of this process: "thing" (an event) and "hang",
 * a service whose open waits until `leaf_release` (at most 5 s). */
static struct lo_registry_host leaf_host;
static volatile int leaf_stop, leaf_release, leaf_hanging;
static lo_channel_t unbind_on_hang;   /* set: leaf_hang unbinds files/m there first */

static void leaf_serve(void *arg)
{
	(void)arg;
	while (!leaf_stop)
		lo_registry_host_serve(&leaf_host, lo_deadline_after_ms(20));
}

static status_t leaf_hang(void *arg, void *cookie, uint32_t rights, lo_handle_t *out)
{
	(void)arg;
	(void)cookie;
	(void)rights;
	(void)out;
	leaf_hanging = 1;
	if (unbind_on_hang.value)
		CHECK_ST(reg_unbind(unbind_on_hang, "files/m"), LO_OK);
	uint64_t deadline = lo_deadline_after_ms(5000);
	while (!leaf_release && lo_now() < deadline)
		utest_sleep_ms(1);
	return LO_ERR_NOT_FOUND;
}

struct leaf {
	struct lo_registry *root;
	lo_thread_t thread;
};

/* The leaf, served on a thread of this process, mounted at files/m. */
static int leaf_start(struct fixture *f, struct leaf *l)
{
	if (!CHECK_ST(lo_registry_host_init(&leaf_host), LO_OK))
		return 0;
	l->root = lo_registry_create(&leaf_host, "leaf");
	leaf_host.open_service = leaf_hang;
	leaf_stop = leaf_release = leaf_hanging = 0;
	unbind_on_hang.value = 0;
	lo_channel_t leaf;
	CHECK_ST(lo_registry_add(&leaf_host, l->root, "thing", reg_new_event(), LO_DEFAULT_RIGHTS_EVENT),
		 LO_OK);
	CHECK_ST(lo_registry_add_service(&leaf_host, l->root, "hang", LO_RIGHT_READ, (void *)&leaf_hanging),
		 LO_OK);   /* the cookie: any non-NULL */
	CHECK_ST(lo_registry_connect(&leaf_host, l->root, &leaf), LO_OK);
	CHECK_ST(reg_mkreg(f->conn, "files"), LO_OK);
	CHECK_ST(reg_mount(f->conn, "files/m", leaf), LO_OK);
	return CHECK_ST(lo_thread_run(leaf_serve, NULL, "leaf", &l->thread), LO_OK);
}

/* Once nobody refers to the leaf any more: it sees no connection left. */
static void leaf_finish(struct leaf *l)
{
	uint64_t deadline = lo_deadline_after_ms(5000);
	while (lo_registry_host_connections(&leaf_host) && lo_now() < deadline)
		utest_sleep_ms(1);
	CHECK(lo_registry_host_connections(&leaf_host) == 0);
	leaf_stop = 1;
	CHECK_ST(lo_thread_join(l->thread, lo_deadline_after_ms(5000)), LO_OK);
	lo_registry_host_shutdown(&leaf_host);
	lo_registry_release(&leaf_host, l->root);
	CHECK(leaf_host.live_registries == 0);
}

/* The fixture, the leaf at files/m, and a names child that kept the mount
 * at its first open. */
static int kept_leaf(struct fixture *f, struct leaf *l, struct names_child *c)
{
	return start(f) && leaf_start(f, l) && names_start(root_for_child(f), c) &&
	       CHECK(names_open(c, "files:/m/thing", LO_RIGHT_INSPECT).kept == 1);
}

/* A thread killed in the middle of a kept open (the leaf holds its request):
 * its use of the kept connection is given up, so the connection still
 * closes once it is taken back, and the leaf sees no connection left. */
static void test_kept_open_killed(void)
{
	struct fixture f;
	struct names_child c;
	struct leaf l;
	if (!kept_leaf(&f, &l, &c))
		return;
	struct names_answer a = names_ask(&c, "files:/m/hang", LO_RIGHT_READ, 100, "");
	CHECK_ST(a.status, LO_ERR_CANCELED);
	CHECK(leaf_hanging);
	CHECK(a.kept == 1);
	leaf_release = 1;
	/* The kept connection still serves; then the mount goes. */
	a = names_open(&c, "files:/m/thing", LO_RIGHT_INSPECT);
	CHECK(a.status == LO_OK && a.kept == 1);
	CHECK_ST(reg_unbind(f.conn, "files/m"), LO_OK);
	a = names_open(&c, "files:/m/thing", LO_RIGHT_INSPECT);
	CHECK(a.status == LO_ERR_NOT_FOUND && a.kept == 0);
	leaf_finish(&l);
	names_end(&c);
	finish(&f);
}

/* A mounted server that never answers: a kept open gives up after the
 * wait init gives a mounted server (TIMED_OUT, as the root's way would,
 * once), and drops the connection, on which the late answer would stay
 * queued; later opens go the root's way (init still holds the referral
 * it gave this client, so it forwards). */
static void test_kept_open_times_out(void)
{
	struct fixture f;
	struct names_child c;
	struct leaf l;
	if (!kept_leaf(&f, &l, &c))
		return;
	uint64_t t0 = lo_now();
	struct names_answer a = names_open(&c, "files:/m/hang", LO_RIGHT_READ);
	uint64_t waited = lo_now() - t0;
	CHECK_ST(a.status, LO_ERR_TIMED_OUT);
	CHECK(leaf_hanging && a.kept == 0);
	CHECK(waited >= LO_REGISTRY_MOUNT_WAIT - 10 * 1000 * 1000 && waited < 2 * LO_REGISTRY_MOUNT_WAIT);
	leaf_release = 1;
	a = names_open(&c, "files:/m/thing", LO_RIGHT_INSPECT);
	CHECK(a.status == LO_OK && a.kept == 0);
	CHECK_ST(reg_unbind(f.conn, "files/m"), LO_OK);
	names_end(&c);   /* its kept connection, revoked, closes as it ends */
	leaf_finish(&l);
	finish(&f);
}

/* Taken back while a thread is in the middle of a kept open there (the
 * leaf holds the request and unbinds the mount meanwhile): the revoke wakes
 * the thread at once, its open goes the root's way (NOT_FOUND now), and
 * the connection, dropped, closes: the leaf ends with none. */
static void test_kept_revoked_mid_open(void)
{
	struct fixture f;
	struct names_child c;
	struct leaf l;
	if (!kept_leaf(&f, &l, &c))
		return;
	unbind_on_hang = f.conn;
	struct names_answer a = names_ask(&c, "files:/m/hang", LO_RIGHT_READ, 2000, "files:/m/thing");
	CHECK_ST(a.status, LO_ERR_NOT_FOUND);   /* ended by itself, well before the kill */
	CHECK_ST(a.during, LO_ERR_NOT_FOUND);
	CHECK(leaf_hanging && a.kept == 0);
	leaf_release = 1;
	leaf_finish(&l);
	names_end(&c);
	finish(&f);
}

static status_t resolve_keep(lo_channel_t conn, uint32_t flags, uint32_t *kind, uint32_t *kept,
			     lo_handle_t *h)
{
	int32_t status = 0;
	uint32_t consumed = 0, granted = 0, exact = 0;
	*h = LO_HANDLE_INVALID;
	status_t st = lo_registry_resolve(conn, LO_RIGHT_INSPECT, LO_REGISTRY_RIGHTS_ALL, flags,
					  "files/m/thing", 13, &status, kind, &consumed, &granted,
					  &exact, kept, h);
	return st != LO_OK ? st : status;
}

/* The host's side: at most LO_REGISTRY_MOUNT_KEPT referrals a mount, one
 * per client and mount (asking again is forwarded), none
 * without OPEN at the mount, a closed connection's are taken back, and
 * only an entry on a referral's own path going takes it back. */
static void test_kept_bounds(void)
{
	struct fixture f;
	lo_process_t leaf_p;
	uint64_t thing = 0;
	if (!start(&f) || !mount_leaf(&f, &leaf_p, &thing))
		return;
	lo_channel_t conn[LO_REGISTRY_MOUNT_KEPT + 1];
	lo_handle_t ref[LO_REGISTRY_MOUNT_KEPT + 1];
	uint32_t kind = 0, kept = 0;
	for (int i = 0; i <= LO_REGISTRY_MOUNT_KEPT; i++) {
		CHECK_ST(lo_registry_connect(&host, f.root, &conn[i]), LO_OK);
		CHECK_ST(resolve_keep(conn[i], LO_RESOLVE_KEEP, &kind, &kept, &ref[i]), LO_OK);
		if (i < LO_REGISTRY_MOUNT_KEPT)
			CHECK(kind == LO_ENTRY_REGISTRY && kept == 1);
		else   /* no room: forwarded, as without the flag */
			CHECK(kind == LO_ENTRY_OBJECT && kept == 0 && utest_object_id(ref[i]) == thing);
	}
	CHECK(lo_registry_kept_live(&host) == LO_REGISTRY_MOUNT_KEPT);
	/* The same connection asks again (another of its threads): forwarded,
	 * and the referral it has keeps working. */
	lo_handle_t again, h;
	CHECK_ST(resolve_keep(conn[0], LO_RESOLVE_KEEP, &kind, &kept, &again), LO_OK);
	CHECK(kind == LO_ENTRY_OBJECT && kept == 0 && utest_object_id(again) == thing);
	lo_handle_close(again);
	CHECK_ST(lo_resolve_path(lo_channel_from(ref[0]), "thing", LO_RIGHT_INSPECT, &h), LO_OK);
	lo_handle_close(h);
	CHECK(lo_registry_kept_live(&host) == LO_REGISTRY_MOUNT_KEPT);
	/* Another connection of the same client (opened through conn[2]):
	 * that client has one there already, so it is forwarded. */
	CHECK_ST(lo_resolve_path(conn[2], "", LO_DEFAULT_RIGHTS_CHANNEL, &h), LO_OK);
	lo_channel_t same_client = lo_channel_from(h);
	CHECK_ST(resolve_keep(same_client, LO_RESOLVE_KEEP, &kind, &kept, &again), LO_OK);
	CHECK(kind == LO_ENTRY_OBJECT && kept == 0 && utest_object_id(again) == thing);
	lo_handle_close(again);
	reg_close(same_client);
	/* A connection closed: its referral is taken back. */
	reg_close(conn[1]);
	wait_kept_live(LO_REGISTRY_MOUNT_KEPT - 1);
	CHECK_ST(lo_resolve_path(lo_channel_from(ref[1]), "thing", LO_RIGHT_INSPECT, &h), LO_ERR_REVOKED);
	/* Nobody else's: another connection's, and a registry off the path
	 * made and removed, take nothing back (every program's exit frees its
	 * own root registry in init). */
	CHECK_ST(reg_mkreg(f.conn, "elsewhere"), LO_OK);
	CHECK_ST(reg_mkreg(f.conn, "files/beside"), LO_OK);
	CHECK_ST(reg_unbind(f.conn, "files/beside"), LO_OK);
	CHECK_ST(reg_unbind(f.conn, "elsewhere"), LO_OK);
	CHECK(lo_registry_kept_live(&host) == LO_REGISTRY_MOUNT_KEPT - 1);
	CHECK_ST(lo_resolve_path(lo_channel_from(ref[2]), "thing", LO_RIGHT_INSPECT, &h), LO_OK);
	lo_handle_close(h);
	/* Without OPEN at the mount: nothing kept (and nothing opened). */
	lo_channel_t closed;
	CHECK_ST(lo_registry_connect_as(&host, f.root, LO_REGISTRY_RIGHTS_ALL & ~LO_REGISTRY_RIGHT_OPEN,
					NULL, &closed), LO_OK);
	status_t st = resolve_keep(closed, LO_RESOLVE_KEEP, &kind, &kept, &h);
	CHECK(st != LO_OK && kept == 0 && !h.value);
	reg_close(closed);
	/* A flag nobody knows is refused. */
	CHECK_ST(resolve_keep(conn[2], 4, &kind, &kept, &h), LO_ERR_INVALID_ARGS);
	for (int i = 0; i <= LO_REGISTRY_MOUNT_KEPT; i++) {
		lo_handle_close(ref[i]);
		if (i != 1)
			reg_close(conn[i]);
	}
	CHECK_ST(reg_unbind(f.conn, "files/m"), LO_OK);
	CHECK(lo_registry_kept_live(&host) == 0);
	CHECK(reg_ended(leaf_p));
	finish(&f);
}

static const struct utest regkept_tests[] = {
	{ "user.regkept_goes_direct", test_kept_goes_direct },
	{ "user.regkept_path_replaced", test_kept_path_replaced },
	{ "user.regkept_root_revoked", test_kept_root_revoked },
	{ "user.regkept_server_gone", test_kept_server_gone },
	{ "user.regkept_rights", test_kept_rights },
	{ "user.regkept_open_killed", test_kept_open_killed },
	{ "user.regkept_revoked_mid_open", test_kept_revoked_mid_open },
	{ "user.regkept_open_times_out", test_kept_open_times_out },
	{ "user.regkept_bounds", test_kept_bounds },
	{ 0, 0 },
};
UTEST_SUITE(regkept_tests);
