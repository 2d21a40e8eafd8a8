/* Port watches (port_watch/port_unwatch): lasting, level-triggered
 * bindings, like epoll registrations. A watch queues one packet while its
 * target has the signals, again after each take while it still has them,
 * and ends with unwatch, or when the handle it was made through is closed,
 * moved or revoked, or when the port's last handle closes. */
#include "utest.h"
#include "lightos/thread.h"

#define KEY 0x5157

static lo_event_t new_event(void)
{
	lo_event_t e = { 0 };
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	return e;
}

static lo_port_t new_port(void)
{
	lo_port_t p = { 0 };
	CHECK_ST(lo_port_create(lo_job_self(), &p), LO_OK);
	return p;
}

static void set(lo_event_t e, int on)
{
	CHECK_ST(lo_handle_signal(lo_event_handle(e), on ? 0 : LO_SIG_EVENT_SIGNALED,
				  on ? LO_SIG_EVENT_SIGNALED : 0), LO_OK);
}

/* One packet now (deadline 0), or TIMED_OUT. */
static status_t take(lo_port_t p, struct lo_port_packet *pkt)
{
	return lo_port_wait(p, 0, pkt);
}

static void expect_packet(lo_port_t p, uint64_t key, uint32_t signals)
{
	struct lo_port_packet pkt = { 0, 0, 0 };
	CHECK_ST(take(p, &pkt), LO_OK);
	CHECK(pkt.key == key && pkt.signals == signals);
}

static void expect_none(lo_port_t p)
{
	struct lo_port_packet pkt;
	CHECK_ST(take(p, &pkt), LO_ERR_TIMED_OUT);
}

/* A packet each time it is taken while the event is signaled; none while
 * it is not; one again when it is signaled again. */
static void test_level_triggered(void)
{
	lo_port_t p = new_port();
	lo_event_t e = new_event();
	CHECK_ST(lo_port_watch(p, lo_event_handle(e), LO_SIG_EVENT_SIGNALED, KEY), LO_OK);
	expect_none(p);
	set(e, 1);
	for (int i = 0; i < 5; i++)
		expect_packet(p, KEY, LO_SIG_EVENT_SIGNALED);
	set(e, 0);
	expect_none(p);
	set(e, 1);
	set(e, 0);
	set(e, 1);   /* one packet however often it was raised */
	expect_packet(p, KEY, LO_SIG_EVENT_SIGNALED);
	set(e, 0);
	expect_none(p);
	lo_handle_close(lo_event_handle(e));
	lo_handle_close(lo_port_handle(p));
}

/* Several watches on one port, each with its own key; a watch on an
 * object already signaled queues at once. */
static void test_many_watches(void)
{
	lo_port_t p = new_port();
	lo_event_t a = new_event(), b = new_event();
	set(a, 1);
	CHECK_ST(lo_port_watch(p, lo_event_handle(a), LO_SIG_EVENT_SIGNALED, 1), LO_OK);
	CHECK_ST(lo_port_watch(p, lo_event_handle(b), LO_SIG_EVENT_SIGNALED, 2), LO_OK);
	expect_packet(p, 1, LO_SIG_EVENT_SIGNALED);
	set(b, 1);
	set(a, 0);
	expect_packet(p, 2, LO_SIG_EVENT_SIGNALED);
	expect_packet(p, 2, LO_SIG_EVENT_SIGNALED);
	set(b, 0);
	expect_none(p);
	/* Keys are unique among a port's watches. */
	CHECK_ST(lo_port_watch(p, lo_event_handle(b), LO_SIG_EVENT_SIGNALED, 1), LO_ERR_ALREADY_EXISTS);
	CHECK_ST(lo_port_watch(p, lo_event_handle(b), 0, 3), LO_ERR_INVALID_ARGS);
	CHECK_ST(lo_port_watch(p, lo_port_handle(p), LO_SIG_PORT_READABLE, 3), LO_ERR_NOT_SUPPORTED);
	lo_handle_close(lo_event_handle(a));
	lo_handle_close(lo_event_handle(b));
	lo_handle_close(lo_port_handle(p));
}

