/* channel_call: the fast path (the reply handed to the waiting caller) and
 * every way around it: no reader yet, a reply too big, handles both ways,
 * the peer or the caller's own end closing, a deadline, a killed caller,
 * two callers on one channel, a stray message, and each rights check. */
#include "utest.h"
#include "lightos/thread.h"

struct msg {
	uint32_t txid;
	uint32_t value;
};

static struct lo_channel_call_reply reply_into(struct msg *m, lo_handle_t *h, uint32_t max_handles,
					       struct lo_channel_read_result *got, uint64_t deadline)
{
	struct lo_channel_call_reply r = {
		(uint64_t)(uintptr_t)m, (uint64_t)(uintptr_t)h, (uint64_t)(uintptr_t)got,
		sizeof(*m), max_handles, deadline
	};
	return r;
}

/* Wait for and read one message at ch (its handles into h). */
static status_t read_one(lo_channel_t ch, void *buf, uint32_t size, lo_handle_t *h, uint32_t max_h,
			 struct lo_channel_read_result *got)
{
	uint32_t observed;
	status_t st = lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE,
					 lo_deadline_after_ms(5000), &observed);
	if (st != LO_OK)
		return st;
	return lo_channel_read(ch, buf, size, h, max_h, got);
}

/* What the server thread does with the one request it reads. */
enum serve { ECHO_PLUS_ONE, ECHO_LATE, REPLY_EVENT, REPLY_BIG, CLOSE, TAKE_HANDLE };

struct server {
	lo_channel_t ch;
	enum serve how;
	status_t st;                 /* of its read */
	uint32_t handles_got;
	lo_handle_t got;             /* TAKE_HANDLE: the handle that came */
};

static void serve_one(void *arg)
{
	struct server *s = arg;
	struct msg m;
	lo_handle_t h[1];
	struct lo_channel_read_result got;
	if (s->how == ECHO_LATE)
		utest_sleep_ms(30);   /* the caller is blocked before anyone reads */
	s->st = read_one(s->ch, &m, sizeof(m), h, 1, &got);
	if (s->st != LO_OK)
		return;
	s->handles_got = got.handles;
	switch (s->how) {
	case ECHO_PLUS_ONE:
	case ECHO_LATE:
		m.value++;
		lo_channel_write(s->ch, &m, sizeof(m), NULL, 0);
		break;
	case REPLY_EVENT: {
		lo_event_t e;
		lo_event_create(lo_job_self(), &e);
		lo_handle_t give[1] = { lo_event_handle(e) };
		m.value = 99;
		lo_channel_write(s->ch, &m, sizeof(m), give, 1);
		break;
	}
	case REPLY_BIG: {
		uint32_t big[8] = { m.txid, 1, 2, 3, 4, 5, 6, 7 };
		lo_channel_write(s->ch, big, sizeof(big), NULL, 0);
		break;
	}
	case CLOSE:
		lo_handle_close(lo_channel_handle(s->ch));
		s->ch.value = 0;
		break;
	case TAKE_HANDLE:
		s->got = h[0];
		m.value = got.handles;
		lo_channel_write(s->ch, &m, sizeof(m), NULL, 0);
		break;
	}
}

static void start_server(struct server *s, lo_channel_t ch, enum serve how, lo_thread_t *t)
{
	s->ch = ch;
	s->how = how;
	s->st = LO_ERR_SHOULD_WAIT;
	s->handles_got = 0;
	s->got.value = 0;
	CHECK_ST(lo_thread_run(serve_one, s, "server", t), LO_OK);
}

static void close_pair(lo_channel_t a, lo_channel_t b)
{
	lo_handle_close(lo_channel_handle(a));
	if (b.value)
		lo_handle_close(lo_channel_handle(b));
}

/* The reply comes back in the call; it never shows at the end as a
 * queued message (it was handed over). */
static void test_echo(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	for (int round = 0; round < 3; round++) {
		struct server s;
		lo_thread_t t;
		start_server(&s, b, ECHO_PLUS_ONE, &t);
		struct msg m = { 0x100 + (uint32_t)round, 41 }, r = { 0, 0 };
		struct lo_channel_read_result got = { 0, 0 };
		struct lo_channel_call_reply rep = reply_into(&r, NULL, 0, &got, UINT64_MAX);
		CHECK_ST(lo_channel_call(a, &m, sizeof(m), NULL, 0, &rep), LO_OK);
		CHECK(r.txid == 0x100 + (uint32_t)round && r.value == 42);
		CHECK(got.bytes == sizeof(r) && got.handles == 0);
		CHECK_ST(lo_thread_join(t, UINT64_MAX), LO_OK);
		struct lo_object_info oi;
		CHECK_ST(lo_handle_info(lo_channel_handle(a), &oi), LO_OK);
		CHECK(!(oi.signals & LO_SIG_CHANNEL_READABLE));
	}
	close_pair(a, b);
}

