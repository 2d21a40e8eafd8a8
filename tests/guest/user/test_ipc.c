/* The IPC fast paths (docs/performance.md, "The IPC path"): a wait that is
 * already satisfied answers at once, a channel pair reuses one small
 * message buffer, and a wait without deadline arms no timer (so nothing
 * of an earlier wait's timer may outlive it). Each test checks what the
 * shortcut must still get right. */
#include "utest.h"
#include "lightos/thread.h"

static lo_event_t new_event(void)
{
	lo_event_t e = { 0 };
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	return e;
}

/* A satisfied wait reports every signal the object has, not only the ones
 * it waited for. */
static void test_satisfied_wait_one(void)
{
	lo_event_t e = new_event();
	CHECK_ST(lo_handle_signal(lo_event_handle(e), 0, LO_SIG_EVENT_SIGNALED | (1u << 26)), LO_OK);
	uint32_t observed = 0;
	CHECK_ST(lo_handle_wait_one(lo_event_handle(e), LO_SIG_EVENT_SIGNALED, 0, &observed), LO_OK);
	CHECK(observed == (LO_SIG_EVENT_SIGNALED | (1u << 26)));
	/* Satisfied by a user signal alone. */
	CHECK_ST(lo_handle_signal(lo_event_handle(e), LO_SIG_EVENT_SIGNALED, 0), LO_OK);
	observed = 0;
	CHECK_ST(lo_handle_wait_one(lo_event_handle(e), 1u << 26, UINT64_MAX, &observed), LO_OK);
	CHECK(observed == (1u << 26));
	/* Not satisfied: the deadline still ends it. */
	CHECK_ST(lo_handle_wait_one(lo_event_handle(e), LO_SIG_EVENT_SIGNALED, 0, &observed),
		 LO_ERR_TIMED_OUT);
	lo_handle_close(lo_event_handle(e));
}

/* wait_many satisfied by one object: every object's signals come back,
 * the unsatisfied ones' too. */
static void test_satisfied_wait_many(void)
{
	lo_event_t quiet = new_event(), ready = new_event();
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	CHECK_ST(lo_handle_signal(lo_event_handle(quiet), 0, 1u << 25), LO_OK);
	CHECK_ST(lo_handle_signal(lo_event_handle(ready), 0, LO_SIG_EVENT_SIGNALED), LO_OK);
	lo_handle_t h[3] = { lo_event_handle(quiet), lo_channel_handle(a), lo_event_handle(ready) };
	uint32_t masks[3] = { LO_SIG_EVENT_SIGNALED, LO_SIG_CHANNEL_READABLE, LO_SIG_EVENT_SIGNALED };
	uint32_t observed[3] = { 0, 0, 0 };
	CHECK_ST(lo_handle_wait_many(h, masks, observed, 3, UINT64_MAX), LO_OK);
	CHECK(observed[0] == (1u << 25));
	CHECK(observed[1] == LO_SIG_CHANNEL_WRITABLE);
	CHECK(observed[2] == LO_SIG_EVENT_SIGNALED);
	/* A bad handle among satisfied ones is still refused first. */
	lo_handle_t bad[2] = { lo_event_handle(ready), { 0x12345678 } };
	CHECK_ST(lo_handle_wait_many(bad, masks, observed, 2, UINT64_MAX), LO_ERR_BAD_HANDLE);
	lo_handle_close(lo_event_handle(quiet));
	lo_handle_close(lo_event_handle(ready));
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(lo_channel_handle(b));
}

static void send_ok(lo_channel_t ch, const void *bytes, uint32_t n, lo_handle_t *h, uint32_t nh)
{
	CHECK_ST(lo_channel_write(ch, bytes, n, h, nh), LO_OK);
}

