/* Channel ends in transit: no sequence of writes may build a cycle of ends
 * that keep each other alive after every handle is closed
 * (docs/capabilities.md, "Handles in transit and cycles"). */
#include "lightos/startup.h"
#include "utest.h"
#include "lightos/thread.h"

static uint64_t live_channels(void)
{
	uint64_t counts[LO_TYPE_COUNT];
	if (lo_resource_object_counts(utest_root, counts, LO_TYPE_COUNT) != LO_OK)
		return ~0ull;
	return counts[LO_TYPE_CHANNEL];
}

static lo_handle_t H(lo_channel_t c)
{
	return lo_channel_handle(c);
}

static int handle_alive(lo_handle_t h, uint64_t id)
{
	return utest_object_id(h) == id && id != 0;
}

/* The reviewer's program: a0 into b1's queue, then b1 into a0's queue. */
static void test_two_pair_cycle(void)
{
	uint64_t before = live_channels();
	for (int round = 0; round < 4; round++) {
		lo_channel_t a0, a1, b0, b1;
		CHECK_ST(lo_channel_create(lo_job_self(), &a0, &a1), LO_OK);
		CHECK_ST(lo_channel_create(lo_job_self(), &b0, &b1), LO_OK);
		lo_handle_t h = H(a0);
		CHECK_ST(lo_channel_write(b0, "a", 1, &h, 1), LO_OK);
		h = H(b1);
		uint64_t id = utest_object_id(h);
		/* b1 has a0 waiting in its queue: moving it would close the cycle. */
		CHECK_ST(lo_channel_write(a1, "b", 1, &h, 1), LO_ERR_BAD_STATE);
		CHECK(handle_alive(h, id));
		lo_handle_close(H(a1));
		lo_handle_close(H(b0));
		lo_handle_close(H(b1));
	}
	CHECK(live_channels() == before);
}

/* A cycle over N pairs: x[i] goes into x[i+1]'s queue (through y[i+1]);
 * built innermost first, so every end but the one closing the ring still
 * has an empty queue when it moves. */
static void test_long_cycle(void)
{
	enum { N = 5 };
	uint64_t before = live_channels();
	lo_channel_t x[N], y[N];
	for (int i = 0; i < N; i++)
		CHECK_ST(lo_channel_create(lo_job_self(), &x[i], &y[i]), LO_OK);
	for (int i = N - 2; i >= 0; i--) {
		lo_handle_t h = H(x[i]);
		CHECK_ST(lo_channel_write(y[i + 1], "x", 1, &h, 1), LO_OK);
	}
	lo_handle_t last = H(x[N - 1]);
	uint64_t id = utest_object_id(last);
	CHECK_ST(lo_channel_write(y[0], "x", 1, &last, 1), LO_ERR_BAD_STATE);
	CHECK(handle_alive(last, id));
	CHECK(live_channels() == before + 2 * N);
	for (int i = 0; i < N; i++)
		lo_handle_close(H(y[i]));
	lo_handle_close(last);
	CHECK(live_channels() == before);
}

/* A refused write moves nothing: every handle of the message (not only the
 * end at fault) is still the sender's, under the same value; the message
 * never arrives. Once the end's queue is read, the same write succeeds. */
