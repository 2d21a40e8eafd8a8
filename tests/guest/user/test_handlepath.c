/* The handle calls' fast paths (docs/performance.md, "Handle fast paths"):
 * info runs under the table lock and stores its struct straight into user
 * memory; duplicate and close take paths that call nothing. Here: what
 * they answer at the edges of user memory, the counts and denials they
 * report, and the same calls racing on every CPU (their paths that wait
 * for a taken table lock). */
#include "utest.h"
#include "lightos/thread.h"

#define USER_TOP 0x0000800000000000ull
#define RACE_ROUNDS 20000

/* One page of a fresh VMO mapped at addr (writable or not); 0 if refused. */
static int map_page(uint64_t addr, uint32_t flags, lo_vmo_t *vmo)
{
	if (!CHECK_ST(lo_vmo_create(lo_job_self(), 4096, vmo), LO_OK))
		return 0;
	struct lo_map_request req = { addr, 0, 4096, flags, 0 };
	uint64_t got = 0;
	if (!CHECK_ST(lo_process_map(lo_self, *vmo, &req, &got), LO_OK)) {
		lo_handle_close(lo_vmo_handle(*vmo));
		return 0;
	}
	return 1;
}

static void unmap_page(uint64_t addr, lo_vmo_t vmo)
{
	CHECK_ST(lo_process_unmap(lo_self, addr, 4096), LO_OK);
	lo_handle_close(lo_vmo_handle(vmo));
}

/* Info's struct is stored straight into user memory: up to the last byte
 * below USER_TOP it works; past it, on a read-only page, on an unmapped
 * page (or half on one) it answers FAULT, and the table is as it was. */
static void test_info_out_edges(void)
{
	lo_event_t e;
	lo_vmo_t top, ro, half;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	uint64_t id = utest_object_id(lo_event_handle(e));
	uint32_t before = utest_handles_in_table();
	const uint64_t ro_at = USER_TOP - 16 * 4096, half_at = USER_TOP - 32 * 4096;
	if (!map_page(USER_TOP - 4096, LO_MAP_WRITE, &top)) {
		lo_handle_close(lo_event_handle(e));
		return;
	}
	struct lo_object_info *last = (struct lo_object_info *)(uintptr_t)(USER_TOP - sizeof(*last));
	lo_memset(last, 0x5a, sizeof(*last));
	CHECK_ST(lo_handle_info(lo_event_handle(e), last), LO_OK);
	CHECK(last->id == id && last->type == LO_TYPE_EVENT && last->handle_count == 1 &&
	      last->refcount == 1 && last->rights == LO_DEFAULT_RIGHTS_EVENT && last->reserved == 0);
	/* Over USER_TOP by 8 bytes; the first page; a kernel address. */
	CHECK_ST(lo_handle_info(lo_event_handle(e), (struct lo_object_info *)(uintptr_t)(USER_TOP - 24)),
		 LO_ERR_FAULT);
	CHECK_ST(lo_handle_info(lo_event_handle(e), (struct lo_object_info *)0), LO_ERR_FAULT);
	CHECK_ST(lo_handle_info(lo_event_handle(e), (struct lo_object_info *)0xffff800000000000ull),
		 LO_ERR_FAULT);
	unmap_page(USER_TOP - 4096, top);
	/* A mapped page the call may not write: nothing is written. */
	if (map_page(ro_at, 0, &ro)) {
		struct lo_object_info *r = (struct lo_object_info *)(uintptr_t)ro_at;
		CHECK_ST(lo_handle_info(lo_event_handle(e), r), LO_ERR_FAULT);
		CHECK(r->id == 0 && r->type == 0);
		unmap_page(ro_at, ro);
	}
	/* Half on a writable page, half on the unmapped one after it. */
	if (map_page(half_at, LO_MAP_WRITE, &half)) {
		CHECK_ST(lo_handle_info(lo_event_handle(e),
					(struct lo_object_info *)(uintptr_t)(half_at + 4096 - 16)),
			 LO_ERR_FAULT);
		unmap_page(half_at, half);
	}
	CHECK(utest_handles_in_table() == before);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
	CHECK(info.handle_count == 1 && info.refcount == 1);
	lo_handle_close(lo_event_handle(e));
}

/* Duplicate's value is stored the same way: on a read-only page it
 * answers FAULT and the new handle is closed again. */
static void test_duplicate_out_read_only(void)
{
	lo_event_t e;
	lo_vmo_t ro;
	const uint64_t at = USER_TOP - 48 * 4096;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	if (map_page(at, 0, &ro)) {
		uint32_t before = utest_handles_in_table();
		CHECK_ST(lo_handle_duplicate(lo_event_handle(e), LO_RIGHT_WAIT, (uint32_t *)(uintptr_t)at),
			 LO_ERR_FAULT);
		CHECK(*(uint32_t *)(uintptr_t)at == 0);
		CHECK(utest_handles_in_table() == before);
		unmap_page(at, ro);
	}
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
	CHECK(info.handle_count == 1 && info.refcount == 1);
	lo_handle_close(lo_event_handle(e));
}

/* Info reads the counts under the table lock, holding no reference of
 * its own: the refcount is the object's handles plus the kernel's. */