/* Nobody reads yet when the request goes out: it waits in the queue, the
 * caller blocks, the reply still finds it. */
static void test_receiver_not_waiting(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct server s;
	lo_thread_t t;
	start_server(&s, b, ECHO_LATE, &t);
	struct msg m = { 7, 1 }, r = { 0, 0 };
	struct lo_channel_read_result got;
	struct lo_channel_call_reply rep = reply_into(&r, NULL, 0, &got, UINT64_MAX);
	CHECK_ST(lo_channel_call(a, &m, sizeof(m), NULL, 0, &rep), LO_OK);
	CHECK(r.txid == 7 && r.value == 2);
	CHECK_ST(lo_thread_join(t, UINT64_MAX), LO_OK);
	close_pair(a, b);
}

/* Handles both ways: the request's leave the caller, the reply's arrive. */
static void test_handles(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct server s;
	lo_thread_t t;
	start_server(&s, b, REPLY_EVENT, &t);
	struct msg m = { 8, 0 }, r = { 0, 0 };
	lo_handle_t h[2] = { { 0 }, { 0 } };
	struct lo_channel_read_result got;
	struct lo_channel_call_reply rep = reply_into(&r, h, 2, &got, UINT64_MAX);
	CHECK_ST(lo_channel_call(a, &m, sizeof(m), NULL, 0, &rep), LO_OK);
	CHECK(r.value == 99 && got.handles == 1);
	struct lo_object_info oi;
	CHECK_ST(lo_handle_info(h[0], &oi), LO_OK);
	CHECK(oi.type == LO_TYPE_EVENT);
	lo_handle_close(h[0]);
	CHECK_ST(lo_thread_join(t, UINT64_MAX), LO_OK);

	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	start_server(&s, b, TAKE_HANDLE, &t);
	lo_handle_t give[1] = { lo_event_handle(e) };
	CHECK_ST(lo_channel_call(a, &m, sizeof(m), give, 1, &rep), LO_OK);
	CHECK(r.value == 1 && got.handles == 0);
	CHECK_ST(lo_handle_info(lo_event_handle(e), &oi), LO_ERR_BAD_HANDLE);   /* it left */
	CHECK_ST(lo_thread_join(t, UINT64_MAX), LO_OK);
	CHECK_ST(lo_handle_info(s.got, &oi), LO_OK);
	CHECK(oi.type == LO_TYPE_EVENT);
	lo_handle_close(s.got);
	close_pair(a, b);
}

/* A reply bigger than the caller's buffer: BUFFER_TOO_SMALL with its
 * sizes, and it waits in the queue for a read. */
static void test_reply_too_big(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct server s;
	lo_thread_t t;
	start_server(&s, b, REPLY_BIG, &t);
	struct msg m = { 9, 0 }, r = { 0, 0 };
	struct lo_channel_read_result got = { 0, 0 };
	struct lo_channel_call_reply rep = reply_into(&r, NULL, 0, &got, UINT64_MAX);
	CHECK_ST(lo_channel_call(a, &m, sizeof(m), NULL, 0, &rep), LO_ERR_BUFFER_TOO_SMALL);
	CHECK(got.bytes == 32 && got.handles == 0);
	uint32_t big[8] = { 0 };
	CHECK_ST(lo_channel_read(a, big, sizeof(big), NULL, 0, &got), LO_OK);
	CHECK(big[0] == 9 && big[7] == 7);
	CHECK_ST(lo_thread_join(t, UINT64_MAX), LO_OK);
	close_pair(a, b);
}

/* The peer closes instead of replying, or was closed before. */
static void test_peer_closed(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct server s;
	lo_thread_t t;
	start_server(&s, b, CLOSE, &t);
	struct msg m = { 10, 0 }, r;
	struct lo_channel_read_result got;
	struct lo_channel_call_reply rep = reply_into(&r, NULL, 0, &got, UINT64_MAX);
	CHECK_ST(lo_channel_call(a, &m, sizeof(m), NULL, 0, &rep), LO_ERR_PEER_CLOSED);
	CHECK_ST(lo_thread_join(t, UINT64_MAX), LO_OK);
	CHECK_ST(lo_channel_call(a, &m, sizeof(m), NULL, 0, &rep), LO_ERR_PEER_CLOSED);
	close_pair(a, s.ch);
}

