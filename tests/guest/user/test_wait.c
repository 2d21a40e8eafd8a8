/* Waiting: deadlines, many objects, ports, timers, threads. */
#include "lightos/startup.h"
#include "utest.h"

static void test_wait_one_timeout(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	uint32_t observed = 7;
	uint64_t start = lo_now();
	CHECK_ST(lo_handle_wait_one(lo_event_handle(e), LO_SIG_EVENT_SIGNALED,
				    start + 20 * 1000000ull, &observed), LO_ERR_TIMED_OUT);
	uint64_t took = lo_now() - start;
	CHECK(took >= 19 * 1000000ull && took < 2000 * 1000000ull);
	CHECK_ST(lo_handle_wait_one(lo_event_handle(e), LO_SIG_EVENT_SIGNALED, 0, &observed),
		 LO_ERR_TIMED_OUT);
	CHECK_ST(lo_handle_signal(lo_event_handle(e), 0, LO_SIG_EVENT_SIGNALED), LO_OK);
	CHECK_ST(lo_handle_wait_one(lo_event_handle(e), LO_SIG_EVENT_SIGNALED, 0, &observed), LO_OK);
	CHECK(observed == LO_SIG_EVENT_SIGNALED);
	CHECK_ST(lo_handle_wait_one(lo_event_handle(e), 0, 0, &observed), LO_ERR_INVALID_ARGS);
	lo_event_t nowait = lo_event_from(utest_dup(lo_event_handle(e), LO_RIGHT_INSPECT));
	CHECK_ST(lo_handle_wait_one(lo_event_handle(nowait), LO_SIG_EVENT_SIGNALED, 0, &observed),
		 LO_ERR_ACCESS_DENIED);
	lo_handle_close(lo_event_handle(nowait));
	lo_handle_close(lo_event_handle(e));
}

static void test_wait_many(void)
{
	lo_event_t e[3];
	lo_handle_t h[3];
	uint32_t masks[3], observed[3];
	for (int i = 0; i < 3; i++) {
		CHECK_ST(lo_event_create(lo_job_self(), &e[i]), LO_OK);
		h[i] = lo_event_handle(e[i]);
		masks[i] = LO_SIG_EVENT_SIGNALED;
	}
	CHECK_ST(lo_handle_wait_many(h, masks, observed, 3, lo_deadline_after_ms(10)),
		 LO_ERR_TIMED_OUT);
	CHECK_ST(lo_handle_signal(h[2], 0, LO_SIG_EVENT_SIGNALED), LO_OK);
	CHECK_ST(lo_handle_wait_many(h, masks, observed, 3, lo_deadline_after_ms(1000)), LO_OK);
	CHECK(observed[2] == LO_SIG_EVENT_SIGNALED && observed[0] == 0);
	CHECK_ST(lo_handle_wait_many(h, masks, observed, 17, 0), LO_ERR_OUT_OF_RANGE);
	CHECK_ST(lo_handle_wait_many(h, masks, observed, 0, 0), LO_ERR_INVALID_ARGS);
	lo_handle_t bad[2] = { h[0], { 0x1234 } };
	CHECK_ST(lo_handle_wait_many(bad, masks, observed, 2, 0), LO_ERR_BAD_HANDLE);
	for (int i = 0; i < 3; i++)
		lo_handle_close(h[i]);
}

static void test_timer(void)
{
	lo_timer_t t;
	CHECK_ST(lo_timer_create(lo_job_self(), &t), LO_OK);
	uint64_t start = lo_now();
	CHECK_ST(lo_timer_set(t, start + 15 * 1000000ull), LO_OK);
	uint32_t observed;
	CHECK_ST(lo_handle_wait_one(lo_timer_handle(t), LO_SIG_TIMER_SIGNALED,
				    start + 2000 * 1000000ull, &observed), LO_OK);
	CHECK(lo_now() - start >= 14 * 1000000ull);
	CHECK_ST(lo_timer_set(t, lo_now() + 5 * 1000000ull), LO_OK);
	CHECK_ST(lo_timer_cancel(t), LO_OK);
	CHECK_ST(lo_handle_wait_one(lo_timer_handle(t), LO_SIG_TIMER_SIGNALED,
				    lo_deadline_after_ms(20), &observed), LO_ERR_TIMED_OUT);
	lo_handle_close(lo_timer_handle(t));
}