static void test_refused_keeps_handles(void)
{
	uint64_t before = live_channels();
	lo_channel_t a, b, c, d, e, f;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	CHECK_ST(lo_channel_create(lo_job_self(), &c, &d), LO_OK);
	CHECK_ST(lo_channel_create(lo_job_self(), &e, &f), LO_OK);
	lo_handle_t eh = H(e);
	CHECK_ST(lo_channel_write(c, "e", 1, &eh, 1), LO_OK);   /* e waits at d */
	lo_event_t ev;
	CHECK_ST(lo_event_create(lo_job_self(), &ev), LO_OK);
	lo_handle_t send[2] = { lo_event_handle(ev), H(d) };
	uint64_t ev_id = utest_object_id(send[0]), d_id = utest_object_id(send[1]);
	CHECK_ST(lo_channel_write(a, "m", 1, send, 2), LO_ERR_BAD_STATE);
	CHECK(handle_alive(send[0], ev_id));
	CHECK(handle_alive(send[1], d_id));
	char buf[4];
	struct lo_channel_read_result got;
	CHECK_ST(lo_channel_read(b, buf, sizeof(buf), NULL, 0, &got), LO_ERR_SHOULD_WAIT);
	/* Read e out of d's queue: now d may travel. */
	lo_handle_t back[1];
	CHECK_ST(lo_channel_read(d, buf, sizeof(buf), back, 1, &got), LO_OK);
	CHECK(got.handles == 1);
	CHECK_ST(lo_channel_write(a, "m", 1, send, 2), LO_OK);
	CHECK(utest_object_id(send[0]) == 0 && utest_object_id(send[1]) == 0);
	lo_handle_t in[2];
	CHECK_ST(lo_channel_read(b, buf, sizeof(buf), in, 2, &got), LO_OK);
	CHECK(got.handles == 2 && utest_object_id(in[0]) == ev_id &&
	      utest_object_id(in[1]) == d_id);
	lo_handle_close(in[0]);
	lo_handle_close(in[1]);
	lo_handle_close(back[0]);
	lo_handle_close(H(a));
	lo_handle_close(H(b));
	lo_handle_close(H(c));
	lo_handle_close(H(f));
	CHECK(live_channels() == before);
}

/* Two threads each try to add one edge of a two-pair cycle at the same
 * time; at most one may win, whatever the interleaving. */
struct racer {
	lo_event_t go, done;
	lo_channel_t via;        /* write on this end ... */
	lo_handle_t move;        /* ... this end */
	status_t result;
	volatile int quit;
};

static void racer_main(void *arg)
{
	struct racer *r = arg;
	uint32_t seen;
	for (;;) {
		if (lo_handle_wait_one(lo_event_handle(r->go), LO_SIG_EVENT_SIGNALED,
				       lo_deadline_after_ms(10000), &seen) != LO_OK)
			return;
		lo_handle_signal(lo_event_handle(r->go), LO_SIG_EVENT_SIGNALED, 0);
		if (r->quit)
			return;
		r->result = lo_channel_write(r->via, "r", 1, &r->move, 1);
		lo_handle_signal(lo_event_handle(r->done), 0, LO_SIG_EVENT_SIGNALED);
	}
}

static int wait_done(struct racer *r)
{
	uint32_t seen;
	status_t st = lo_handle_wait_one(lo_event_handle(r->done), LO_SIG_EVENT_SIGNALED,
					 lo_deadline_after_ms(10000), &seen);
	lo_handle_signal(lo_event_handle(r->done), LO_SIG_EVENT_SIGNALED, 0);
	return CHECK_ST(st, LO_OK);
}

static void test_cycle_race(void)
{
	enum { ROUNDS = 300 };
	uint64_t before = live_channels();
	struct racer r[2];
	lo_thread_t t[2];
	for (int i = 0; i < 2; i++) {
		lo_memset(&r[i], 0, sizeof(r[i]));
		CHECK_ST(lo_event_create(lo_job_self(), &r[i].go), LO_OK);
		CHECK_ST(lo_event_create(lo_job_self(), &r[i].done), LO_OK);
		CHECK_ST(lo_thread_run(racer_main, &r[i], "racer", &t[i]), LO_OK);
	}
	int wins = 0;
	for (int round = 0; round < ROUNDS; round++) {
		lo_channel_t a0, a1, b0, b1;
		if (!CHECK_ST(lo_channel_create(lo_job_self(), &a0, &a1), LO_OK) ||
		    !CHECK_ST(lo_channel_create(lo_job_self(), &b0, &b1), LO_OK))
			break;
		r[0].via = b0;        /* a0 into b1's queue */
		r[0].move = H(a0);
		r[1].via = a1;        /* b1 into a0's queue */
		r[1].move = H(b1);
		for (int i = 0; i < 2; i++)
			lo_handle_signal(lo_event_handle(r[i].go), 0, LO_SIG_EVENT_SIGNALED);
		if (!wait_done(&r[0]) || !wait_done(&r[1]))
			break;
		CHECK(!(r[0].result == LO_OK && r[1].result == LO_OK));
		CHECK(r[0].result == LO_OK || r[0].result == LO_ERR_BAD_STATE);
		CHECK(r[1].result == LO_OK || r[1].result == LO_ERR_BAD_STATE);
		wins += (r[0].result == LO_OK) + (r[1].result == LO_OK);
		/* A refused end is still ours; a moved one is gone from our table. */
		if (r[0].result != LO_OK)
			CHECK_ST(lo_handle_close(H(a0)), LO_OK);
		if (r[1].result != LO_OK)
			CHECK_ST(lo_handle_close(H(b1)), LO_OK);
		lo_handle_close(H(a1));
		lo_handle_close(H(b0));
		CHECK(live_channels() == before);
	}
	CHECK(wins == ROUNDS);   /* exactly one of the two, every round */
	for (int i = 0; i < 2; i++) {
		r[i].quit = 1;
		lo_handle_signal(lo_event_handle(r[i].go), 0, LO_SIG_EVENT_SIGNALED);
		CHECK_ST(lo_thread_join(t[i], lo_deadline_after_ms(10000)), LO_OK);
		lo_handle_close(lo_event_handle(r[i].go));
		lo_handle_close(lo_event_handle(r[i].done));
	}
}

