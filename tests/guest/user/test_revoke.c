/* Revocation (idl/revoker.idl, cap/revoke.c): a revoked grant stops in
 * every holder at once - a thread blocked in a wait on it, a copy in a
 * channel message, a copy another process made - and racing a duplicate
 * cannot outlive it. */
#include "utest.h"
#include "lightos/thread.h"
#include "registry_fixture.h"

#define EV_SIGNAL (1u << 24)

struct grant {
	lo_event_t event;
	lo_revoker_t revoker;
	lo_handle_t granted;
};

/* A new revoker *r and its grant of h with `rights` (invalid if refused). */
static lo_handle_t grant_through(lo_revoker_t *r, lo_handle_t h, uint32_t rights)
{
	uint32_t v = 0;
	if (CHECK_ST(lo_revoker_create(lo_job_self(), r), LO_OK))
		CHECK_ST(lo_revoker_grant(*r, h, rights, &v), LO_OK);
	return (lo_handle_t){ v };
}

/* An event, and a revocable grant of it with the event's default rights. */
static int make_grant(struct grant *g)
{
	if (!CHECK_ST(lo_event_create(lo_job_self(), &g->event), LO_OK))
		return 0;
	g->granted = grant_through(&g->revoker, lo_event_handle(g->event), LO_DEFAULT_RIGHTS_EVENT);
	return g->granted.value != 0;
}

static void end_grant(struct grant *g)
{
	lo_handle_close(g->granted);
	lo_handle_close(lo_revoker_handle(g->revoker));
	lo_handle_close(lo_event_handle(g->event));
}

/* The flags process_list_handles reports for handle h of ours. */
static uint32_t handle_flags(lo_handle_t h)
{
	struct lo_handle_entry e[64];
	uint32_t actual = 0, next = 0, start = 0;
	do {
		if (lo_process_list_handles(lo_self, e, 64, start, &actual, &next) != LO_OK)
			return 0xffffffffu;
		for (uint32_t i = 0; i < actual; i++) {
			if (e[i].handle == h.value)
				return e[i].flags;
		}
		start = next;
	} while (next);
	return 0xffffffffu;
}

static void test_grant_works_until_revoked(void)
{
	struct grant g;
	if (!make_grant(&g))
		return;
	CHECK_ST(lo_handle_signal(g.granted, 0, EV_SIGNAL), LO_OK);
	CHECK(handle_flags(g.granted) == LO_HANDLE_REVOCABLE);
	CHECK(handle_flags(lo_event_handle(g.event)) == 0);
	CHECK_ST(lo_revoker_revoke(g.revoker), LO_OK);
	CHECK_ST(lo_handle_signal(g.granted, 0, EV_SIGNAL), LO_ERR_REVOKED);
	CHECK(handle_flags(g.granted) == (LO_HANDLE_REVOCABLE | LO_HANDLE_REVOKED));
	uint32_t dup;
	CHECK_ST(lo_handle_duplicate(g.granted, LO_RIGHT_SIGNAL, &dup), LO_ERR_REVOKED);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(g.granted, &info), LO_ERR_REVOKED);
	/* The grantor's own handle is untouched; the revoker says it revoked. */
	CHECK_ST(lo_handle_signal(lo_event_handle(g.event), 0, EV_SIGNAL), LO_OK);
	uint32_t observed = 0;
	CHECK_ST(lo_handle_wait_one(lo_revoker_handle(g.revoker), LO_SIG_REVOKER_REVOKED, 0,
				    &observed), LO_OK);
	CHECK_ST(lo_revoker_revoke(g.revoker), LO_OK);   /* twice: harmless */
	/* A revoked revoker grants nothing more. */
	uint32_t v;
	CHECK_ST(lo_revoker_grant(g.revoker, lo_event_handle(g.event), LO_RIGHT_WAIT, &v),
		 LO_ERR_BAD_STATE);
	CHECK_ST(lo_handle_close(g.granted), LO_OK);   /* closing still works */
	g.granted = LO_HANDLE_INVALID;
	end_grant(&g);
}

struct blocked {
	lo_handle_t h;
	status_t st;
};

