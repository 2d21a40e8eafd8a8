/* A revoke reaches threads blocked in channel_call and channel_reply_wait:
 * one that came through the revoked grant ends with CANCELED at once (as a
 * wait does) and takes nothing that comes later; one that came through
 * another handle to the same end waits on and gets its message. */
#include "utest.h"
#include "lightos/thread.h"

struct msg {
	uint32_t txid;
	uint32_t value;
};

/* One blocked call: a reply_wait (serve) or a channel_call (call) through
 * `through`, with a 2 s deadline. */
struct blocked {
	lo_channel_t through;
	int call;
	status_t st;
	struct msg m;
	lo_handle_t h[1];
	struct lo_channel_read_result got;
};

static void run_blocked(void *arg)
{
	struct blocked *b = arg;
	struct lo_channel_call_reply into = {
		(uint64_t)(uintptr_t)&b->m, (uint64_t)(uintptr_t)b->h, (uint64_t)(uintptr_t)&b->got,
		sizeof(b->m), 1, lo_deadline_after_ms(2000)
	};
	if (b->call) {
		struct msg rq = { 41, 1 };
		b->st = lo_channel_call(b->through, &rq, sizeof(rq), NULL, 0, &into);
	} else {
		b->st = lo_channel_reply_wait(b->through, NULL, 0, NULL, 0, &into);
	}
}

/* A grant of `end` through a new revoker. */
static lo_channel_t grant(lo_channel_t end, lo_revoker_t *r)
{
	uint32_t v = 0;
	CHECK_ST(lo_revoker_create(lo_job_self(), r), LO_OK);
	CHECK_ST(lo_revoker_grant(*r, lo_channel_handle(end), LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_TRANSFER,
				  &v), LO_OK);
	return (lo_channel_t){ v };
}

/* The message that reaches the blocked thread's end after the revoke: a
 * request for a server, the reply to its request for a caller. It carries
 * an event, so a message taken through a revoked grant shows. */
static void send_after(struct blocked *b, lo_channel_t other)
{
	struct msg m = { 41, 2 };
	struct lo_channel_read_result got;
	if (b->call) {
		CHECK_ST(lo_channel_read(other, &m, sizeof(m), NULL, 0, &got), LO_OK);   /* its request */
		CHECK(m.txid == 41 && m.value == 1);
		m.value = 2;
	}
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t give[1] = { lo_event_handle(e) };
	CHECK_ST(lo_channel_write(other, &m, sizeof(m), give, 1), LO_OK);
}

/* Read what is left at ch, closing the handles it carries. */
static int drain(lo_channel_t ch)
{
	struct msg m;
	lo_handle_t h[1];
	struct lo_channel_read_result got;
	int n = 0;
	while (lo_channel_read(ch, &m, sizeof(m), h, 1, &got) == LO_OK) {
		for (uint32_t i = 0; i < got.handles; i++)
			lo_handle_close(h[i]);
		n++;
	}
	return n;
}

static void revoked_through(int call)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	lo_revoker_t r;
	lo_channel_t mine = call ? a : b, other = call ? b : a;
	struct blocked w = { grant(mine, &r), call, LO_ERR_SHOULD_WAIT, { 0, 0 }, { { 0 } }, { 0, 0 } };
	lo_thread_t t;
	CHECK_ST(lo_thread_run(run_blocked, &w, "blocked", &t), LO_OK);
	CHECK(utest_thread_blocked(t));
	CHECK_ST(lo_revoker_revoke(r), LO_OK);
	/* Ended by the revoke itself, long before its deadline. */
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(1000)), LO_OK);
	CHECK_ST(w.st, LO_ERR_CANCELED);
	send_after(&w, other);
	CHECK(drain(mine) == 1);   /* it took nothing: the message waits */
	lo_handle_close(lo_channel_handle(w.through));
	lo_handle_close(lo_revoker_handle(r));
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(lo_channel_handle(b));
}

static void other_grant_revoked(int call)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	lo_revoker_t gone, kept;
	lo_channel_t mine = call ? a : b, other = call ? b : a;
	lo_channel_t revoked = grant(mine, &gone);
	struct blocked w = { grant(mine, &kept), call, LO_ERR_SHOULD_WAIT, { 0, 0 }, { { 0 } }, { 0, 0 } };
	lo_thread_t t;
	CHECK_ST(lo_thread_run(run_blocked, &w, "blocked", &t), LO_OK);
	CHECK(utest_thread_blocked(t));
	CHECK_ST(lo_revoker_revoke(gone), LO_OK);
	utest_sleep_ms(20);
	CHECK_ST(w.st, LO_ERR_SHOULD_WAIT);   /* not its grant: still waiting */
	CHECK(utest_thread_blocked(t));
	send_after(&w, other);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(3000)), LO_OK);
	CHECK_ST(w.st, LO_OK);
	CHECK(w.m.txid == 41 && w.m.value == 2 && w.got.handles == 1);
	lo_handle_close(w.h[0]);
	CHECK(drain(mine) == 0);
	lo_handle_close(lo_channel_handle(revoked));
	lo_handle_close(lo_channel_handle(w.through));
	lo_handle_close(lo_revoker_handle(gone));
	lo_handle_close(lo_revoker_handle(kept));
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(lo_channel_handle(b));
}

static void test_revoked_server(void) { revoked_through(0); }
static void test_revoked_caller(void) { revoked_through(1); }
static void test_other_grant_server(void) { other_grant_revoked(0); }
static void test_other_grant_caller(void) { other_grant_revoked(1); }

static const struct utest channel_revoke_tests[] = {
	{ "call.revoke.server", test_revoked_server },
	{ "call.revoke.caller", test_revoked_caller },
	{ "call.revoke.other_grant_server", test_other_grant_server },
	{ "call.revoke.other_grant_caller", test_other_grant_caller },
	{ 0, 0 },
};

UTEST_SUITE(channel_revoke_tests);
