#include "sched/clock.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/percpu.h"
#include "sched/thread.h"
#include "mm/pmm.h"
#include "mm/layout.h"
#include "lib/assert.h"

static volatile uint64_t ticks;

/* The clock page: a page of its own (nothing else on it is shown to user
 * space), its first word the time in ns, stored by whoever advances it. */
static uint64_t time_page_pa;
static volatile uint64_t *time_word;

static void advance(void)
{
	uint64_t t = __atomic_add_fetch(&ticks, 1, __ATOMIC_RELAXED);
	__atomic_store_n(time_word, t * (1000000000ull / TICK_HZ), __ATOMIC_RELEASE);
}

/* The PIT's interrupt, when there is no local APIC (one CPU). */
static void on_pit_tick(void)
{
	advance();
	sched_tick();
}

uint64_t clock_page_phys(void)
{
	return time_page_pa;
}

void clock_init(void)
{
	time_page_pa = pmm_alloc_page();   /* zeroed */
	if (time_page_pa == PMM_NONE)
		panic("clock: no page for the clock page");
	time_word = phys_to_virt(time_page_pa);
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
		advance();
	sched_tick();
}

uint64_t clock_ticks(void)
{
	return __atomic_load_n(&ticks, __ATOMIC_RELAXED);
}

/* The clock page's word: what user space reads is the kernel's time. */
uint64_t clock_ns(void)
{
	return time_word ? __atomic_load_n(time_word, __ATOMIC_ACQUIRE) : 0;
}