static void wait_on_grant(void *arg)
{
	struct blocked *b = arg;
	uint32_t observed;
	b->st = lo_handle_wait_one(b->h, EV_SIGNAL, lo_deadline_after_ms(3000), &observed);
}

/* The wait's reference shows in the object's refcount once it is inside. */
static uint32_t refcount_of(lo_handle_t h)
{
	struct lo_object_info info;
	return lo_handle_info(h, &info) == LO_OK ? info.refcount : 0;
}

static void test_revoke_ends_blocked_wait(void)
{
	struct grant g;
	if (!make_grant(&g))
		return;
	struct blocked b = { g.granted, LO_ERR_INTERNAL };
	uint32_t before = refcount_of(lo_event_handle(g.event));
	lo_thread_t t;
	if (!CHECK_ST(lo_thread_run(wait_on_grant, &b, "waiter", &t), LO_OK))
		return;
	for (int i = 0; i < 2000 && refcount_of(lo_event_handle(g.event)) == before; i++)
		utest_sleep_ms(1);
	CHECK(refcount_of(lo_event_handle(g.event)) > before);
	uint64_t t0 = lo_now();
	CHECK_ST(lo_revoker_revoke(g.revoker), LO_OK);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(b.st, LO_ERR_CANCELED);
	/* Well before the wait's own 3 s deadline. */
	CHECK(lo_now() - t0 < 1000000000ull);
	uint32_t seen;
	CHECK_ST(lo_handle_wait_one(g.granted, EV_SIGNAL, 0, &seen), LO_ERR_REVOKED);
	end_grant(&g);
}

static void test_revoke_reaches_copy_in_channel(void)
{
	struct grant g;
	if (!make_grant(&g))
		return;
	lo_channel_t a, b;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK))
		return;
	uint32_t dup;
	CHECK_ST(lo_handle_duplicate(g.granted, LO_DEFAULT_RIGHTS_EVENT, &dup), LO_OK);
	lo_handle_t send[1] = { { dup } };
	CHECK_ST(lo_channel_write(a, "x", 1, send, 1), LO_OK);
	CHECK_ST(lo_revoker_revoke(g.revoker), LO_OK);   /* while it is in flight */
	lo_handle_t got[1] = { LO_HANDLE_INVALID };
	struct lo_channel_read_result r;
	char byte;
	CHECK_ST(lo_channel_read(b, &byte, 1, got, 1, &r), LO_OK);
	CHECK(r.handles == 1);
	CHECK_ST(lo_handle_signal(got[0], 0, EV_SIGNAL), LO_ERR_REVOKED);
	CHECK(handle_flags(got[0]) == (LO_HANDLE_REVOCABLE | LO_HANDLE_REVOKED));
	/* A revoked handle cannot travel on. */
	CHECK_ST(lo_channel_write(a, "y", 1, got, 1), LO_ERR_REVOKED);
	lo_handle_close(got[0]);
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(lo_channel_handle(b));
	end_grant(&g);
}

static void test_revoke_reaches_other_process(void)
{
	struct grant g;
	if (!make_grant(&g))
		return;
	lo_channel_t mine;
	lo_process_t child;
	if (!utest_spawn_talking("revoke-use", &mine, &child)) {
		end_grant(&g);
		return;
	}
	uint32_t dup, observed;
	CHECK_ST(lo_handle_duplicate(g.granted, LO_DEFAULT_RIGHTS_EVENT, &dup), LO_OK);
	lo_handle_t send[1] = { { dup } };
	CHECK_ST(lo_channel_write(mine, "h", 1, send, 1), LO_OK);
	char buf[8];
	status_t st[2];
	struct lo_channel_read_result r;
	/* "ready": it holds the copy and a duplicate it made itself. */
	CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
				    lo_deadline_after_ms(5000), &observed), LO_OK);
	CHECK_ST(lo_channel_read(mine, buf, sizeof(buf), NULL, 0, &r), LO_OK);
	/* Before: both work. */
	CHECK_ST(lo_channel_write(mine, "?", 1, NULL, 0), LO_OK);
	CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
				    lo_deadline_after_ms(5000), &observed), LO_OK);
	CHECK_ST(lo_channel_read(mine, st, sizeof(st), NULL, 0, &r), LO_OK);
	CHECK_ST(st[0], LO_OK);
	CHECK_ST(st[1], LO_OK);
	CHECK_ST(lo_revoker_revoke(g.revoker), LO_OK);
	/* After: neither does. */
	CHECK_ST(lo_channel_write(mine, "?", 1, NULL, 0), LO_OK);
	CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
				    lo_deadline_after_ms(5000), &observed), LO_OK);
	CHECK_ST(lo_channel_read(mine, st, sizeof(st), NULL, 0, &r), LO_OK);
	CHECK_ST(st[0], LO_ERR_REVOKED);
	CHECK_ST(st[1], LO_ERR_REVOKED);
	lo_handle_close(lo_channel_handle(mine));
	struct lo_process_info info;
	CHECK(utest_wait_process(child, &info) && info.exit_code == 0);
	lo_handle_close(lo_process_handle(child));
	end_grant(&g);
}