/* A chain (no cycle) is released entirely when its head is closed. */
static void test_chain_released(void)
{
	uint64_t before = live_channels();
	lo_channel_t head, writer;
	CHECK_ST(lo_channel_create(lo_job_self(), &head, &writer), LO_OK);
	for (int i = 0; i < 10; i++) {
		lo_channel_t x, y;
		CHECK_ST(lo_channel_create(lo_job_self(), &x, &y), LO_OK);
		lo_handle_t h = H(x);
		CHECK_ST(lo_channel_write(writer, "c", 1, &h, 1), LO_OK);
		lo_handle_close(H(writer));
		writer = y;
	}
	lo_handle_close(H(writer));
	CHECK(live_channels() == before + 11);   /* head and 10 ends in transit */
	lo_handle_close(H(head));
	CHECK(live_channels() == before);
}

/* Spawn gives a channel end that has an end waiting in its queue: the
 * startup message is refused (BAD_STATE) and spawn still consumes every
 * handle it was given or made, as it does on every failure. */
static void test_spawn_refused_end(void)
{
	uint64_t before = live_channels();
	lo_channel_t x, theirs, e, f;
	CHECK_ST(lo_channel_create(lo_job_self(), &x, &theirs), LO_OK);
	CHECK_ST(lo_channel_create(lo_job_self(), &e, &f), LO_OK);
	lo_handle_t eh = H(e);
	CHECK_ST(lo_channel_write(x, "e", 1, &eh, 1), LO_OK);   /* e waits at theirs */
	struct lo_give give = { LO_STARTUP_CHANNEL, H(theirs) };
	lo_process_t child;
	CHECK_ST(utest_spawn_child("exit 0", &give, 1, &child), LO_ERR_BAD_STATE);
	CHECK(utest_object_id(H(theirs)) == 0);
	lo_handle_close(H(x));
	lo_handle_close(H(f));
	CHECK(live_channels() == before);
}

/* channel_write_copy follows the same rules for channel ends: an end of
 * the pair written to is refused (it would keep itself alive), and a copy
 * of an end with an end waiting in its queue is refused (BAD_STATE), as a
 * move is; a refused copy is gone (the source's handle count is back) and
 * nothing is left alive once every handle is closed. A channel handle
 * without WRITE and a revoked source are refused before any copy. */
static uint32_t handles_of(lo_handle_t h)
{
	struct lo_object_info info;
	return lo_handle_info(h, &info) == LO_OK ? info.handle_count : 0;
}