/* Unwatch ends it, and takes back a packet already queued. */
static void test_unwatch(void)
{
	lo_port_t p = new_port();
	lo_event_t e = new_event();
	CHECK_ST(lo_port_watch(p, lo_event_handle(e), LO_SIG_EVENT_SIGNALED, KEY), LO_OK);
	set(e, 1);   /* queued now */
	CHECK_ST(lo_port_unwatch(p, KEY), LO_OK);
	expect_none(p);
	uint32_t observed;
	CHECK_ST(lo_handle_wait_one(lo_port_handle(p), LO_SIG_PORT_READABLE, 0, &observed),
		 LO_ERR_TIMED_OUT);
	CHECK_ST(lo_port_unwatch(p, KEY), LO_ERR_NOT_FOUND);
	/* The key is free again. */
	CHECK_ST(lo_port_watch(p, lo_event_handle(e), LO_SIG_EVENT_SIGNALED, KEY), LO_OK);
	expect_packet(p, KEY, LO_SIG_EVENT_SIGNALED);
	lo_handle_close(lo_event_handle(e));   /* ends it: the handle it was made through */
	expect_none(p);
	lo_handle_close(lo_port_handle(p));
}

/* Closing the handle the watch was made through ends it, even though the
 * object lives on through another handle; closing another does not. */
static void test_ends_on_close(void)
{
	lo_port_t p = new_port();
	lo_event_t e = new_event();
	lo_handle_t via = utest_dup(lo_event_handle(e), LO_RIGHT_WAIT | LO_RIGHT_INSPECT);
	lo_handle_t other = utest_dup(lo_event_handle(e), LO_RIGHT_WAIT);
	CHECK_ST(lo_port_watch(p, via, LO_SIG_EVENT_SIGNALED, KEY), LO_OK);
	set(e, 1);
	lo_handle_close(other);
	expect_packet(p, KEY, LO_SIG_EVENT_SIGNALED);   /* queued again: still signaled */
	lo_handle_close(via);
	expect_none(p);                                 /* its queued packet went with it */
	set(e, 0);
	set(e, 1);
	expect_none(p);
	CHECK_ST(lo_port_unwatch(p, KEY), LO_ERR_NOT_FOUND);
	lo_handle_close(lo_event_handle(e));
	lo_handle_close(lo_port_handle(p));
}

/* Moving the handle (in a message) ends the watch too; so does replace. */
static void test_ends_on_move_and_replace(void)
{
	lo_port_t p = new_port();
	lo_event_t e = new_event();
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	lo_handle_t via = utest_dup(lo_event_handle(e), LO_RIGHT_WAIT | LO_RIGHT_TRANSFER);
	CHECK_ST(lo_port_watch(p, via, LO_SIG_EVENT_SIGNALED, KEY), LO_OK);
	CHECK_ST(lo_channel_write(a, "m", 1, &via, 1), LO_OK);
	set(e, 1);
	expect_none(p);
	CHECK_ST(lo_port_unwatch(p, KEY), LO_ERR_NOT_FOUND);

	lo_handle_t r = utest_dup(lo_event_handle(e), LO_RIGHT_WAIT | LO_RIGHT_INSPECT);
	CHECK_ST(lo_port_watch(p, r, LO_SIG_EVENT_SIGNALED, KEY), LO_OK);
	expect_packet(p, KEY, LO_SIG_EVENT_SIGNALED);
	uint32_t replaced = 0;
	CHECK_ST(lo_handle_replace(r, LO_RIGHT_WAIT, &replaced), LO_OK);
	expect_none(p);
	lo_handle_close((lo_handle_t){ replaced });
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(lo_channel_handle(b));   /* and the event handle in its queue */
	lo_handle_close(lo_event_handle(e));
	lo_handle_close(lo_port_handle(p));
}

/* A port closed with watches live and a watch's packet queued frees
 * everything (the runner checks the object counts), and the targets live on. */
static void test_port_closed_with_watches(void)
{
	lo_port_t p = new_port();
	lo_event_t a = new_event(), b = new_event();
	set(a, 1);
	CHECK_ST(lo_port_watch(p, lo_event_handle(a), LO_SIG_EVENT_SIGNALED, 1), LO_OK);
	CHECK_ST(lo_port_watch(p, lo_event_handle(b), LO_SIG_EVENT_SIGNALED, 2), LO_OK);
	CHECK_ST(lo_port_queue(p, 9, 9), LO_OK);
	lo_handle_close(lo_port_handle(p));
	set(a, 0);
	set(b, 1);
	struct lo_object_info info = { 0 };
	for (int i = 0; i < 100; i++) {   /* the port's end may run on another thread */
		CHECK_ST(lo_handle_info(lo_event_handle(a), &info), LO_OK);
		if (info.refcount == 1)
			break;
		utest_sleep_ms(1);
	}
	CHECK(info.refcount == 1);   /* the watch's reference is gone */
	lo_handle_close(lo_event_handle(a));
	lo_handle_close(lo_event_handle(b));
}