/* A thread duplicates the grant over and over while it is revoked: every
 * duplicate it made works until the revoke and none after. */
struct dupper {
	lo_handle_t from;
	volatile int revoked;
	int ok_after;
	int made;
	uint32_t dups[64];
};

static void duplicate_loop(void *arg)
{
	struct dupper *d = arg;
	for (int i = 0; i < 4000; i++) {
		int was_revoked = __atomic_load_n(&d->revoked, __ATOMIC_ACQUIRE);
		uint32_t v;
		status_t st = lo_handle_duplicate(d->from, LO_RIGHT_SIGNAL | LO_RIGHT_DUPLICATE, &v);
		if (st == LO_OK) {
			if (was_revoked)
				d->ok_after++;
			if (d->made < 64)
				d->dups[d->made++] = v;
			else
				lo_handle_close((lo_handle_t){ v });
		} else if (st != LO_ERR_REVOKED) {
			d->ok_after += 1000;   /* any other answer is wrong too */
		}
	}
}

static void test_revoke_races_duplicate(void)
{
	struct grant g;
	if (!make_grant(&g))
		return;
	struct dupper d = { g.granted, 0, 0, 0, { 0 } };
	lo_thread_t t;
	if (!CHECK_ST(lo_thread_run(duplicate_loop, &d, "dupper", &t), LO_OK))
		return;
	utest_sleep_ms(2);
	CHECK_ST(lo_revoker_revoke(g.revoker), LO_OK);
	__atomic_store_n(&d.revoked, 1, __ATOMIC_RELEASE);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(10000)), LO_OK);
	CHECK(d.ok_after == 0);
	for (int i = 0; i < d.made; i++) {
		CHECK_ST(lo_handle_signal((lo_handle_t){ d.dups[i] }, 0, EV_SIGNAL), LO_ERR_REVOKED);
		lo_handle_close((lo_handle_t){ d.dups[i] });
	}
	end_grant(&g);
}

static void test_closing_revoker_revokes(void)
{
	struct grant g;
	if (!make_grant(&g))
		return;
	/* A duplicate of the revoker keeps it from revoking... */
	uint32_t second;
	CHECK_ST(lo_handle_duplicate(lo_revoker_handle(g.revoker), LO_RIGHT_INSPECT, &second), LO_OK);
	CHECK_ST(lo_handle_close(lo_revoker_handle(g.revoker)), LO_OK);
	CHECK_ST(lo_handle_signal(g.granted, 0, EV_SIGNAL), LO_OK);
	/* ... until the last handle to it goes. */
	CHECK_ST(lo_handle_close((lo_handle_t){ second }), LO_OK);
	CHECK_ST(lo_handle_signal(g.granted, 0, EV_SIGNAL), LO_ERR_REVOKED);
	g.revoker = (lo_revoker_t){ 0 };
	end_grant(&g);
}

/* A revoker can travel, even in a message on a channel whose end is one of
 * its grants: revoking from the receiving side works the same. */
