/* event_consume: wait until an event is SIGNALED and clear it in one call,
 * as a read of a Linux eventfd does. Each signal ends exactly one consume;
 * a consume that ends any other way (deadline, close, revoke, kill) takes
 * nothing, so a later signal stays for someone else. */
#include "utest.h"
#include "lightos/thread.h"

static uint32_t signals_of(lo_event_t e)
{
	struct lo_object_info info;
	if (lo_handle_info(lo_event_handle(e), &info) != LO_OK)
		return 0xffffffffu;
	return info.signals;
}

static void signal_event(lo_event_t e)
{
	CHECK_ST(lo_handle_signal(lo_event_handle(e), 0, LO_SIG_EVENT_SIGNALED), LO_OK);
}

/* One thread in event_consume through `through`. */
struct consumer {
	lo_event_t through;
	uint64_t ms;          /* its deadline, from when it starts */
	volatile status_t st;
};

static void run_consumer(void *arg)
{
	struct consumer *c = arg;
	c->st = lo_event_consume(c->through, lo_deadline_after_ms(c->ms));
}

static void start(struct consumer *c, lo_event_t through, uint64_t ms, lo_thread_t *t)
{
	c->through = through;
	c->ms = ms;
	c->st = LO_ERR_SHOULD_WAIT;
	CHECK_ST(lo_thread_run(run_consumer, c, "consumer", t), LO_OK);
	CHECK(utest_thread_blocked(*t));
}

/* Signaled already: the call returns at once and leaves the event clear. */
static void test_already_signaled(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	signal_event(e);
	CHECK_ST(lo_event_consume(e, UINT64_MAX), LO_OK);
	CHECK(signals_of(e) == 0);
	/* Nothing left to take: a poll times out at once. */
	CHECK_ST(lo_event_consume(e, 0), LO_ERR_TIMED_OUT);
	signal_event(e);
	CHECK_ST(lo_event_consume(e, 0), LO_OK);   /* a poll takes a signal too */
	CHECK(signals_of(e) == 0);
	/* Other user signals stay as they are. */
	CHECK_ST(lo_handle_signal(lo_event_handle(e), 0, LO_SIG_EVENT_SIGNALED | (1u << 25)), LO_OK);
	CHECK_ST(lo_event_consume(e, 0), LO_OK);
	CHECK(signals_of(e) == (1u << 25));
	lo_handle_close(lo_event_handle(e));
}

/* Blocked, then woken by a signal, which it takes. */
static void test_block_then_wake(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	struct consumer c;
	lo_thread_t t;
	start(&c, e, 5000, &t);
	CHECK(c.st == LO_ERR_SHOULD_WAIT);
	signal_event(e);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(3000)), LO_OK);
	CHECK_ST(c.st, LO_OK);
	CHECK(signals_of(e) == 0);
	lo_handle_close(lo_event_handle(e));
}

static int ended(struct consumer *c, int n)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		k += c[i].st != LO_ERR_SHOULD_WAIT;
	return k;
}

/* Two waiters, one signal: exactly one wakes and the other waits on; the
 * next signal wakes the other. */
static void test_one_signal_one_waiter(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	struct consumer c[2];
	lo_thread_t t[2];
	start(&c[0], e, 5000, &t[0]);
	start(&c[1], e, 5000, &t[1]);
	signal_event(e);
	for (int i = 0; i < 2000 && ended(c, 2) == 0; i++)
		utest_sleep_ms(1);
	utest_sleep_ms(30);   /* time for a second, wrong wake to show */
	CHECK(ended(c, 2) == 1);
	CHECK(signals_of(e) == 0);
	int woken = c[0].st != LO_ERR_SHOULD_WAIT ? 0 : 1;
	CHECK_ST(c[woken].st, LO_OK);
	CHECK(utest_thread_blocked(t[1 - woken]));
	signal_event(e);
	CHECK_ST(lo_thread_join(t[0], lo_deadline_after_ms(3000)), LO_OK);
	CHECK_ST(lo_thread_join(t[1], lo_deadline_after_ms(3000)), LO_OK);
	CHECK_ST(c[0].st, LO_OK);
	CHECK_ST(c[1].st, LO_OK);
	CHECK(signals_of(e) == 0);
	lo_handle_close(lo_event_handle(e));
}

