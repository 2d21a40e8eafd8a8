/* channel_reply_wait: a server's reply and its wait for the next request
 * in one call. The fast path (a request handed to the waiting server, the
 * reply handed to a waiting channel_call) and every way around it: a
 * request already queued, none to send, a request too big, handles both
 * ways, the peer or the server's own end closing, a deadline, a killed
 * server, two servers on one channel, and each rights check. */
#include "utest.h"
#include "lightos/thread.h"

struct msg {
	uint32_t txid;
	uint32_t value;
};

static struct lo_channel_call_reply into(void *buf, uint32_t size, lo_handle_t *h, uint32_t max_handles,
					 struct lo_channel_read_result *got, uint64_t deadline)
{
	struct lo_channel_call_reply r = {
		(uint64_t)(uintptr_t)buf, (uint64_t)(uintptr_t)h, (uint64_t)(uintptr_t)got,
		size, max_handles, deadline
	};
	return r;
}

static void close_pair(lo_channel_t a, lo_channel_t b)
{
	if (a.value)
		lo_handle_close(lo_channel_handle(a));
	if (b.value)
		lo_handle_close(lo_channel_handle(b));
}

/* One server thread: a reply_wait with nothing to reply to, then echoes
 * (value + 1, handles sent back) until its loop's count or an error. */
struct server {
	lo_channel_t ch;
	int rounds;
	uint32_t max_bytes;          /* its buffer (<= sizeof(buf)) */
	uint64_t deadline;
	status_t st;                 /* of its last call */
	int served;
	struct lo_channel_read_result got;
	uint32_t buf[8];
	lo_handle_t h[2];
};

static void serve(void *arg)
{
	struct server *s = arg;
	uint32_t nbytes = 0, nhandles = 0;
	for (;;) {
		struct lo_channel_call_reply next = into(s->buf, s->max_bytes, s->h, 2, &s->got, s->deadline);
		s->st = lo_channel_reply_wait(s->ch, s->buf, nbytes, s->h, nhandles, &next);
		if (s->st != LO_OK || s->served == s->rounds)
			return;
		s->served++;
		s->buf[1]++;
		nbytes = s->got.bytes;
		nhandles = s->got.handles;
	}
}

static void start_sized(struct server *s, lo_channel_t ch, int rounds, uint64_t deadline,
			uint32_t max_bytes, lo_thread_t *t)
{
	*s = (struct server){ .ch = ch, .rounds = rounds, .max_bytes = max_bytes,
			      .deadline = deadline, .st = LO_ERR_SHOULD_WAIT };
	CHECK_ST(lo_thread_run(serve, s, "server", t), LO_OK);
}

static void start(struct server *s, lo_channel_t ch, int rounds, uint64_t deadline, lo_thread_t *t)
{
	start_sized(s, ch, rounds, deadline, sizeof(struct msg), t);
}

/* One round, no deadline, and back once the server waits in its call. */
static void start_blocked(struct server *s, lo_channel_t ch, lo_thread_t *t)
{
	start(s, ch, 1, UINT64_MAX, t);
	CHECK(utest_thread_blocked(*t));
}

/* channel_call against a server in reply_wait: each request is handed to
 * the waiting server, each reply to the waiting caller; neither end ever
 * shows a queued message. The last round's request comes after the
 * server's last call returns: it stays queued. */
static void test_echo(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct server s;
	lo_thread_t t;
	start(&s, b, 3, UINT64_MAX, &t);
	for (uint32_t round = 0; round < 3; round++) {
		CHECK(utest_thread_blocked(t));
		struct lo_object_info oi;
		CHECK_ST(lo_handle_info(lo_channel_handle(b), &oi), LO_OK);
		CHECK(!(oi.signals & LO_SIG_CHANNEL_READABLE));
		struct msg m = { 0x100 + round, 41 + round }, r = { 0, 0 };
		struct lo_channel_read_result got = { 0, 0 };
		struct lo_channel_call_reply rep = into(&r, sizeof(r), NULL, 0, &got, lo_deadline_after_ms(5000));
		CHECK_ST(lo_channel_call(a, &m, sizeof(m), NULL, 0, &rep), LO_OK);
		CHECK(r.txid == 0x100 + round && r.value == 42 + round);
		CHECK(got.bytes == sizeof(r) && got.handles == 0);
		CHECK_ST(lo_handle_info(lo_channel_handle(a), &oi), LO_OK);
		CHECK(!(oi.signals & LO_SIG_CHANNEL_READABLE));
	}
	/* Its fourth call: the third reply, then the request below. */
	struct msg m = { 0x200, 0 };
	CHECK_ST(lo_channel_write(a, &m, sizeof(m), NULL, 0), LO_OK);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(s.st, LO_OK);
	CHECK(s.served == 3 && s.buf[0] == 0x200);
	close_pair(a, b);
}