/* No reply by the deadline: TIMED_OUT, the request stays sent; a late
 * reply then finds no caller and waits in the queue like any message. */
static void test_timeout(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct msg m = { 11, 5 }, r;
	struct lo_channel_read_result got;
	struct lo_channel_call_reply rep = reply_into(&r, NULL, 0, &got, lo_deadline_after_ms(20));
	CHECK_ST(lo_channel_call(a, &m, sizeof(m), NULL, 0, &rep), LO_ERR_TIMED_OUT);
	rep.deadline = 0;   /* already passed: sends, then times out at once */
	CHECK_ST(lo_channel_call(a, &m, sizeof(m), NULL, 0, &rep), LO_ERR_TIMED_OUT);
	struct msg in;
	CHECK_ST(lo_channel_read(b, &in, sizeof(in), NULL, 0, &got), LO_OK);
	CHECK(in.txid == 11 && in.value == 5);
	CHECK_ST(lo_channel_read(b, &in, sizeof(in), NULL, 0, &got), LO_OK);
	CHECK_ST(lo_channel_write(b, &in, sizeof(in), NULL, 0), LO_OK);
	r.txid = 0;
	CHECK_ST(lo_channel_read(a, &r, sizeof(r), NULL, 0, &got), LO_OK);
	CHECK(r.txid == 11);
	close_pair(a, b);
}

struct caller {
	lo_channel_t ch;
	uint32_t txid;
	status_t st;
	struct msg reply;
};

static void call_thread(void *arg)
{
	struct caller *c = arg;
	struct msg m = { c->txid, c->txid * 10 };
	struct lo_channel_read_result got;
	struct lo_channel_call_reply rep = reply_into(&c->reply, NULL, 0, &got, lo_deadline_after_ms(5000));
	c->st = lo_channel_call(c->ch, &m, sizeof(m), NULL, 0, &rep);
}

/* A thread killed in the call: it ends; the reply that comes later waits
 * in the queue (no caller takes it, nothing leaks). */
static void test_killed_caller(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct caller c = { a, 12, LO_ERR_SHOULD_WAIT, { 0, 0 } };
	lo_thread_t t;
	CHECK_ST(lo_thread_run(call_thread, &c, "caller", &t), LO_OK);
	struct msg in;
	struct lo_channel_read_result got;
	CHECK_ST(read_one(b, &in, sizeof(in), NULL, 0, &got), LO_OK);
	CHECK(in.txid == 12);
	utest_sleep_ms(5);   /* it is blocked in the call by now, or soon */
	CHECK_ST(lo_thread_kill(t), LO_OK);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(3000)), LO_OK);
	CHECK(c.st == LO_ERR_SHOULD_WAIT);   /* the call never returned */
	CHECK_ST(lo_channel_write(b, &in, sizeof(in), NULL, 0), LO_OK);
	struct msg r = { 0, 0 };
	CHECK_ST(lo_channel_read(a, &r, sizeof(r), NULL, 0, &got), LO_OK);
	CHECK(r.txid == 12);
	close_pair(a, b);
}

/* The caller's own end closes under it (another thread closes the last
 * handle): the call ends CANCELED. */
static void test_own_end_closed(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct caller c = { a, 13, LO_ERR_SHOULD_WAIT, { 0, 0 } };
	lo_thread_t t;
	CHECK_ST(lo_thread_run(call_thread, &c, "caller", &t), LO_OK);
	struct msg in;
	struct lo_channel_read_result got;
	CHECK_ST(read_one(b, &in, sizeof(in), NULL, 0, &got), LO_OK);
	utest_sleep_ms(5);
	lo_handle_close(lo_channel_handle(a));
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(3000)), LO_OK);
	CHECK_ST(c.st, LO_ERR_CANCELED);
	lo_handle_close(lo_channel_handle(b));
}

/* Two threads call on one channel; the server answers in the opposite
 * order; each gets its own reply. A message with another txid that comes
 * meanwhile is no one's reply: it waits in the queue. */
