/* The time with no system call: lo_now reads the clock page (clock_page,
 * idl/clock.idl), mapped read-only on first use. Without a clock handle
 * (or if the page cannot be mapped) it asks clock_get each time, which
 * answers the same clock. */
#include "lightos/runtime.h"
#include "lightos/startup.h"

static const volatile uint64_t *time_word;   /* the page, once mapped */
static int no_page;                           /* a map failed: don't retry */

static const volatile uint64_t *map_page(void)
{
	lo_vmo_t page;
	if (lo_clock_page(lo_clock, &page) != LO_OK)
		return NULL;
	struct lo_map_request req = { 0, 0, 4096, 0, 0 };   /* read-only */
	uint64_t addr = 0;
	status_t st = lo_process_map(lo_self, page, &req, &addr);
	lo_handle_close(lo_vmo_handle(page));   /* the mapping keeps it */
	if (st != LO_OK)
		return NULL;
	const volatile uint64_t *none = NULL, *mine = (const volatile uint64_t *)(uintptr_t)addr;
	if (!__atomic_compare_exchange_n(&time_word, &none, mine, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		lo_process_unmap(lo_self, addr, 4096);   /* another thread mapped it first */
		return none;
	}
	return mine;
}

uint64_t lo_now(void)
{
	const volatile uint64_t *w = __atomic_load_n(&time_word, __ATOMIC_ACQUIRE);
	if (!w && !__atomic_load_n(&no_page, __ATOMIC_RELAXED)) {
		w = map_page();
		if (!w)
			__atomic_store_n(&no_page, 1, __ATOMIC_RELAXED);
	}
	if (w)
		return __atomic_load_n(w, __ATOMIC_ACQUIRE);
	uint64_t now = 0;
	lo_clock_get(lo_clock, &now);
	return now;
}