/* A deadline ends the call with TIMED_OUT; the consume is gone then, so a
 * later signal stays on the event. */
static void test_timeout(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	uint64_t begin = lo_now();
	CHECK_ST(lo_event_consume(e, lo_deadline_after_ms(20)), LO_ERR_TIMED_OUT);
	uint64_t took = lo_now() - begin;
	CHECK(took >= 19 * 1000000ull && took < 2000 * 1000000ull);
	CHECK_ST(lo_event_consume(e, 0), LO_ERR_TIMED_OUT);
	CHECK_ST(lo_event_consume(e, 1), LO_ERR_TIMED_OUT);   /* long past */
	struct consumer c;
	lo_thread_t t;
	start(&c, e, 30, &t);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(3000)), LO_OK);
	CHECK_ST(c.st, LO_ERR_TIMED_OUT);
	signal_event(e);
	CHECK(signals_of(e) == LO_SIG_EVENT_SIGNALED);
	lo_handle_close(lo_event_handle(e));
}

/* The handle the call came through is closed under it: CANCELED, and the
 * next signal stays. A waiter through another handle is not disturbed. */
static void test_close_mid_wait(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_event_t other = lo_event_from(utest_dup(lo_event_handle(e), LO_DEFAULT_RIGHTS_EVENT));
	lo_event_t doomed = lo_event_from(utest_dup(lo_event_handle(e), LO_DEFAULT_RIGHTS_EVENT));
	struct consumer c[2];
	lo_thread_t t[2];
	start(&c[0], doomed, 5000, &t[0]);
	start(&c[1], other, 5000, &t[1]);
	lo_handle_close(lo_event_handle(doomed));
	CHECK_ST(lo_thread_join(t[0], lo_deadline_after_ms(1000)), LO_OK);
	CHECK_ST(c[0].st, LO_ERR_CANCELED);
	utest_sleep_ms(10);
	CHECK(c[1].st == LO_ERR_SHOULD_WAIT);
	lo_handle_close(lo_event_handle(other));
	CHECK_ST(lo_thread_join(t[1], lo_deadline_after_ms(1000)), LO_OK);
	CHECK_ST(c[1].st, LO_ERR_CANCELED);
	signal_event(e);
	CHECK(signals_of(e) == LO_SIG_EVENT_SIGNALED);
	lo_handle_close(lo_event_handle(e));
}

/* Replacing the handle, or moving it into a channel message, ends a
 * consume through it with CANCELED too; the next signal stays. */
static void test_replace_or_move_mid_wait(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_event_t doomed = lo_event_from(utest_dup(lo_event_handle(e), LO_DEFAULT_RIGHTS_EVENT));
	struct consumer c;
	lo_thread_t t;
	start(&c, doomed, 5000, &t);
	uint32_t replaced = 0;
	CHECK_ST(lo_handle_replace(lo_event_handle(doomed), LO_DEFAULT_RIGHTS_EVENT, &replaced), LO_OK);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(1000)), LO_OK);
	CHECK_ST(c.st, LO_ERR_CANCELED);
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	lo_event_t moved = lo_event_from((lo_handle_t){ replaced });
	start(&c, moved, 5000, &t);
	lo_handle_t give[1] = { lo_event_handle(moved) };
	CHECK_ST(lo_channel_write(a, "e", 1, give, 1), LO_OK);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(1000)), LO_OK);
	CHECK_ST(c.st, LO_ERR_CANCELED);
	signal_event(e);
	CHECK(signals_of(e) == LO_SIG_EVENT_SIGNALED);
	lo_handle_close(lo_channel_handle(a));   /* the moved handle goes with it */
	lo_handle_close(lo_channel_handle(b));
	lo_handle_close(lo_event_handle(e));
}

static lo_event_t grant(lo_event_t e, lo_revoker_t *r)
{
	uint32_t v = 0;
	CHECK_ST(lo_revoker_create(lo_job_self(), r), LO_OK);
	CHECK_ST(lo_revoker_grant(*r, lo_event_handle(e), LO_RIGHT_WAIT | LO_RIGHT_SIGNAL, &v), LO_OK);
	return lo_event_from((lo_handle_t){ v });
}