/* Many round trips without waiting for the server to block first: on
 * several CPUs each request meets the server either waiting (handed over)
 * or not yet (queued), and each reply the caller either way. */
static void test_many_rounds(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct server s;
	lo_thread_t t;
	enum { ROUNDS = 300 };
	start(&s, b, ROUNDS, lo_deadline_after_ms(10000), &t);
	int ok = 0;
	for (uint32_t i = 0; i < ROUNDS; i++) {
		struct msg m = { 0x1000 + i, i }, r = { 0, 0 };
		struct lo_channel_read_result got;
		struct lo_channel_call_reply rep = into(&r, sizeof(r), NULL, 0, &got, lo_deadline_after_ms(5000));
		if (lo_channel_call(a, &m, sizeof(m), NULL, 0, &rep) == LO_OK && r.txid == m.txid &&
		    r.value == i + 1)
			ok++;
	}
	CHECK(ok == ROUNDS);
	close_pair(a, (lo_channel_t){ 0 });   /* the server's last call ends */
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(s.st, LO_ERR_PEER_CLOSED);
	CHECK(s.served == ROUNDS);
	close_pair(b, (lo_channel_t){ 0 });
}

/* Requests already queued: read in order without waiting; a reply goes
 * out first; with none to send (0 bytes, 0 handles) nothing goes out. */
static void test_queued(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct msg m1 = { 1, 10 }, m2 = { 2, 20 }, in = { 0, 0 };
	CHECK_ST(lo_channel_write(a, &m1, sizeof(m1), NULL, 0), LO_OK);
	CHECK_ST(lo_channel_write(a, &m2, sizeof(m2), NULL, 0), LO_OK);
	struct lo_channel_read_result got = { 0, 0 };
	struct lo_channel_call_reply next = into(&in, sizeof(in), NULL, 0, &got, 0);
	CHECK_ST(lo_channel_reply_wait(b, NULL, 0, NULL, 0, &next), LO_OK);
	CHECK(in.txid == 1 && in.value == 10 && got.bytes == sizeof(in));
	CHECK_ST(lo_channel_read(a, &in, sizeof(in), NULL, 0, &got), LO_ERR_SHOULD_WAIT);
	struct msg rep = { 1, 11 };
	CHECK_ST(lo_channel_reply_wait(b, &rep, sizeof(rep), NULL, 0, &next), LO_OK);
	CHECK(in.txid == 2 && in.value == 20);
	CHECK_ST(lo_channel_read(a, &in, sizeof(in), NULL, 0, &got), LO_OK);
	CHECK(in.txid == 1 && in.value == 11);
	struct lo_object_info oi;
	CHECK_ST(lo_handle_info(lo_channel_handle(b), &oi), LO_OK);
	CHECK(!(oi.signals & LO_SIG_CHANNEL_READABLE));
	close_pair(a, b);
}

/* A request bigger than the buffer: BUFFER_TOO_SMALL with its sizes; it
 * stays queued for a read. Queued before, or arriving during the wait. */
static void test_too_big(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	uint32_t big[8] = { 5, 1, 2, 3, 4, 5, 6, 7 };
	CHECK_ST(lo_channel_write(a, big, sizeof(big), NULL, 0), LO_OK);
	struct msg in;
	struct lo_channel_read_result got = { 0, 0 };
	struct lo_channel_call_reply next = into(&in, sizeof(in), NULL, 0, &got, 0);
	struct msg rep = { 4, 0 };
	CHECK_ST(lo_channel_reply_wait(b, &rep, sizeof(rep), NULL, 0, &next), LO_ERR_BUFFER_TOO_SMALL);
	CHECK(got.bytes == sizeof(big) && got.handles == 0);
	CHECK_ST(lo_channel_read(a, &in, sizeof(in), NULL, 0, &got), LO_OK);   /* the reply went */
	uint32_t back[8] = { 0 };
	CHECK_ST(lo_channel_read(b, back, sizeof(back), NULL, 0, &got), LO_OK);
	CHECK(back[0] == 5 && back[7] == 7);

	struct server s;
	lo_thread_t t;
	start_blocked(&s, b, &t);
	CHECK_ST(lo_channel_write(a, big, sizeof(big), NULL, 0), LO_OK);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(s.st, LO_ERR_BUFFER_TOO_SMALL);
	CHECK(s.got.bytes == sizeof(big) && s.got.handles == 0);
	back[7] = 0;
	CHECK_ST(lo_channel_read(b, back, sizeof(back), NULL, 0, &got), LO_OK);
	CHECK(back[7] == 7);
	close_pair(a, b);
}