static void test_copy_ends(void)
{
	uint64_t before = live_channels();
	lo_channel_t a0, a1, b0, b1;
	CHECK_ST(lo_channel_create(lo_job_self(), &a0, &a1), LO_OK);
	CHECK_ST(lo_channel_create(lo_job_self(), &b0, &b1), LO_OK);
	char buf[4];
	struct lo_channel_read_result got;
	/* Into its own pair: either end. */
	CHECK_ST(lo_channel_write_copy(a0, "s", 1, H(a0), LO_RIGHT_READ), LO_ERR_NOT_SUPPORTED);
	CHECK_ST(lo_channel_write_copy(a0, "p", 1, H(a1), LO_RIGHT_READ), LO_ERR_NOT_SUPPORTED);
	CHECK(handles_of(H(a0)) == 1 && handles_of(H(a1)) == 1);
	CHECK_ST(lo_channel_read(a1, buf, sizeof(buf), NULL, 0, &got), LO_ERR_SHOULD_WAIT);
	/* a1 into b1's queue (a copy), then b1 into a1's: the cycle is refused. */
	CHECK_ST(lo_channel_write_copy(b0, "a", 1, H(a1), LO_DEFAULT_RIGHTS_CHANNEL), LO_OK);
	CHECK(handles_of(H(a1)) == 2);
	CHECK_ST(lo_channel_write_copy(a0, "b", 1, H(b1), LO_DEFAULT_RIGHTS_CHANNEL), LO_ERR_BAD_STATE);
	CHECK(handles_of(H(b1)) == 1);   /* the refused copy is dropped */
	CHECK_ST(lo_channel_read(a1, buf, sizeof(buf), NULL, 0, &got), LO_ERR_SHOULD_WAIT);
	/* The same edge as a move is refused too, and the end stays ours. */
	lo_handle_t h = H(b1);
	CHECK_ST(lo_channel_write(a0, "b", 1, &h, 1), LO_ERR_BAD_STATE);
	CHECK(handles_of(H(b1)) == 1);
	/* A channel handle without WRITE, a revoked source: refused, no copy. */
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t no_write = utest_dup(H(a0), LO_DEFAULT_RIGHTS_CHANNEL & ~LO_RIGHT_WRITE);
	CHECK_ST(lo_channel_write_copy(lo_channel_from(no_write), "w", 1, lo_event_handle(e), LO_RIGHT_WAIT),
		 LO_ERR_ACCESS_DENIED);
	lo_handle_close(no_write);
	lo_revoker_t r;
	uint32_t v = 0;
	CHECK_ST(lo_revoker_create(lo_job_self(), &r), LO_OK);
	CHECK_ST(lo_revoker_grant(r, lo_event_handle(e), LO_DEFAULT_RIGHTS_EVENT, &v), LO_OK);
	CHECK_ST(lo_revoker_revoke(r), LO_OK);
	CHECK_ST(lo_channel_write_copy(a0, "r", 1, (lo_handle_t){ v }, LO_RIGHT_WAIT), LO_ERR_REVOKED);
	CHECK(handles_of(lo_event_handle(e)) == 2);   /* the event's and the revoked grant */
	CHECK_ST(lo_channel_read(a1, buf, sizeof(buf), NULL, 0, &got), LO_ERR_SHOULD_WAIT);
	lo_handle_close((lo_handle_t){ v });
	lo_handle_close(lo_revoker_handle(r));
	lo_handle_close(lo_event_handle(e));
	/* Every handle closed: the copy of a1 waiting at b1 goes with b1. */
	lo_handle_close(H(a0));
	lo_handle_close(H(a1));
	lo_handle_close(H(b0));
	lo_handle_close(H(b1));
	CHECK(live_channels() == before);
}

/* A copy racing with a close or a revoke of its source on another CPU:
 * it is made from the handle as it was or not at all (BAD_HANDLE,
 * REVOKED); a copy that went shares the revocation, so once the revoke
 * has returned no copy of the grant is live; nothing leaks. */
struct copier {
	lo_event_t go, done;
	lo_channel_t via;
	lo_handle_t src;
	status_t result;
	volatile int quit;
};

static void copier_main(void *arg)
{
	struct copier *c = arg;
	uint32_t seen;
	for (;;) {
		if (lo_handle_wait_one(lo_event_handle(c->go), LO_SIG_EVENT_SIGNALED,
				       lo_deadline_after_ms(10000), &seen) != LO_OK)
			return;
		lo_handle_signal(lo_event_handle(c->go), LO_SIG_EVENT_SIGNALED, 0);
		if (c->quit)
			return;
		c->result = lo_channel_write_copy(c->via, "c", 1, c->src, LO_RIGHT_WAIT | LO_RIGHT_INSPECT);
		lo_handle_signal(lo_event_handle(c->done), 0, LO_SIG_EVENT_SIGNALED);
	}
}