static void test_port(void)
{
	lo_port_t p;
	lo_event_t e;
	lo_timer_t t;
	CHECK_ST(lo_port_create(lo_job_self(), &p), LO_OK);
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	CHECK_ST(lo_timer_create(lo_job_self(), &t), LO_OK);
	CHECK_ST(lo_port_bind(p, lo_event_handle(e), LO_SIG_EVENT_SIGNALED, 1), LO_OK);
	CHECK_ST(lo_port_bind(p, lo_timer_handle(t), LO_SIG_TIMER_SIGNALED, 2), LO_OK);
	CHECK_ST(lo_port_bind(p, lo_port_handle(p), 1, 3), LO_ERR_NOT_SUPPORTED);
	CHECK_ST(lo_port_bind(p, lo_event_handle(e), 0, 3), LO_ERR_INVALID_ARGS);
	struct lo_port_packet pkt;
	CHECK_ST(lo_port_wait(p, lo_deadline_after_ms(5), &pkt), LO_ERR_TIMED_OUT);
	CHECK_ST(lo_timer_set(t, lo_now()), LO_OK);
	CHECK_ST(lo_port_wait(p, lo_deadline_after_ms(1000), &pkt), LO_OK);
	CHECK(pkt.key == 2 && (pkt.signals & LO_SIG_TIMER_SIGNALED));
	CHECK_ST(lo_handle_signal(lo_event_handle(e), 0, LO_SIG_EVENT_SIGNALED), LO_OK);
	CHECK_ST(lo_port_wait(p, lo_deadline_after_ms(1000), &pkt), LO_OK);
	CHECK(pkt.key == 1);
	CHECK_ST(lo_port_queue(p, 99, 5), LO_OK);
	CHECK_ST(lo_port_wait(p, 0, &pkt), LO_OK);
	CHECK(pkt.key == 99 && pkt.signals == 5);
	/* A pending binding goes when the port's last handle does. */
	CHECK_ST(lo_port_bind(p, lo_event_handle(e), 1u << 25, 4), LO_OK);
	lo_handle_close(lo_port_handle(p));
	lo_handle_close(lo_event_handle(e));
	lo_handle_close(lo_timer_handle(t));
}

/* Entry of the second thread: signal the event whose handle is in rdi,
 * then end (rsi: its own handle). It starts on a bare stack, so it only
 * makes system calls. */
__attribute__((noreturn)) static void worker_entry(uint64_t event, uint64_t self)
{
	lo_handle_signal((lo_handle_t){ (uint32_t)event }, 0, LO_SIG_EVENT_SIGNALED);
	for (;;)
		lo_thread_exit((lo_thread_t){ (uint32_t)self });
}

static void test_thread_in_same_process(void)
{
	/* A second thread of this process, started on a stack of its own. */
	lo_thread_t t;
	CHECK_ST(lo_thread_create(lo_self, "worker", 6, &t), LO_OK);
	lo_vmo_t stack;
	CHECK_ST(lo_vmo_create(lo_job_self(), 16384, &stack), LO_OK);
	struct lo_map_request req = { 0, 0, 16384, LO_MAP_WRITE, 0 };
	uint64_t addr = 0;
	CHECK_ST(lo_process_map(lo_self, stack, &req, &addr), LO_OK);
	lo_event_t done;
	CHECK_ST(lo_event_create(lo_job_self(), &done), LO_OK);
	uint32_t self = 0;
	CHECK_ST(lo_handle_duplicate(lo_thread_handle(t), LO_RIGHT_INSPECT, &self), LO_OK);
	CHECK_ST(lo_thread_start(t, (uint64_t)(uintptr_t)worker_entry, addr + 16384,
				 done.value, self), LO_OK);
	CHECK_ST(lo_thread_start(t, (uint64_t)(uintptr_t)worker_entry, addr + 16384, 0, 0),
		 LO_ERR_BAD_STATE);
	uint32_t observed;
	CHECK_ST(lo_handle_wait_one(lo_thread_handle(t), LO_SIG_THREAD_TERMINATED,
				    lo_deadline_after_ms(2000), &observed), LO_OK);
	CHECK_ST(lo_handle_wait_one(lo_event_handle(done), LO_SIG_EVENT_SIGNALED, 0, &observed), LO_OK);
	lo_handle_close(lo_event_handle(done));
	lo_handle_close(lo_thread_handle(t));
	lo_process_unmap(lo_self, addr, 16384);
	lo_handle_close(lo_vmo_handle(stack));
}

static const struct utest wait_tests[] = {
	{ "user.wait_one_timeout", test_wait_one_timeout },
	{ "user.wait_many", test_wait_many },
	{ "user.timer", test_timer },
	{ "user.port", test_port },
	{ "user.thread_in_same_process", test_thread_in_same_process },
	{ 0, 0 },
};
UTEST_SUITE(wait_tests);