/* Handles both ways: a request's handles are installed in the server, the
 * reply's move back to a channel_call. */
static void test_handles(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct server s;
	lo_thread_t t;
	start(&s, b, 1, lo_deadline_after_ms(5000), &t);
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	CHECK(utest_thread_blocked(t));
	lo_handle_t give[1] = { lo_event_handle(e) };
	struct msg m = { 50, 1 }, r = { 0, 0 };
	lo_handle_t back[2] = { { 0 }, { 0 } };
	struct lo_channel_read_result got = { 0, 0 };
	struct lo_channel_call_reply rep = into(&r, sizeof(r), back, 2, &got, lo_deadline_after_ms(5000));
	CHECK_ST(lo_channel_call(a, &m, sizeof(m), give, 1, &rep), LO_OK);
	CHECK(r.txid == 50 && r.value == 2 && got.handles == 1);
	struct lo_object_info oi;
	CHECK_ST(lo_handle_info(back[0], &oi), LO_OK);
	CHECK(oi.type == LO_TYPE_EVENT);
	lo_handle_close(back[0]);
	/* The server's last call (a reply of its own) ends with the peer. */
	close_pair(a, (lo_channel_t){ 0 });
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(s.st, LO_ERR_PEER_CLOSED);
	close_pair(b, (lo_channel_t){ 0 });
}

/* The peer closes while the server waits: PEER_CLOSED. A reply to a
 * closed peer: PEER_CLOSED before any wait, its handles closed. */
static void test_peer_closed(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct server s;
	lo_thread_t t;
	start_blocked(&s, b, &t);
	lo_handle_close(lo_channel_handle(a));
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(s.st, LO_ERR_PEER_CLOSED);
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t give[1] = { lo_event_handle(e) };
	struct msg m = { 1, 1 };
	struct lo_channel_read_result got;
	struct lo_channel_call_reply next = into(&m, sizeof(m), NULL, 0, &got, lo_deadline_after_ms(2000));
	CHECK_ST(lo_channel_reply_wait(b, &m, sizeof(m), give, 1, &next), LO_ERR_PEER_CLOSED);
	struct lo_object_info oi;
	CHECK_ST(lo_handle_info(lo_event_handle(e), &oi), LO_ERR_BAD_HANDLE);   /* consumed */
	CHECK_ST(lo_channel_reply_wait(b, NULL, 0, NULL, 0, &next), LO_ERR_PEER_CLOSED);
	close_pair(b, (lo_channel_t){ 0 });
}

/* The server's own end closes under it (another thread closes the last
 * handle): CANCELED. */
static void test_own_end_closed(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct server s;
	lo_thread_t t;
	start_blocked(&s, b, &t);
	lo_handle_close(lo_channel_handle(b));
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(s.st, LO_ERR_CANCELED);
	close_pair(a, (lo_channel_t){ 0 });
}

/* A server killed in its wait ends; a request that comes later waits in
 * the queue (nothing takes it, nothing leaks). */
static void test_killed(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct server s;
	lo_thread_t t;
	start_blocked(&s, b, &t);
	CHECK_ST(lo_thread_kill(t), LO_OK);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(3000)), LO_OK);
	CHECK_ST(s.st, LO_ERR_SHOULD_WAIT);   /* the call never returned */
	struct msg m = { 60, 6 }, in = { 0, 0 };
	CHECK_ST(lo_channel_write(a, &m, sizeof(m), NULL, 0), LO_OK);
	struct lo_channel_read_result got;
	CHECK_ST(lo_channel_read(b, &in, sizeof(in), NULL, 0, &got), LO_OK);
	CHECK(in.txid == 60);
	close_pair(a, b);
}

/* No request by the deadline: TIMED_OUT, the reply still sent. A deadline
 * already passed takes a queued request, or times out at once. */
