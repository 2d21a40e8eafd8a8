/* The clock page (clock_page, idl/clock.idl; kern/sched/clock.c): one
 * read-only page whose first word is clock_get's time, stored at every
 * tick, so that lo_now (libos/clock_page.c) reads the time with no system
 * call. */
#include "lightos/startup.h"
#include "utest.h"

/* The clock's resolution is one tick; allow ten. */
#define SLACK_NS (10ull * 1000 * 1000)

static uint64_t clock_now(void)
{
	uint64_t now = 0;
	CHECK_ST(lo_clock_get(lo_clock, &now), LO_OK);
	return now;
}

static const volatile uint64_t *map_ro(lo_vmo_t page, uint64_t *addr)
{
	struct lo_map_request req = { 0, 0, 4096, 0, 0 };
	if (!CHECK_ST(lo_process_map(lo_self, page, &req, addr), LO_OK))
		return NULL;
	return (const volatile uint64_t *)(uintptr_t)*addr;
}

/* The page tells clock_get's time, and it moves. */
static void test_reads_the_clock(void)
{
	lo_vmo_t page;
	uint64_t addr = 0;
	if (!CHECK_ST(lo_clock_page(lo_clock, &page), LO_OK))
		return;
	const volatile uint64_t *t = map_ro(page, &addr);
	if (!t)
		return;
	uint64_t before = clock_now();
	uint64_t seen = *t;
	uint64_t after = clock_now();
	CHECK(seen + SLACK_NS >= before && seen <= after);
	utest_sleep_ms(30);
	CHECK(*t >= seen + 20ull * 1000 * 1000);
	/* lo_now reads it too. */
	uint64_t n = lo_now();
	CHECK(n + SLACK_NS >= clock_now() && n <= clock_now());
	CHECK_ST(lo_process_unmap(lo_self, addr, 4096), LO_OK);
	lo_handle_close(lo_vmo_handle(page));
}

/* Read-only for everyone: no WRITE, no EXECUTE on the handle, so it can
 * be neither mapped writable or executable nor written; every call gives
 * the same page. */
static void test_read_only(void)
{
	lo_vmo_t a, b;
	if (!CHECK_ST(lo_clock_page(lo_clock, &a), LO_OK) || !CHECK_ST(lo_clock_page(lo_clock, &b), LO_OK))
		return;
	struct lo_object_info ia, ib;
	CHECK_ST(lo_handle_info(lo_vmo_handle(a), &ia), LO_OK);
	CHECK_ST(lo_handle_info(lo_vmo_handle(b), &ib), LO_OK);
	CHECK(ia.id == ib.id && ia.type == LO_TYPE_VMO);
	CHECK(ia.rights == (LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER | LO_RIGHT_READ | LO_RIGHT_MAP |
			    LO_RIGHT_INSPECT));
	uint64_t addr = 0;
	struct lo_map_request w = { 0, 0, 4096, LO_MAP_WRITE, 0 };
	CHECK_ST(lo_process_map(lo_self, a, &w, &addr), LO_ERR_ACCESS_DENIED);
	struct lo_map_request x = { 0, 0, 4096, LO_MAP_EXEC, 0 };
	CHECK_ST(lo_process_map(lo_self, a, &x, &addr), LO_ERR_ACCESS_DENIED);
	uint64_t zero = 0;
	CHECK_ST(lo_vmo_write(a, &zero, 0, sizeof(zero)), LO_ERR_ACCESS_DENIED);
	/* Read through the VMO itself: the same time. */
	uint64_t read = 0;
	CHECK_ST(lo_vmo_read(a, &read, 0, sizeof(read)), LO_OK);
	CHECK(read + SLACK_NS >= clock_now() && read <= clock_now());
	lo_handle_close(lo_vmo_handle(a));
	lo_handle_close(lo_vmo_handle(b));
}

/* A clock handle without READ gets no page. */
static void test_needs_read(void)
{
	uint32_t weak = 0;
	if (!CHECK_ST(lo_handle_duplicate(lo_clock_handle(lo_clock), LO_RIGHT_INSPECT, &weak), LO_OK))
		return;
	lo_vmo_t page;
	CHECK_ST(lo_clock_page((lo_clock_t){ weak }, &page), LO_ERR_ACCESS_DENIED);
	lo_handle_close((lo_handle_t){ weak });
}

static const struct utest clock_page_tests[] = {
	{ "user.clock_page.reads_the_clock", test_reads_the_clock },
	{ "user.clock_page.read_only", test_read_only },
	{ "user.clock_page.needs_read", test_needs_read },
	{ 0, 0 },
};
UTEST_SUITE(clock_page_tests);