static uint64_t live_events(void)
{
	uint64_t counts[LO_TYPE_COUNT];
	if (lo_resource_object_counts(utest_root, counts, LO_TYPE_COUNT) != LO_OK)
		return ~0ull;
	return counts[LO_TYPE_EVENT];
}

static void test_copy_race(void)
{
	enum { ROUNDS = 200 };
	struct copier c;
	lo_memset(&c, 0, sizeof(c));
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	CHECK_ST(lo_event_create(lo_job_self(), &c.go), LO_OK);
	CHECK_ST(lo_event_create(lo_job_self(), &c.done), LO_OK);
	uint64_t before = live_events();
	c.via = a;
	lo_thread_t t;
	CHECK_ST(lo_thread_run(copier_main, &c, "copier", &t), LO_OK);
	int sent = 0, refused = 0;
	for (int round = 0; round < ROUNDS; round++) {
		lo_event_t e;
		if (!CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK))
			break;
		int revoke = round & 1;
		uint32_t v = 0;
		lo_revoker_t r = { 0 };
		if (revoke) {   /* a revoker revokes once: one each round */
			CHECK_ST(lo_revoker_create(lo_job_self(), &r), LO_OK);
			CHECK_ST(lo_revoker_grant(r, lo_event_handle(e), LO_DEFAULT_RIGHTS_EVENT, &v), LO_OK);
		}
		c.src = revoke ? (lo_handle_t){ v } : lo_event_handle(e);
		lo_handle_signal(lo_event_handle(c.go), 0, LO_SIG_EVENT_SIGNALED);
		for (int spin = 0; spin < (round % 7) * 40; spin++)
			__asm__ volatile("pause");
		if (revoke)
			CHECK_ST(lo_revoker_revoke(r), LO_OK);
		else
			CHECK_ST(lo_handle_close(c.src), LO_OK);
		uint32_t seen;
		if (!CHECK_ST(lo_handle_wait_one(lo_event_handle(c.done), LO_SIG_EVENT_SIGNALED,
						 lo_deadline_after_ms(10000), &seen), LO_OK))
			break;
		lo_handle_signal(lo_event_handle(c.done), LO_SIG_EVENT_SIGNALED, 0);
		char buf[4];
		lo_handle_t in[1];
		struct lo_channel_read_result got;
		status_t st = lo_channel_read(b, buf, sizeof(buf), in, 1, &got);
		if (c.result == LO_OK) {
			sent++;
			CHECK_ST(st, LO_OK);
			CHECK(got.handles == 1);
			struct lo_object_info info;
			if (revoke)   /* the revoke came after: the copy is revoked */
				CHECK_ST(lo_handle_info(in[0], &info), LO_ERR_REVOKED);
			else
				CHECK_ST(lo_handle_info(in[0], &info), LO_OK);
			lo_handle_close(in[0]);
		} else {
			refused++;
			CHECK(c.result == (revoke ? LO_ERR_REVOKED : LO_ERR_BAD_HANDLE));
			CHECK_ST(st, LO_ERR_SHOULD_WAIT);
		}
		if (revoke) {
			lo_handle_close(c.src);
			lo_handle_close(lo_event_handle(e));
			lo_handle_close(lo_revoker_handle(r));
		}
		CHECK(live_events() == before);
	}
	lo_printf("  copies sent %d, refused %d\n", sent, refused);
	c.quit = 1;
	lo_handle_signal(lo_event_handle(c.go), 0, LO_SIG_EVENT_SIGNALED);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(10000)), LO_OK);
	lo_handle_close(lo_event_handle(c.go));
	lo_handle_close(lo_event_handle(c.done));
	lo_handle_close(H(a));
	lo_handle_close(H(b));
}

static const struct utest transit_tests[] = {
	{ "transit.two_pair_cycle", test_two_pair_cycle },
	{ "transit.long_cycle", test_long_cycle },
	{ "transit.refused_keeps_handles", test_refused_keeps_handles },
	{ "transit.cycle_race", test_cycle_race },
	{ "transit.chain_released", test_chain_released },
	{ "transit.spawn_refused_end", test_spawn_refused_end },
	{ "transit.copy_ends", test_copy_ends },
	{ "transit.copy_race", test_copy_race },
	{ 0, 0 },
};
UTEST_SUITE(transit_tests);