static void test_timeout(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct msg rep = { 70, 7 }, in = { 0, 0 };
	struct lo_channel_read_result got;
	struct lo_channel_call_reply next = into(&in, sizeof(in), NULL, 0, &got, lo_deadline_after_ms(20));
	CHECK_ST(lo_channel_reply_wait(b, &rep, sizeof(rep), NULL, 0, &next), LO_ERR_TIMED_OUT);
	next.deadline = 0;
	CHECK_ST(lo_channel_reply_wait(b, NULL, 0, NULL, 0, &next), LO_ERR_TIMED_OUT);
	CHECK_ST(lo_channel_read(a, &in, sizeof(in), NULL, 0, &got), LO_OK);
	CHECK(in.txid == 70 && in.value == 7);
	struct msg m = { 71, 0 };
	CHECK_ST(lo_channel_write(a, &m, sizeof(m), NULL, 0), LO_OK);
	in.txid = 0;
	CHECK_ST(lo_channel_reply_wait(b, NULL, 0, NULL, 0, &next), LO_OK);
	CHECK(in.txid == 71);
	close_pair(a, b);
}

/* Two servers wait on one end: each request goes to one of them. One
 * with a bigger buffer takes the request that fits only it; one that
 * nothing fits is sent to the queue, and finds BUFFER_TOO_SMALL. */