/* A revoke of the grant the call came through ends it with CANCELED long
 * before its deadline; a consume through another grant waits on and takes
 * the next signal. */
static void test_revoke_mid_wait(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_revoker_t gone, kept;
	lo_event_t revoked = grant(e, &gone), live = grant(e, &kept);
	struct consumer c[2];
	lo_thread_t t[2];
	start(&c[0], revoked, 5000, &t[0]);
	start(&c[1], live, 5000, &t[1]);
	CHECK_ST(lo_revoker_revoke(gone), LO_OK);
	CHECK_ST(lo_thread_join(t[0], lo_deadline_after_ms(1000)), LO_OK);
	CHECK_ST(c[0].st, LO_ERR_CANCELED);
	utest_sleep_ms(10);
	CHECK(c[1].st == LO_ERR_SHOULD_WAIT);
	signal_event(e);
	CHECK_ST(lo_thread_join(t[1], lo_deadline_after_ms(3000)), LO_OK);
	CHECK_ST(c[1].st, LO_OK);
	CHECK(signals_of(e) == 0);
	/* Through the revoked grant, nothing more. */
	signal_event(e);
	CHECK_ST(lo_event_consume(revoked, 0), LO_ERR_REVOKED);
	CHECK(signals_of(e) == LO_SIG_EVENT_SIGNALED);
	lo_handle_close(lo_event_handle(revoked));
	lo_handle_close(lo_event_handle(live));
	lo_handle_close(lo_revoker_handle(gone));
	lo_handle_close(lo_revoker_handle(kept));
	lo_handle_close(lo_event_handle(e));
}

/* A thread killed in the call: it ends without returning, and the signal
 * that comes later is not taken by it. */
static void test_kill_mid_wait(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	struct consumer c;
	lo_thread_t t;
	start(&c, e, 5000, &t);
	CHECK_ST(lo_thread_kill(t), LO_OK);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(1000)), LO_OK);
	CHECK(c.st == LO_ERR_SHOULD_WAIT);   /* the call never returned */
	signal_event(e);
	CHECK(signals_of(e) == LO_SIG_EVENT_SIGNALED);
	CHECK_ST(lo_event_consume(e, 0), LO_OK);
	lo_handle_close(lo_event_handle(e));
}

/* A child in mode event-pong: it consumes `ping` (ours) and signals the
 * pong event it made itself and sent back over its startup channel. */
struct pong_child {
	lo_event_t ping, pong;
	lo_channel_t mine;
	lo_process_t process;
};

/* True once the child runs and its pong event has come. */
static bool start_pong_child(struct pong_child *c)
{
	lo_channel_t theirs;
	*c = (struct pong_child){ 0 };
	CHECK_ST(lo_event_create(lo_job_self(), &c->ping), LO_OK);
	CHECK_ST(lo_channel_create(lo_job_self(), &c->mine, &theirs), LO_OK);
	struct lo_give give[2] = {
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
		{ LO_STARTUP_USER, utest_dup(lo_event_handle(c->ping), LO_DEFAULT_RIGHTS_EVENT) },
	};
	if (!CHECK_ST(utest_spawn_child("event-pong", give, 2, &c->process), LO_OK))
		return false;
	char buf[4];
	lo_handle_t h[1] = { { 0 } };
	struct lo_channel_read_result got = { 0, 0 };
	uint32_t observed;
	CHECK_ST(lo_handle_wait_one(lo_channel_handle(c->mine), LO_SIG_CHANNEL_READABLE,
				    lo_deadline_after_ms(5000), &observed), LO_OK);
	CHECK_ST(lo_channel_read(c->mine, buf, sizeof(buf), h, 1, &got), LO_OK);
	c->pong = lo_event_from(h[0]);
	return CHECK(got.handles == 1);
}

static void end_pong_child(struct pong_child *c)
{
	if (c->process.value)
		lo_handle_close(lo_process_handle(c->process));
	if (lo_event_handle(c->pong).value)
		lo_handle_close(lo_event_handle(c->pong));
	lo_handle_close(lo_channel_handle(c->mine));
	lo_handle_close(lo_event_handle(c->ping));
}

/* Ping-pong with another process, as the bench does; then the process is
 * killed while it waits in the call, and takes nothing after. */