static void test_two_callers(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct caller c1 = { a, 21, LO_ERR_SHOULD_WAIT, { 0, 0 } };
	struct caller c2 = { a, 22, LO_ERR_SHOULD_WAIT, { 0, 0 } };
	lo_thread_t t1, t2;
	CHECK_ST(lo_thread_run(call_thread, &c1, "caller1", &t1), LO_OK);
	CHECK_ST(lo_thread_run(call_thread, &c2, "caller2", &t2), LO_OK);
	struct msg in[2];
	struct lo_channel_read_result got;
	CHECK_ST(read_one(b, &in[0], sizeof(in[0]), NULL, 0, &got), LO_OK);
	CHECK_ST(read_one(b, &in[1], sizeof(in[1]), NULL, 0, &got), LO_OK);
	utest_sleep_ms(5);
	struct msg stray = { 999, 1 };
	CHECK_ST(lo_channel_write(b, &stray, sizeof(stray), NULL, 0), LO_OK);
	for (int i = 1; i >= 0; i--) {
		in[i].value += 1;
		CHECK_ST(lo_channel_write(b, &in[i], sizeof(in[i]), NULL, 0), LO_OK);
	}
	CHECK_ST(lo_thread_join(t1, UINT64_MAX), LO_OK);
	CHECK_ST(lo_thread_join(t2, UINT64_MAX), LO_OK);
	CHECK_ST(c1.st, LO_OK);
	CHECK_ST(c2.st, LO_OK);
	CHECK(c1.reply.txid == 21 && c1.reply.value == 211);
	CHECK(c2.reply.txid == 22 && c2.reply.value == 221);
	struct msg r = { 0, 0 };
	CHECK_ST(lo_channel_read(a, &r, sizeof(r), NULL, 0, &got), LO_OK);
	CHECK(r.txid == 999);
	close_pair(a, b);
}

/* Each rights check denies: READ and WRITE on the channel, TRANSFER on a
 * handle in the request. And the argument checks. */
static void test_denied(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct msg m = { 30, 0 }, r;
	struct lo_channel_read_result got;
	struct lo_channel_call_reply rep = reply_into(&r, NULL, 0, &got, lo_deadline_after_ms(10));
	lo_channel_t no_write = lo_channel_from(utest_dup(lo_channel_handle(a),
							  LO_DEFAULT_RIGHTS_CHANNEL & ~LO_RIGHT_WRITE));
	lo_channel_t no_read = lo_channel_from(utest_dup(lo_channel_handle(a),
							 LO_DEFAULT_RIGHTS_CHANNEL & ~LO_RIGHT_READ));
	CHECK_ST(lo_channel_call(no_write, &m, sizeof(m), NULL, 0, &rep), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_channel_call(no_read, &m, sizeof(m), NULL, 0, &rep), LO_ERR_ACCESS_DENIED);
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t stuck[1] = { utest_dup(lo_event_handle(e), LO_DEFAULT_RIGHTS_EVENT & ~LO_RIGHT_TRANSFER) };
	CHECK_ST(lo_channel_call(a, &m, sizeof(m), stuck, 1, &rep), LO_ERR_ACCESS_DENIED);
	struct lo_object_info oi;
	CHECK_ST(lo_handle_info(stuck[0], &oi), LO_OK);   /* denied: it stayed */
	/* Nothing was sent by any of them. */
	CHECK_ST(lo_channel_read(b, &m, sizeof(m), NULL, 0, &got), LO_ERR_SHOULD_WAIT);

	CHECK_ST(lo_channel_call(a, &m, 3, NULL, 0, &rep), LO_ERR_INVALID_ARGS);   /* no txid */
	rep.max_bytes = LO_CHANNEL_MAX_BYTES + 1;
	CHECK_ST(lo_channel_call(a, &m, sizeof(m), NULL, 0, &rep), LO_ERR_OUT_OF_RANGE);
	CHECK_ST(lo_channel_read(b, &m, sizeof(m), NULL, 0, &got), LO_ERR_SHOULD_WAIT);

	lo_handle_close(stuck[0]);
	lo_handle_close(lo_event_handle(e));
	lo_handle_close(lo_channel_handle(no_write));
	lo_handle_close(lo_channel_handle(no_read));
	close_pair(a, b);
}

/* A reply whose bytes cannot be written (a bad pointer): FAULT, and the
 * handles it carried are closed, not leaked. */
static void test_fault_drops_reply(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct server s;
	lo_thread_t t;
	start_server(&s, b, REPLY_EVENT, &t);
	struct msg m = { 31, 0 };
	lo_handle_t h[1];
	struct lo_channel_read_result got;
	struct lo_channel_call_reply rep = reply_into(&m, h, 1, &got, UINT64_MAX);
	rep.bytes = 16;   /* unmapped */
	CHECK_ST(lo_channel_call(a, &m, sizeof(m), NULL, 0, &rep), LO_ERR_FAULT);
	CHECK_ST(lo_thread_join(t, UINT64_MAX), LO_OK);
	close_pair(a, b);
}