static void test_revoker_sent_away(void)
{
	lo_channel_t a, b;
	lo_revoker_t r;
	uint32_t ga = 0;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK) ||
	    !(ga = grant_through(&r, lo_channel_handle(a), LO_DEFAULT_RIGHTS_CHANNEL).value))
		return;
	lo_handle_t send[1] = { lo_revoker_handle(r) };
	CHECK_ST(lo_channel_write((lo_channel_t){ ga }, "r", 1, send, 1), LO_OK);
	lo_handle_t got[1] = { LO_HANDLE_INVALID };
	struct lo_channel_read_result res;
	char byte;
	CHECK_ST(lo_channel_read(b, &byte, 1, got, 1, &res), LO_OK);
	CHECK_ST(lo_revoker_revoke(lo_revoker_from(got[0])), LO_OK);
	CHECK_ST(lo_channel_write((lo_channel_t){ ga }, "z", 1, NULL, 0), LO_ERR_REVOKED);
	CHECK_ST(lo_channel_write(a, "z", 1, NULL, 0), LO_OK);
	lo_handle_close(got[0]);
	lo_handle_close((lo_handle_t){ ga });
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(lo_channel_handle(b));
}

static void test_nested_grants(void)
{
	struct grant g;
	if (!make_grant(&g))
		return;
	/* A grant of the grant, as a holder might make for someone else. */
	lo_revoker_t inner;
	uint32_t v = 0;
	v = grant_through(&inner, g.granted, LO_RIGHT_SIGNAL | LO_RIGHT_DUPLICATE).value;
	/* One revoker, one object, one origin. */
	uint32_t x;
	CHECK_ST(lo_revoker_grant(inner, lo_event_handle(g.event), LO_RIGHT_SIGNAL, &x),
		 LO_ERR_INVALID_ARGS);
	lo_event_t other;
	CHECK_ST(lo_event_create(lo_job_self(), &other), LO_OK);
	CHECK_ST(lo_revoker_grant(g.revoker, lo_event_handle(other), LO_RIGHT_SIGNAL, &x),
		 LO_ERR_INVALID_ARGS);
	lo_handle_close(lo_event_handle(other));
	/* Rights only shrink. */
	CHECK_ST(lo_revoker_grant(inner, g.granted, LO_RIGHTS_ALL, &x), LO_ERR_INVALID_ARGS);
	CHECK_ST(lo_handle_signal((lo_handle_t){ v }, 0, EV_SIGNAL), LO_OK);
	CHECK_ST(lo_revoker_revoke(g.revoker), LO_OK);   /* the outer one */
	CHECK_ST(lo_handle_signal((lo_handle_t){ v }, 0, EV_SIGNAL), LO_ERR_REVOKED);
	lo_handle_close((lo_handle_t){ v });
	lo_handle_close(lo_revoker_handle(inner));
	end_grant(&g);
}

static void test_nesting_is_bounded(void)
{
	lo_event_t e;
	enum { DEPTH = (int)LO_REVOKER_MAX_DEPTH };
	lo_revoker_t r[DEPTH + 1];
	uint32_t h[DEPTH + 1];
	if (!CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK))
		return;
	lo_handle_t from = lo_event_handle(e);
	for (int i = 0; i <= DEPTH; i++) {
		CHECK_ST(lo_revoker_create(lo_job_self(), &r[i]), LO_OK);
		h[i] = 0;
		status_t st = lo_revoker_grant(r[i], from, LO_DEFAULT_RIGHTS_EVENT, &h[i]);
		CHECK_ST(st, i < DEPTH ? LO_OK : LO_ERR_NO_RESOURCES);
		from = (lo_handle_t){ h[i] };
	}
	/* Revoking the first reaches the deepest. */
	CHECK_ST(lo_revoker_revoke(r[0]), LO_OK);
	CHECK_ST(lo_handle_signal((lo_handle_t){ h[DEPTH - 1] }, 0, EV_SIGNAL),
		 LO_ERR_REVOKED);
	for (int i = 0; i <= DEPTH; i++) {
		lo_handle_close((lo_handle_t){ h[i] });
		lo_handle_close(lo_revoker_handle(r[i]));
	}
	lo_handle_close(lo_event_handle(e));
}

/* A registry connection handed out revocably: the holder's next request
 * answers REVOKED. */
