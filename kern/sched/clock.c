#include "sched/clock.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/percpu.h"
#include "sched/thread.h"

static volatile uint64_t ticks;

/* The PIT's interrupt, when there is no local APIC (one CPU). */
static void on_pit_tick(void)
{
	__atomic_fetch_add(&ticks, 1, __ATOMIC_RELAXED);
	sched_tick();
}

void clock_init(void)
{
	if (lapic_present()) {
		lapic_timer_calibrate();
		lapic_timer_start();
	} else {
		pit_init(on_pit_tick);
	}
}

void clock_init_cpu(void)
{
	lapic_timer_start();
}

/* Every CPU's local timer: the boot CPU's keeps the time. */
void clock_tick(void)
{
	struct cpu *c = this_cpu();
	c->ticks++;
	if (c->id == 0)
		__atomic_fetch_add(&ticks, 1, __ATOMIC_RELAXED);
	sched_tick();
}

uint64_t clock_ticks(void)
{
	return __atomic_load_n(&ticks, __ATOMIC_RELAXED);
}

uint64_t clock_ns(void)
{
	return clock_ticks() * (1000000000ull / TICK_HZ);
}