static void test_other_process(void)
{
	struct pong_child c;
	if (start_pong_child(&c)) {
		int rounds = 0;
		for (; rounds < 200; rounds++) {
			signal_event(c.ping);
			if (!CHECK_ST(lo_event_consume(c.pong, lo_deadline_after_ms(3000)), LO_OK))
				break;
		}
		CHECK(rounds == 200);
		CHECK(signals_of(c.ping) == 0 && signals_of(c.pong) == 0);
		utest_sleep_ms(10);   /* the child is back in event_consume by now */
		CHECK_ST(lo_process_kill(c.process), LO_OK);
		struct lo_process_info info;
		CHECK(utest_wait_process(c.process, &info));
		signal_event(c.ping);
		CHECK(signals_of(c.ping) == LO_SIG_EVENT_SIGNALED);
	}
	end_pong_child(&c);
}

/* Needs WAIT and SIGNAL; a denial takes nothing and is recorded. */
static void denied_without(uint32_t lacking)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	uint32_t rights = LO_DEFAULT_RIGHTS_EVENT & ~lacking;
	lo_event_t weak = lo_event_from(utest_dup(lo_event_handle(e), rights));
	signal_event(e);
	CHECK_ST(lo_event_consume(weak, 0), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_event_consume(weak, lo_deadline_after_ms(1000)), LO_ERR_ACCESS_DENIED);
	CHECK(signals_of(e) == LO_SIG_EVENT_SIGNALED);
	struct lo_denial d;
	CHECK(utest_find_denial(LO_SYS_EVENT_CONSUME, lo_event_handle(weak).value, &d) &&
	      d.missing == lacking && (d.required & lacking) && d.held == rights);
	lo_handle_close(lo_event_handle(weak));
	lo_handle_close(lo_event_handle(e));
}

static void test_denied_without_wait(void) { denied_without(LO_RIGHT_WAIT); }
static void test_denied_without_signal(void) { denied_without(LO_RIGHT_SIGNAL); }

static void test_wrong_type(void)
{
	lo_port_t p;
	CHECK_ST(lo_port_create(lo_job_self(), &p), LO_OK);
	CHECK_ST(lo_event_consume(lo_event_from(lo_port_handle(p)), 0), LO_ERR_WRONG_TYPE);
	lo_timer_t tm;
	CHECK_ST(lo_timer_create(lo_job_self(), &tm), LO_OK);   /* a timer signals too */
	CHECK_ST(lo_event_consume(lo_event_from(lo_timer_handle(tm)), 0), LO_ERR_WRONG_TYPE);
	CHECK_ST(lo_event_consume(lo_event_from((lo_handle_t){ 0x1234 }), 0), LO_ERR_BAD_HANDLE);
	lo_handle_close(lo_timer_handle(tm));
	lo_handle_close(lo_port_handle(p));
}

/* Many consumers on all CPUs against a stream of signals: each signal is
 * taken exactly once. The signaler waits for each to be taken (the bit to
 * clear) before the next, so no two signals merge into one. */
#define RACE_CONSUMERS 4
#define RACE_SIGNALS   400

struct racer {
	lo_event_t e;
	volatile int *stop;
	uint64_t wait_ns;   /* each consume's deadline, from its start */
	int taken;
};

static void run_racer(void *arg)
{
	struct racer *r = arg;
	while (!*r->stop) {
		status_t st = lo_event_consume(r->e, lo_now() + r->wait_ns);
		if (st == LO_OK)
			r->taken++;
		else if (st != LO_ERR_TIMED_OUT)
			return;
	}
}

/* RACE_CONSUMERS threads consume with deadlines wait_ns long while
 * RACE_SIGNALS signals are sent one at a time: each must be taken once. */
