#include "test/selftest.h"
#include "sched/clock.h"
#include "sched/ktimer.h"
#include "sched/thread.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"

/* The tick advances: wait for 20 ticks, bounded by a generous TSC budget so
 * a dead timer fails the test instead of hanging it. */
static void test_ticks_advance(struct ktest_ctx *ctx)
{
	uint64_t start = clock_ticks();
	uint64_t tsc_start = rdtsc();
	while (clock_ticks() < start + 20 && rdtsc() - tsc_start < 50000000000ull)
		halt();
	CHECK(ctx, clock_ticks() >= start + 20);
}

static void test_ns_monotonic(struct ktest_ctx *ctx)
{
	uint64_t a = clock_ns();
	halt();
	uint64_t b = clock_ns();
	CHECK(ctx, b >= a);
}

static int slow_state;   /* 0 armed, 1 in the callback, 2 callback over */

static void slow_fire(struct ktimer *t)
{
	(void)t;
	__atomic_store_n(&slow_state, 1, __ATOMIC_SEQ_CST);
	uint64_t start = rdtsc();
	while (rdtsc() - start < 100000000ull)   /* tens of milliseconds */
		cpu_relax();
	__atomic_store_n(&slow_state, 2, __ATOMIC_SEQ_CST);
}

/* A cancel returns only once the timer's callback, running on another
 * CPU, is over: the owner frees the timer right after (a timer object's
 * destroy, a dead thread's wait timer). Deadlines fire on CPU 0, the
 * clock's, so the test moves off it. On one CPU the tick runs the whole
 * callback before the test thread goes on, and the check holds anyway. */
static void test_cancel_waits_for_callback(struct ktest_ctx *ctx)
{
	struct thread *self = thread_current();
	uint32_t mask = self->affinity;
	if (cpu_count > 1) {
		thread_set_cpu_mask(self, mask & ~1u);
		sched_yield();
		CHECK(ctx, this_cpu_id() != 0);
	}
	struct ktimer kt;
	ktimer_init(&kt, slow_fire);
	__atomic_store_n(&slow_state, 0, __ATOMIC_SEQ_CST);
	ktimer_arm(&kt, clock_ns());
	uint64_t start = rdtsc();
	while (__atomic_load_n(&slow_state, __ATOMIC_SEQ_CST) == 0 &&
	       rdtsc() - start < 50000000000ull)
		cpu_relax();
	CHECK(ctx, __atomic_load_n(&slow_state, __ATOMIC_SEQ_CST) != 0);
	CHECK(ctx, !ktimer_cancel(&kt));   /* it fired */
	CHECK(ctx, __atomic_load_n(&slow_state, __ATOMIC_SEQ_CST) == 2);
	thread_set_cpu_mask(self, mask);
}

const struct ktest timer_tests[] = {
	{ "timer.ticks_advance", test_ticks_advance },
	{ "timer.ns_monotonic", test_ns_monotonic },
	{ "timer.cancel_waits_for_callback", test_cancel_waits_for_callback },
	{ 0, 0 },
};