struct toggler {
	lo_event_t e;
	lo_handle_t via;
	int rounds;
	int close_via;
};

static void toggle(void *arg)
{
	struct toggler *t = arg;
	for (int i = 0; i < t->rounds; i++) {
		lo_handle_signal(lo_event_handle(t->e), 0, LO_SIG_EVENT_SIGNALED);
		lo_handle_signal(lo_event_handle(t->e), LO_SIG_EVENT_SIGNALED, 0);
	}
	lo_handle_signal(lo_event_handle(t->e), 0, LO_SIG_EVENT_SIGNALED);
	if (t->close_via)
		lo_handle_close(t->via);
}

/* Two threads: one raises and clears the signal many times while the other
 * takes packets. Every packet carries the key, and once the signal stays
 * up the waiter always gets one: no wake-up is lost. Then the same with
 * the watch's handle closed at the end by the other thread: the waiter's
 * port then stays empty. */
static void test_race_two_threads(void)
{
	for (int close_via = 0; close_via < 2; close_via++) {
		lo_port_t p = new_port();
		lo_event_t e = new_event();
		lo_handle_t via = utest_dup(lo_event_handle(e), LO_RIGHT_WAIT);
		CHECK_ST(lo_port_watch(p, via, LO_SIG_EVENT_SIGNALED, KEY), LO_OK);
		struct toggler t = { e, via, 3000, close_via };
		lo_thread_t th;
		CHECK_ST(lo_thread_run(toggle, &t, "toggle", &th), LO_OK);
		int packets = 0, bad = 0;
		for (int i = 0; i < 2000; i++) {
			struct lo_port_packet pkt;
			status_t st = lo_port_wait(p, lo_deadline_after_ms(1), &pkt);
			if (st == LO_OK) {
				packets++;
				bad += pkt.key != KEY;
			}
		}
		CHECK_ST(lo_thread_join(th, UINT64_MAX), LO_OK);
		CHECK(bad == 0);
		struct lo_port_packet pkt = { 0, 0, 0 };
		if (close_via) {
			expect_none(p);
			CHECK_ST(lo_port_unwatch(p, KEY), LO_ERR_NOT_FOUND);
		} else {
			CHECK_ST(lo_port_wait(p, lo_deadline_after_ms(1000), &pkt), LO_OK);
			CHECK(pkt.key == KEY && pkt.signals == LO_SIG_EVENT_SIGNALED);
			CHECK_ST(lo_port_unwatch(p, KEY), LO_OK);
			lo_handle_close(via);
		}
		(void)packets;
		lo_handle_close(lo_event_handle(e));
		lo_handle_close(lo_port_handle(p));
	}
}

/* A new revoker *r and its revocable grant of event e (rights WAIT). */
static lo_handle_t revocable_grant(lo_revoker_t *r, lo_event_t e)
{
	uint32_t v = 0;
	if (CHECK_ST(lo_revoker_create(lo_job_self(), r), LO_OK))
		CHECK_ST(lo_revoker_grant(*r, lo_event_handle(e), LO_RIGHT_WAIT, &v), LO_OK);
	return (lo_handle_t){ v };
}

/* Revoking the grant a watch was made through ends it like a close: the
 * queued packet goes, signals raised through the grantor's own handle
 * queue nothing, and the watch's reference to the event is dropped. */