/* Read one message and compare it with what was sent. */
static void expect(lo_channel_t ch, const uint8_t *want, uint32_t n, uint32_t nh)
{
	static uint8_t buf[1024];
	lo_handle_t h[4];
	struct lo_channel_read_result got = { 0, 0 };
	lo_memset(buf, 0xee, sizeof(buf));
	CHECK_ST(lo_channel_read(ch, buf, sizeof(buf), h, 4, &got), LO_OK);
	CHECK(got.bytes == n && got.handles == nh);
	CHECK(lo_memcmp(buf, want, n) == 0);
	for (uint32_t i = 0; i < got.handles && i < 4; i++) {
		CHECK(utest_object_id(h[i]) != 0);
		lo_handle_close(h[i]);
	}
}

/* Small messages go through the pair's one spare buffer: sizes, handles
 * and contents stay each message's own, however they alternate, with
 * several queued at once and with large messages in between. */
static void test_small_message_reuse(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	static uint8_t big[600], small[100];
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	for (unsigned i = 0; i < sizeof(small); i++)
		small[i] = (uint8_t)(0xa0 + i);
	for (int round = 0; round < 3; round++) {
		lo_event_t e1 = new_event(), e2 = new_event();
		lo_handle_t hs[2] = { lo_event_handle(e1), lo_event_handle(e2) };
		send_ok(a, small, 100, hs, 2);      /* small, with handles */
		expect(b, small, 100, 2);
		send_ok(a, "x", 1, NULL, 0);        /* small, in the same buffer */
		expect(b, (const uint8_t *)"x", 1, 0);
		send_ok(a, big, sizeof(big), NULL, 0);
		send_ok(a, small + 1, 7, NULL, 0);  /* two queued at once */
		send_ok(a, small + 2, 9, NULL, 0);
		expect(b, big, sizeof(big), 0);
		expect(b, small + 1, 7, 0);
		expect(b, small + 2, 9, 0);
		send_ok(b, "", 0, NULL, 0);         /* the other direction, empty */
		expect(a, (const uint8_t *)"", 0, 0);
	}
	/* A spare and a queued message when the pair goes: nothing is left
	 * (the runner checks the object counts). */
	lo_event_t e = new_event();
	lo_handle_t h = lo_event_handle(e);
	send_ok(a, "q", 1, &h, 1);
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(lo_channel_handle(b));
}

struct later {
	lo_event_t e;
	uint64_t ms;
};

static void signal_later(void *arg)
{
	struct later *l = arg;
	utest_sleep_ms(l->ms);
	lo_handle_signal(lo_event_handle(l->e), 0, LO_SIG_EVENT_SIGNALED);
}

/* A wait with a deadline ended early by a signal leaves no timer behind:
 * the next wait, without deadline, is not ended by the old one's. */
static void test_no_stale_timer(void)
{
	for (int round = 0; round < 3; round++) {
		struct later first = { new_event(), 1 }, second = { new_event(), 60 };
		lo_thread_t t1, t2;
		uint32_t observed = 0;
		CHECK_ST(lo_thread_run(signal_later, &first, "sig1", &t1), LO_OK);
		CHECK_ST(lo_handle_wait_one(lo_event_handle(first.e), LO_SIG_EVENT_SIGNALED,
					    lo_deadline_after_ms(20), &observed), LO_OK);
		CHECK_ST(lo_thread_run(signal_later, &second, "sig2", &t2), LO_OK);
		CHECK_ST(lo_handle_wait_one(lo_event_handle(second.e), LO_SIG_EVENT_SIGNALED,
					    UINT64_MAX, &observed), LO_OK);
		CHECK(observed & LO_SIG_EVENT_SIGNALED);
		CHECK_ST(lo_thread_join(t1, UINT64_MAX), LO_OK);
		CHECK_ST(lo_thread_join(t2, UINT64_MAX), LO_OK);
		lo_handle_close(lo_event_handle(first.e));
		lo_handle_close(lo_event_handle(second.e));
	}
}

static const struct utest ipc_tests[] = {
	{ "ipc.satisfied_wait_one", test_satisfied_wait_one },
	{ "ipc.satisfied_wait_many", test_satisfied_wait_many },
	{ "ipc.small_message_reuse", test_small_message_reuse },
	{ "ipc.no_stale_timer", test_no_stale_timer },
	{ 0, 0 },
};

UTEST_SUITE(ipc_tests);