/* A server that answers each request with a new channel end, `rounds`
 * times: a reply carrying ends is handed over while its writer still
 * holds the transit lock (channel.c, message_post). */
struct end_server {
	lo_channel_t ch;
	int rounds;
};

static void serve_ends(void *arg)
{
	struct end_server *s = arg;
	for (int i = 0; i < s->rounds; i++) {
		struct msg m;
		struct lo_channel_read_result got;
		if (read_one(s->ch, &m, sizeof(m), NULL, 0, &got) != LO_OK)
			return;
		lo_channel_t x, y;
		if (lo_channel_create(lo_job_self(), &x, &y) != LO_OK)
			return;
		lo_handle_t give[1] = { lo_channel_handle(x) };
		lo_channel_write(s->ch, &m, sizeof(m), give, 1);
		lo_handle_close(lo_channel_handle(y));
	}
}

static void test_channel_end_in_reply(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct end_server s = { b, 300 };
	lo_thread_t t;
	CHECK_ST(lo_thread_run(serve_ends, &s, "ends", &t), LO_OK);
	int ok = 0;
	for (int i = 0; i < s.rounds; i++) {
		struct msg m = { 0x200 + (uint32_t)i, 0 }, r = { 0, 0 };
		lo_handle_t h[1] = { { 0 } };
		struct lo_channel_read_result got;
		struct lo_channel_call_reply rep = reply_into(&r, h, 1, &got, lo_deadline_after_ms(5000));
		if (lo_channel_call(a, &m, sizeof(m), NULL, 0, &rep) == LO_OK && got.handles == 1 &&
		    r.txid == m.txid)
			ok++;
		lo_handle_close(h[0]);
	}
	CHECK(ok == s.rounds);
	CHECK_ST(lo_thread_join(t, UINT64_MAX), LO_OK);
	close_pair(a, b);
}

/* A request moving a channel end with ends waiting in its own queue is
 * refused before anything moves (BAD_STATE, as a write): the end stays the
 * caller's, nothing is sent. */
static void test_bad_state_keeps_handles(void)
{
	lo_channel_t a, b, x, xp, y, yp;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	CHECK_ST(lo_channel_create(lo_job_self(), &x, &xp), LO_OK);
	CHECK_ST(lo_channel_create(lo_job_self(), &y, &yp), LO_OK);
	lo_handle_t give_y[1] = { lo_channel_handle(y) };
	CHECK_ST(lo_channel_write(xp, "y", 1, give_y, 1), LO_OK);   /* x now holds an end */
	struct msg m = { 40, 0 }, r;
	struct lo_channel_read_result got;
	struct lo_channel_call_reply rep = reply_into(&r, NULL, 0, &got, lo_deadline_after_ms(10));
	lo_handle_t give_x[1] = { lo_channel_handle(x) };
	CHECK_ST(lo_channel_call(a, &m, sizeof(m), give_x, 1, &rep), LO_ERR_BAD_STATE);
	struct lo_object_info oi;
	CHECK_ST(lo_handle_info(lo_channel_handle(x), &oi), LO_OK);
	CHECK_ST(lo_channel_read(b, &m, sizeof(m), NULL, 0, &got), LO_ERR_SHOULD_WAIT);
	char c;
	lo_handle_t back[1];
	CHECK_ST(lo_channel_read(x, &c, 1, back, 1, &got), LO_OK);
	lo_handle_close(back[0]);
	close_pair(x, xp);
	lo_handle_close(lo_channel_handle(yp));
	close_pair(a, b);
}

static const struct utest channel_call_tests[] = {
	{ "call.bad_state_keeps_handles", test_bad_state_keeps_handles },
	{ "call.channel_end_in_reply", test_channel_end_in_reply },
	{ "call.echo", test_echo },
	{ "call.receiver_not_waiting", test_receiver_not_waiting },
	{ "call.handles", test_handles },
	{ "call.reply_too_big", test_reply_too_big },
	{ "call.peer_closed", test_peer_closed },
	{ "call.timeout", test_timeout },
	{ "call.killed_caller", test_killed_caller },
	{ "call.own_end_closed", test_own_end_closed },
	{ "call.two_callers", test_two_callers },
	{ "call.denied", test_denied },
	{ "call.fault_drops_reply", test_fault_drops_reply },
	{ 0, 0 },
};

UTEST_SUITE(channel_call_tests);
