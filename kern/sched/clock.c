#include "sched/clock.h"
#include "arch/x86_64/pit.h"
#include "sched/thread.h"

static volatile uint64_t ticks;

static void on_tick(void)
{
	__atomic_fetch_add(&ticks, 1, __ATOMIC_RELAXED);
	sched_tick();
}

void clock_init(void)
{
	pit_init(on_tick);
}

uint64_t clock_ticks(void)
{
	return __atomic_load_n(&ticks, __ATOMIC_RELAXED);
}

uint64_t clock_ns(void)
{
	return clock_ticks() * (1000000000ull / TICK_HZ);
}