static void test_revoke_registry_connection(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	lo_revoker_t r;
	uint32_t conn = 0;
	lo_handle_t got;
	conn = grant_through(&r, lo_channel_handle(f.conn), LO_DEFAULT_RIGHTS_CHANNEL).value;
	CHECK_ST(lo_resolve_path((lo_channel_t){ conn }, "/missing", LO_RIGHT_INSPECT, &got),
		 LO_ERR_NOT_FOUND);
	CHECK_ST(lo_revoker_revoke(r), LO_OK);
	CHECK_ST(lo_resolve_path((lo_channel_t){ conn }, "/missing", LO_RIGHT_INSPECT, &got),
		 LO_ERR_REVOKED);
	/* The grantor's own connection still answers. */
	CHECK_ST(lo_resolve_path(f.conn, "/missing", LO_RIGHT_INSPECT, &got), LO_ERR_NOT_FOUND);
	lo_handle_close((lo_handle_t){ conn });
	lo_handle_close(lo_revoker_handle(r));
	finish(&f);
}

/* A policy grant marked `revocable` (program leased: its parent channel):
 * the spawner gets the revoker, and revoking it ends the child's blocked
 * read at once; a spawner that cannot keep a revoker is refused. */
static void test_policy_revocable_grant(void)
{
	lo_channel_t mine, theirs;
	lo_process_t child;
	const char *why = NULL;
	lo_revoker_t revokers[LO_SPAWN_MAX_GIVE + 2];
	uint32_t n = 0;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &mine, &theirs), LO_OK))
		return;
	struct lo_give give = { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) };
	CHECK_ST(lo_spawn_from_image(utest_image, "bin/leased", "echo", &give, 1, &child, &why),
		 LO_ERR_ACCESS_DENIED);
	lo_handle_close(lo_channel_handle(mine));
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &mine, &theirs), LO_OK))
		return;
	give.handle = lo_channel_handle(theirs);
	if (!CHECK_ST(lo_spawn_from_image_revocable(utest_image, "bin/leased", "echo", &give, 1,
						    &child, &why, revokers, &n), LO_OK))
		return;
	CHECK(n == 1);
	/* It works: the child echoes. */
	uint32_t observed;
	char buf[8];
	struct lo_channel_read_result got;
	CHECK_ST(lo_channel_write(mine, "ping", 4, NULL, 0), LO_OK);
	CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
				    lo_deadline_after_ms(5000), &observed), LO_OK);
	CHECK_ST(lo_channel_read(mine, buf, sizeof(buf), NULL, 0, &got), LO_OK);
	CHECK(got.bytes == 4 && !lo_memcmp(buf, "ping", 4));
	/* Revoked while the child waits on it: its wait ends, it exits 1. */
	uint64_t t0 = lo_now();
	CHECK_ST(lo_revoker_revoke(revokers[0]), LO_OK);
	struct lo_process_info info;
	CHECK(utest_wait_process(child, &info) && info.exit_code == 1);
	CHECK(lo_now() - t0 < 2000000000ull);
	for (uint32_t i = 0; i < n; i++)
		lo_handle_close(lo_revoker_handle(revokers[i]));
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_channel_handle(mine));
}

static const struct utest revoke_tests[] = {
	{ "user.revoke.policy_revocable_grant", test_policy_revocable_grant },
	{ "user.revoke.grant_works_until_revoked", test_grant_works_until_revoked },
	{ "user.revoke.ends_blocked_wait", test_revoke_ends_blocked_wait },
	{ "user.revoke.copy_in_channel", test_revoke_reaches_copy_in_channel },
	{ "user.revoke.copy_in_other_process", test_revoke_reaches_other_process },
	{ "user.revoke.races_duplicate", test_revoke_races_duplicate },
	{ "user.revoke.closing_revoker_revokes", test_closing_revoker_revokes },
	{ "user.revoke.revoker_sent_away", test_revoker_sent_away },
	{ "user.revoke.nested", test_nested_grants },
	{ "user.revoke.nesting_bounded", test_nesting_is_bounded },
	{ "user.revoke.registry_connection", test_revoke_registry_connection },
	{ NULL, NULL },
};
UTEST_SUITE(revoke_tests);