static void test_two_servers(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct server s1, s2;
	lo_thread_t t1, t2;
	start(&s1, b, 0, lo_deadline_after_ms(5000), &t1);
	start(&s2, b, 0, lo_deadline_after_ms(5000), &t2);
	CHECK(utest_thread_blocked(t1));
	CHECK(utest_thread_blocked(t2));
	struct msg m1 = { 81, 0 }, m2 = { 82, 0 };
	CHECK_ST(lo_channel_write(a, &m1, sizeof(m1), NULL, 0), LO_OK);
	CHECK_ST(lo_channel_write(a, &m2, sizeof(m2), NULL, 0), LO_OK);
	CHECK_ST(lo_thread_join(t1, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(lo_thread_join(t2, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(s1.st, LO_OK);
	CHECK_ST(s2.st, LO_OK);
	CHECK(s1.buf[0] + s2.buf[0] == 81 + 82 && s1.buf[0] != s2.buf[0]);

	/* A small one and a big one: the big request goes to the big one. */
	start(&s1, b, 0, lo_deadline_after_ms(5000), &t1);
	start_sized(&s2, b, 0, lo_deadline_after_ms(5000), sizeof(s2.buf), &t2);
	CHECK(utest_thread_blocked(t1));
	CHECK(utest_thread_blocked(t2));
	uint32_t big[8] = { 83, 1, 2, 3, 4, 5, 6, 7 };
	CHECK_ST(lo_channel_write(a, big, sizeof(big), NULL, 0), LO_OK);
	CHECK_ST(lo_thread_join(t2, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(s2.st, LO_OK);
	CHECK(s2.buf[0] == 83 && s2.buf[7] == 7);
	struct lo_thread_info ti;
	CHECK_ST(lo_thread_info(t1, &ti), LO_OK);
	CHECK(ti.state == LO_THREAD_BLOCKED);   /* still waiting */
	CHECK_ST(lo_channel_write(a, &m1, sizeof(m1), NULL, 0), LO_OK);
	CHECK_ST(lo_thread_join(t1, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(s1.st, LO_OK);
	CHECK(s1.buf[0] == 81);

	/* Too big for both: both find it queued, too big. */
	start(&s1, b, 0, lo_deadline_after_ms(5000), &t1);
	start(&s2, b, 0, lo_deadline_after_ms(5000), &t2);
	CHECK(utest_thread_blocked(t1));
	CHECK(utest_thread_blocked(t2));
	CHECK_ST(lo_channel_write(a, big, sizeof(big), NULL, 0), LO_OK);
	CHECK_ST(lo_thread_join(t1, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(lo_thread_join(t2, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(s1.st, LO_ERR_BUFFER_TOO_SMALL);
	CHECK_ST(s2.st, LO_ERR_BUFFER_TOO_SMALL);
	CHECK(s1.got.bytes == sizeof(big) && s2.got.bytes == sizeof(big));
	struct lo_channel_read_result got;
	CHECK_ST(lo_channel_read(b, big, sizeof(big), NULL, 0, &got), LO_OK);
	close_pair(a, b);
}

/* Each rights check denies: READ and WRITE on the channel, TRANSFER on a
 * handle in the reply. A bad buffer size, and a reply moving an end with
 * ends in its own queue (BAD_STATE: the handle stays). Nothing is sent by
 * any of them, and none waits. */
static void test_denied(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct msg m = { 90, 0 }, in;
	struct lo_channel_read_result got;
	/* A call that got past its checks would wait no longer than this. */
	struct lo_channel_call_reply next = into(&in, sizeof(in), NULL, 0, &got, lo_deadline_after_ms(10));
	lo_channel_t no_write = lo_channel_from(utest_dup(lo_channel_handle(b),
							  LO_DEFAULT_RIGHTS_CHANNEL & ~LO_RIGHT_WRITE));
	lo_channel_t no_read = lo_channel_from(utest_dup(lo_channel_handle(b),
							 LO_DEFAULT_RIGHTS_CHANNEL & ~LO_RIGHT_READ));
	CHECK_ST(lo_channel_reply_wait(no_write, &m, sizeof(m), NULL, 0, &next), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_channel_reply_wait(no_read, &m, sizeof(m), NULL, 0, &next), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_channel_reply_wait(no_write, NULL, 0, NULL, 0, &next), LO_ERR_ACCESS_DENIED);
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t stuck[1] = { utest_dup(lo_event_handle(e), LO_DEFAULT_RIGHTS_EVENT & ~LO_RIGHT_TRANSFER) };
	CHECK_ST(lo_channel_reply_wait(b, &m, sizeof(m), stuck, 1, &next), LO_ERR_ACCESS_DENIED);
	struct lo_object_info oi;
	CHECK_ST(lo_handle_info(stuck[0], &oi), LO_OK);   /* denied: it stayed */
	next.max_bytes = LO_CHANNEL_MAX_BYTES + 1;
	CHECK_ST(lo_channel_reply_wait(b, &m, sizeof(m), NULL, 0, &next), LO_ERR_OUT_OF_RANGE);
	next.max_bytes = sizeof(in);

	lo_channel_t x, xp, y, yp;
	CHECK_ST(lo_channel_create(lo_job_self(), &x, &xp), LO_OK);
	CHECK_ST(lo_channel_create(lo_job_self(), &y, &yp), LO_OK);
	lo_handle_t give_y[1] = { lo_channel_handle(y) };
	CHECK_ST(lo_channel_write(xp, "y", 1, give_y, 1), LO_OK);   /* x now holds an end */
	lo_handle_t give_x[1] = { lo_channel_handle(x) };
	CHECK_ST(lo_channel_reply_wait(b, &m, sizeof(m), give_x, 1, &next), LO_ERR_BAD_STATE);
	CHECK_ST(lo_handle_info(lo_channel_handle(x), &oi), LO_OK);
	char c;
	lo_handle_t held[1];
	CHECK_ST(lo_channel_read(x, &c, 1, held, 1, &got), LO_OK);
	lo_handle_close(held[0]);
	close_pair(x, xp);
	lo_handle_close(lo_channel_handle(yp));

	CHECK_ST(lo_channel_read(a, &in, sizeof(in), NULL, 0, &got), LO_ERR_SHOULD_WAIT);
	lo_handle_close(stuck[0]);
	lo_handle_close(lo_event_handle(e));
	lo_handle_close(lo_channel_handle(no_write));
	lo_handle_close(lo_channel_handle(no_read));
	close_pair(a, b);
}

/* A request whose bytes cannot be written out (a bad pointer): FAULT, and
 * the handles it carried are closed, not leaked. */
static void test_fault_drops_request(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t give[1] = { lo_event_handle(e) };
	struct msg m = { 91, 0 };
	CHECK_ST(lo_channel_write(a, &m, sizeof(m), give, 1), LO_OK);
	lo_handle_t h[1];
	struct lo_channel_read_result got;
	struct lo_channel_call_reply next = into((void *)16, sizeof(m), h, 1, &got, 0);   /* unmapped */
	CHECK_ST(lo_channel_reply_wait(b, NULL, 0, NULL, 0, &next), LO_ERR_FAULT);
	close_pair(a, b);
}

static const struct utest channel_reply_wait_tests[] = {
	{ "replywait.echo", test_echo },
	{ "replywait.many_rounds", test_many_rounds },
	{ "replywait.queued", test_queued },
	{ "replywait.too_big", test_too_big },
	{ "replywait.handles", test_handles },
	{ "replywait.peer_closed", test_peer_closed },
	{ "replywait.own_end_closed", test_own_end_closed },
	{ "replywait.killed", test_killed },
	{ "replywait.timeout", test_timeout },
	{ "replywait.two_servers", test_two_servers },
	{ "replywait.denied", test_denied },
	{ "replywait.fault_drops_request", test_fault_drops_request },
	{ 0, 0 },
};

UTEST_SUITE(channel_reply_wait_tests);