static void test_ends_on_revoke(void)
{
	lo_port_t p = new_port();
	lo_event_t e = new_event();
	lo_revoker_t r;
	lo_handle_t via = revocable_grant(&r, e);
	CHECK_ST(lo_port_watch(p, via, LO_SIG_EVENT_SIGNALED, KEY), LO_OK);
	set(e, 1);
	expect_packet(p, KEY, LO_SIG_EVENT_SIGNALED);
	CHECK_ST(lo_revoker_revoke(r), LO_OK);
	expect_none(p);                                 /* the queued packet went */
	set(e, 0);
	set(e, 1);                                      /* through the grantor's handle */
	expect_none(p);
	CHECK_ST(lo_port_unwatch(p, KEY), LO_ERR_NOT_FOUND);
	CHECK_ST(lo_port_watch(p, via, LO_SIG_EVENT_SIGNALED, KEY), LO_ERR_REVOKED);
	lo_handle_close(via);
	lo_handle_close(lo_revoker_handle(r));
	struct lo_object_info info = { 0 };
	CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
	CHECK(info.refcount == 1);                      /* the watch's reference is gone */
	lo_handle_close(lo_event_handle(e));
	lo_handle_close(lo_port_handle(p));
}

struct revoke_later {
	lo_revoker_t r;
	lo_event_t e;
	int delay;
};

static void revoke_later(void *arg)
{
	struct revoke_later *rl = arg;
	for (int i = 0; i < rl->delay; i++)   /* a different moment each round */
		lo_handle_signal(lo_event_handle(rl->e), 0, LO_SIG_EVENT_SIGNALED);
	lo_revoker_revoke(rl->r);
}

/* Unwatch keys [0, n) of p: each one still live or already ended. */
static int unwatch_all(lo_port_t p, uint64_t n)
{
	int bad = 0;
	for (uint64_t k = 0; k < n; k++) {
		status_t st = lo_port_unwatch(p, k);
		bad += st != LO_OK && st != LO_ERR_NOT_FOUND;
	}
	return bad;
}

/* Two threads: one revokes while the other makes watches through the grant
 * (the event signaled, so each live watch has a packet queued). Even
 * rounds watch and unwatch one key; odd rounds pile up watches under new
 * keys, so a watch made just as the revoke runs is left standing. Once
 * the revoke is over, no watch may be: nothing is queued and every key is
 * gone; nothing leaks (the runner checks the object counts). */
static void test_revoke_races_watch(void)
{
	for (int round = 0; round < 40; round++) {
		lo_port_t p = new_port();
		lo_event_t e = new_event();
		struct revoke_later rl = { { 0 }, e, (round / 2) * 40 };
		lo_handle_t via = revocable_grant(&rl.r, e);
		set(e, 1);
		lo_thread_t th;
		if (!CHECK_ST(lo_thread_run(revoke_later, &rl, "revoker", &th), LO_OK))
			break;
		int bad = 0;
		status_t st = LO_OK;
		uint64_t keys = 0;
		for (int i = 0; i < 100000 && st != LO_ERR_REVOKED; i++) {
			uint64_t key = round % 2 ? keys : 0;
			st = lo_port_watch(p, via, LO_SIG_EVENT_SIGNALED, key);
			if (st == LO_OK && round % 2 == 0) {
				bad += unwatch_all(p, 1);
			} else if (st == LO_OK) {
				keys++;
			} else if (st == LO_ERR_NO_RESOURCES) {   /* the port is full */
				bad += unwatch_all(p, keys);
				keys = 0;
			} else {
				bad += st != LO_ERR_REVOKED;
			}
		}
		CHECK_ST(lo_thread_join(th, lo_deadline_after_ms(10000)), LO_OK);
		CHECK_ST(st, LO_ERR_REVOKED);
		CHECK(bad == 0);
		expect_none(p);
		for (uint64_t k = 0; k < keys + 1; k++)
			CHECK_ST(lo_port_unwatch(p, k), LO_ERR_NOT_FOUND);
		lo_handle_close(via);
		lo_handle_close(lo_revoker_handle(rl.r));
		lo_handle_close(lo_event_handle(e));
		lo_handle_close(lo_port_handle(p));
	}
}

static const struct utest port_watch_tests[] = {
	{ "port_watch.level_triggered", test_level_triggered },
	{ "port_watch.many_watches", test_many_watches },
	{ "port_watch.unwatch", test_unwatch },
	{ "port_watch.ends_on_close", test_ends_on_close },
	{ "port_watch.ends_on_move_and_replace", test_ends_on_move_and_replace },
	{ "port_watch.port_closed_with_watches", test_port_closed_with_watches },
	{ "port_watch.race_two_threads", test_race_two_threads },
	{ "port_watch.ends_on_revoke", test_ends_on_revoke },
	{ "port_watch.revoke_races_watch", test_revoke_races_watch },
	{ 0, 0 },
};

UTEST_SUITE(port_watch_tests);
