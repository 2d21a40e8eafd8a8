/* The scheduler against waits: a thread preempted on its way into a wait
 * must not be left asleep with nobody to wake it. */
#include "utest.h"
#include "lightos/thread.h"

#define RUN_MS 1000   /* about 100 time slices of preemption */

struct poll_run {
	lo_event_t event;
	uint64_t end;
	uint64_t polls, wrong;
};

/* Waits that can never block: the deadline has passed (0), the event is
 * never signaled. Each one still goes through the blocking path. */
static void poller(void *arg)
{
	struct poll_run *r = arg;
	uint32_t observed;
	while (lo_now() < r->end) {
		if (lo_handle_wait_one(lo_event_handle(r->event), LO_SIG_EVENT_SIGNALED, 0,
				       &observed) != LO_ERR_TIMED_OUT)
			r->wrong++;
		r->polls++;
	}
}

/* Something else runnable, so the poller's slice ends keep switching it
 * out, often in the middle of a wait. */
static void spinner(void *arg)
{
	struct poll_run *r = arg;
	while (lo_now() < r->end)
		;
}

/* A timer interrupt that preempted a thread between marking itself blocked
 * and publishing itself to its wakers (observers, its own timeout) switched
 * it out as if it had blocked: a wait with a deadline already past, or
 * no deadline, never returned. The fuzz supervisor's zero-deadline polls
 * of its workers hung that way. */
static void test_zero_deadline_polls_survive_preemption(void)
{
	static struct poll_run r;
	lo_memset(&r, 0, sizeof(r));
	if (!CHECK_ST(lo_event_create(lo_job_self(), &r.event), LO_OK))
		return;
	r.end = lo_deadline_after_ms(RUN_MS);
	lo_thread_t p, s;
	if (!CHECK_ST(lo_thread_run(poller, &r, "poller", &p), LO_OK))
		return;
	if (!CHECK_ST(lo_thread_run(spinner, &r, "spinner", &s), LO_OK)) {
		lo_thread_join(p, lo_deadline_after_ms(60000));
		return;
	}
	/* The poller stops by itself after RUN_MS; 20 s more is a lost wake-up. */
	status_t st = lo_thread_join(p, lo_deadline_after_ms(RUN_MS + 20000));
	CHECK_ST(st, LO_OK);
	if (st != LO_OK) {
		lo_printf("  the poller never came back from a wait (%lu polls)\n", r.polls);
		lo_thread_kill(p);   /* its wait ends CANCELED */
		CHECK_ST(lo_thread_join(p, lo_deadline_after_ms(10000)), LO_OK);
	}
	CHECK_ST(lo_thread_join(s, lo_deadline_after_ms(20000)), LO_OK);
	CHECK(r.polls > 0 && r.wrong == 0);
	lo_handle_close(lo_event_handle(r.event));
}

static const struct utest sched_tests[] = {
	{ "user.sched.zero_deadline_polls_survive_preemption", test_zero_deadline_polls_survive_preemption },
	{ 0, 0 },
};
UTEST_SUITE(sched_tests);