static void test_info_counts(void)
{
	lo_event_t e;
	lo_port_t port;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	CHECK_ST(lo_port_create(lo_job_self(), &port), LO_OK);
	lo_handle_t d = utest_dup(lo_event_handle(e), LO_RIGHT_INSPECT);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(d, &info), LO_OK);
	CHECK(info.handle_count == 2 && info.refcount == 2 && info.rights == LO_RIGHT_INSPECT);
	/* A lasting watch holds a kernel reference, not a handle. */
	CHECK_ST(lo_port_watch(port, lo_event_handle(e), LO_SIG_EVENT_SIGNALED, 1), LO_OK);
	CHECK_ST(lo_handle_info(d, &info), LO_OK);
	CHECK(info.handle_count == 2 && info.refcount == 3);
	CHECK_ST(lo_handle_signal(lo_event_handle(e), 0, LO_SIG_EVENT_SIGNALED), LO_OK);
	CHECK_ST(lo_handle_info(d, &info), LO_OK);
	CHECK(info.signals & LO_SIG_EVENT_SIGNALED);
	lo_handle_close(lo_port_handle(port));
	lo_handle_close(lo_event_handle(e));
	CHECK_ST(lo_handle_info(d, &info), LO_OK);
	CHECK(info.handle_count == 1 && info.refcount == 1);
	lo_handle_close(d);
	CHECK_ST(lo_handle_info(d, &info), LO_ERR_BAD_HANDLE);
}

/* Info without INSPECT and duplicate without DUPLICATE are denied, and
 * each denial is recorded with the rights the handle holds. */
static void test_denials_recorded(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t weak = utest_dup(lo_event_handle(e), LO_RIGHT_WAIT);
	struct lo_object_info info;
	uint32_t d;
	CHECK_ST(lo_handle_info(weak, &info), LO_ERR_ACCESS_DENIED);
	struct lo_denial seen;
	CHECK(utest_find_denial(LO_SYS_HANDLE_INFO, weak.value, &seen) &&
	      seen.required == LO_RIGHT_INSPECT && seen.held == LO_RIGHT_WAIT);
	CHECK_ST(lo_handle_duplicate(weak, LO_RIGHT_WAIT, &d), LO_ERR_ACCESS_DENIED);
	CHECK(utest_find_denial(LO_SYS_HANDLE_DUPLICATE, weak.value, &seen) &&
	      seen.required == LO_RIGHT_DUPLICATE && seen.held == LO_RIGHT_WAIT);
	lo_handle_close(weak);
	lo_handle_close(lo_event_handle(e));
}

/* Duplicate, close and info on one table from several threads at once
 * (on 4 CPUs they find its lock taken and wait for it): every call
 * answers as it would alone, and the counts come back to where they were. */
struct race {
	lo_event_t e;
	volatile uint32_t racing;   /* a value being duplicated and closed */
	volatile int started, finished, stop;
	int wrong;
};

static void dup_closer(void *arg)
{
	struct race *r = arg;
	__atomic_fetch_add(&r->started, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < RACE_ROUNDS && !r->stop; i++) {
		uint32_t h;
		if (lo_handle_duplicate(lo_event_handle(r->e), LO_RIGHT_INSPECT | LO_RIGHT_DUPLICATE, &h) != LO_OK) {
			__atomic_fetch_add(&r->wrong, 1, __ATOMIC_RELAXED);
			break;
		}
		r->racing = h;
		uint32_t again;
		if (lo_handle_duplicate((lo_handle_t){ h }, LO_RIGHT_INSPECT, &again) == LO_OK)
			lo_handle_close((lo_handle_t){ again });
		if (lo_handle_close((lo_handle_t){ h }) != LO_OK)
			__atomic_fetch_add(&r->wrong, 1, __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&r->finished, 1, __ATOMIC_RELEASE);
}

static void test_race_on_one_table(void)
{
	struct race r = { 0 };
	CHECK_ST(lo_event_create(lo_job_self(), &r.e), LO_OK);
	uint64_t id = utest_object_id(lo_event_handle(r.e));
	uint32_t before = utest_handles_in_table();
	lo_thread_t t[3];
	int started = 0;
	for (int i = 0; i < 3; i++)
		started += CHECK_ST(lo_thread_run(dup_closer, &r, "dupclose", &t[i]), LO_OK);
	uint64_t until = lo_now() + 5000 * 1000000ull;
	while (__atomic_load_n(&r.started, __ATOMIC_ACQUIRE) < started && lo_now() < until)
		__asm__ volatile("pause");
	/* Until both have finished: the whole time, on every CPU there is. */
	while (__atomic_load_n(&r.finished, __ATOMIC_ACQUIRE) < started && lo_now() < until + 60000 * 1000000ull) {
		struct lo_object_info info;
		status_t st = lo_handle_info((lo_handle_t){ r.racing }, &info);
		if (st == LO_OK ? info.id != id || info.handle_count < 2 : st != LO_ERR_BAD_HANDLE)
			r.wrong++;
		if (lo_handle_info(lo_event_handle(r.e), &info) != LO_OK || info.id != id)
			r.wrong++;
	}
	for (int i = 0; i < started; i++)
		CHECK_ST(lo_thread_join(t[i], lo_deadline_after_ms(10000)), LO_OK);
	CHECK(r.wrong == 0);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(lo_event_handle(r.e), &info), LO_OK);
	CHECK(info.handle_count == 1 && info.refcount == 1);
	CHECK(utest_handles_in_table() == before);
	lo_handle_close(lo_event_handle(r.e));
}

static const struct utest handlepath_tests[] = {
	{ "user.handlepath.info_out_edges", test_info_out_edges },
	{ "user.handlepath.duplicate_out_read_only", test_duplicate_out_read_only },
	{ "user.handlepath.info_counts", test_info_counts },
	{ "user.handlepath.denials_recorded", test_denials_recorded },
	{ "user.handlepath.race_on_one_table", test_race_on_one_table },
	{ 0, 0 },
};

UTEST_SUITE(handlepath_tests);
