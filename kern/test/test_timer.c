#include "test/selftest.h"
#include "sched/clock.h"
#include "arch/x86_64/cpu.h"

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

const struct ktest timer_tests[] = {
	{ "timer.ticks_advance", test_ticks_advance },
	{ "timer.ns_monotonic", test_ns_monotonic },
	{ 0, 0 },
};