static void race_consumers(uint64_t wait_ns)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	volatile int stop = 0;
	struct racer r[RACE_CONSUMERS];
	lo_thread_t t[RACE_CONSUMERS];
	for (int i = 0; i < RACE_CONSUMERS; i++) {
		r[i] = (struct racer){ e, &stop, wait_ns, 0 };
		CHECK_ST(lo_thread_run(run_racer, &r[i], "racer", &t[i]), LO_OK);
	}
	int sent = 0;
	for (int i = 0; i < RACE_SIGNALS; i++) {
		signal_event(e);
		sent++;
		int spins = 0;
		while (signals_of(e) & LO_SIG_EVENT_SIGNALED) {
			if (++spins > 200) {
				utest_sleep_ms(1);
				spins = 0;
			}
		}
	}
	stop = 1;
	int taken = 0;
	for (int i = 0; i < RACE_CONSUMERS; i++) {
		CHECK_ST(lo_thread_join(t[i], lo_deadline_after_ms(3000)), LO_OK);
		taken += r[i].taken;
	}
	if (!CHECK(taken == sent))
		lo_printf("  %d signals sent, %d taken\n", sent, taken);
	CHECK(signals_of(e) == 0);
	lo_handle_close(lo_event_handle(e));
}

static void test_race_each_signal_once(void)
{
	race_consumers(20000000);   /* 20 ms: most consumes are handed a signal */
}

/* The same race with deadlines so short that most calls time out: a
 * deadline that passes just as a signal is handed over must not lose that
 * signal (the call returns OK then, as wait_one does). The timed-out
 * thread may still be waiting for a CPU when the signal reaches its
 * observer, so the window is wide, on one CPU as on four. */
static void test_race_with_deadlines(void)
{
	race_consumers(20000);   /* 20 us */
}

/* A signal that comes right after a kill, while the killed thread has not
 * yet run to take itself off the list, is not taken by it: the kill ended
 * that consume first, so the signal stays for someone else (as an
 * interrupted read of an eventfd leaves the count). */
static void test_signal_just_after_kill(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	for (int round = 0; round < 20; round++) {
		struct consumer c;
		lo_thread_t t;
		start(&c, e, 5000, &t);
		CHECK_ST(lo_thread_kill(t), LO_OK);
		signal_event(e);
		CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(1000)), LO_OK);
		CHECK(c.st == LO_ERR_SHOULD_WAIT);   /* the call never returned */
		if (!CHECK(signals_of(e) == LO_SIG_EVENT_SIGNALED))
			break;
		CHECK_ST(lo_event_consume(e, 0), LO_OK);
	}
	lo_handle_close(lo_event_handle(e));
}

/* The same with a process: killed while its thread waits in the call, then
 * signaled at once; the signal outlives the process. */
static void test_signal_just_after_process_kill(void)
{
	struct pong_child c;
	if (start_pong_child(&c)) {
		/* One round trip, so the child is in (or about to be in) the call. */
		signal_event(c.ping);
		CHECK_ST(lo_event_consume(c.pong, lo_deadline_after_ms(3000)), LO_OK);
		utest_sleep_ms(10);
		CHECK_ST(lo_process_kill(c.process), LO_OK);
		signal_event(c.ping);
		struct lo_process_info info;
		CHECK(utest_wait_process(c.process, &info));
		CHECK(signals_of(c.ping) == LO_SIG_EVENT_SIGNALED);
	}
	end_pong_child(&c);
}

static const struct utest event_consume_tests[] = {
	{ "event_consume.already_signaled", test_already_signaled },
	{ "event_consume.block_then_wake", test_block_then_wake },
	{ "event_consume.one_signal_one_waiter", test_one_signal_one_waiter },
	{ "event_consume.timeout", test_timeout },
	{ "event_consume.close_mid_wait", test_close_mid_wait },
	{ "event_consume.revoke_mid_wait", test_revoke_mid_wait },
	{ "event_consume.replace_or_move_mid_wait", test_replace_or_move_mid_wait },
	{ "event_consume.kill_mid_wait", test_kill_mid_wait },
	{ "event_consume.other_process", test_other_process },
	{ "event_consume.denied_without_wait", test_denied_without_wait },
	{ "event_consume.denied_without_signal", test_denied_without_signal },
	{ "event_consume.wrong_type", test_wrong_type },
	{ "event_consume.race_each_signal_once", test_race_each_signal_once },
	{ "event_consume.race_with_deadlines", test_race_with_deadlines },
	{ "event_consume.signal_just_after_kill", test_signal_just_after_kill },
	{ "event_consume.signal_just_after_process_kill", test_signal_just_after_process_kill },
	{ 0, 0 },
};

UTEST_SUITE(event_consume_tests);
