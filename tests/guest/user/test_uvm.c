/* User memory against process teardown, and the bounds of user ranges:
 * unmap/protect racing a kill, fixed mappings at the top of the user half,
 * user copies whose range wraps, and the pages a VMO gives back. */
#include "lightos/startup.h"
#include "utest.h"
#include "lightos/thread.h"

#define RACE_ADDR   0x40000000ull   /* 1 GiB: PML4 slot 0 */
#define RACE_LEN    (1ull << 30)    /* the largest VMO: a long unmap walk */
#define RACE_ROUNDS 12
#define USER_TOP    0x0000800000000000ull

/* A thread of ours maps and unmaps (and protects) a big VMO in a victim
 * process until the victim is gone; the main thread kills the victim while
 * that goes on. */
struct churn {
	lo_process_t victim;
	lo_vmo_t vmo;
	int protect;            /* also change the mapping's permissions */
	volatile int rounds;
	volatile status_t last;
};

static void churn_loop(void *arg)
{
	struct churn *c = arg;
	for (;;) {
		struct lo_map_request req = { RACE_ADDR, 0, RACE_LEN, LO_MAP_WRITE, 0 };
		uint64_t addr = 0;
		status_t st = lo_process_map(c->victim, c->vmo, &req, &addr);
		if (st == LO_OK && c->protect)
			st = lo_process_protect(c->victim, RACE_ADDR, RACE_LEN, 0);
		if (st == LO_OK)
			st = lo_process_unmap(c->victim, RACE_ADDR, RACE_LEN);
		c->rounds++;
		if (st != LO_OK) {
			c->last = st;
			return;
		}
	}
}

/* `started`: the victim runs a thread of its own (blocked in "hold");
 * otherwise it never started and the kill releases it at once. */
static void churn_against_kill(int started, int protect)
{
	lo_vmo_t vmo;
	if (!CHECK_ST(lo_vmo_create(lo_job_self(), RACE_LEN, &vmo), LO_OK))
		return;
	for (int round = 0; round < RACE_ROUNDS; round++) {
		lo_channel_t mine = { 0 };
		struct churn c = { .vmo = vmo, .protect = protect };
		if (started) {
			if (!utest_spawn_holding(&mine, &c.victim))
				break;
		} else if (!CHECK_ST(lo_process_create(lo_job_self(), "victim", 6, &c.victim), LO_OK)) {
			break;
		}
		lo_thread_t t;
		if (!CHECK_ST(lo_thread_run(churn_loop, &c, "churn", &t), LO_OK)) {
			lo_handle_close(lo_process_handle(c.victim));
			break;
		}
		/* Let it get going (a varying number of rounds), then kill: the
		 * kill lands while an unmap walks the victim's page tables. */
		while (c.rounds < 1 + round % 3 && !c.last)
			;
		CHECK_ST(lo_process_kill(c.victim), LO_OK);
		CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(10000)), LO_OK);
		CHECK_ST(c.last, LO_ERR_BAD_STATE);
		struct lo_process_info info;
		CHECK(utest_wait_process(c.victim, &info));
		CHECK(info.exit_reason == LO_EXIT_KILLED);
		lo_handle_close(lo_process_handle(c.victim));
		if (mine.value)
			lo_handle_close(lo_channel_handle(mine));
	}
	lo_handle_close(lo_vmo_handle(vmo));
}

static void test_unmap_vs_kill(void)
{
	churn_against_kill(0, 0);
}

static void test_unmap_vs_kill_running(void)
{
	churn_against_kill(1, 0);
}

static void test_protect_vs_kill(void)
{
	churn_against_kill(0, 1);
}

/* The victim's own thread maps and unmaps a big VMO in itself while we
 * kill it (child mode "unmap_loop"). */
static void test_self_unmap_vs_kill(void)
{
	for (int round = 0; round < 4; round++) {
		lo_channel_t mine, theirs;
		if (!CHECK_ST(lo_channel_create(lo_job_self(), &mine, &theirs), LO_OK))
			return;
		struct lo_give give = { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) };
		lo_process_t child;
		if (!CHECK_ST(utest_spawn_child("unmap_loop", &give, 1, &child), LO_OK)) {
			lo_handle_close(lo_channel_handle(mine));
			return;
		}
		uint32_t observed;
		CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
					    lo_deadline_after_ms(5000), &observed), LO_OK);
		CHECK_ST(lo_process_kill(child), LO_OK);
		struct lo_process_info info;
		CHECK(utest_wait_process(child, &info));
		CHECK(info.exit_reason == LO_EXIT_KILLED);
		lo_handle_close(lo_process_handle(child));
		lo_handle_close(lo_channel_handle(mine));
	}
}

/* Map one page-multiple of v at a fixed address in p; the status. */
static status_t map_at(lo_process_t p, lo_vmo_t v, uint64_t addr, uint64_t len)
{
	struct lo_map_request req = { addr, 0, len, 0, 0 };
	uint64_t got = 0;
	status_t st = lo_process_map(p, v, &req, &got);
	if (st == LO_OK && got != addr)
		return LO_ERR_INTERNAL;
	return st;
}

/* Fixed mappings at the top of the user half, each edge from both sides.
 * In a process of its own that never runs, so a mapping wrongly accepted
 * above USER_TOP cannot hurt this one. */
static void test_map_fixed_user_top(void)
{
	lo_process_t p;
	lo_vmo_t v;
	if (!CHECK_ST(lo_process_create(lo_job_self(), "bounds", 6, &p), LO_OK))
		return;
	CHECK_ST(lo_vmo_create(lo_job_self(), 3 * 4096, &v), LO_OK);
	/* The last page, and the one below it: fine. */
	CHECK_ST(map_at(p, v, USER_TOP - 4096, 4096), LO_OK);
	CHECK_ST(lo_process_unmap(p, USER_TOP - 4096, 4096), LO_OK);
	CHECK_ST(map_at(p, v, USER_TOP - 8192, 4096), LO_OK);
	CHECK_ST(lo_process_unmap(p, USER_TOP - 8192, 4096), LO_OK);
	/* Two pages ending exactly at USER_TOP: fine; one more straddles it. */
	CHECK_ST(map_at(p, v, USER_TOP - 8192, 8192), LO_OK);
	CHECK_ST(lo_process_unmap(p, USER_TOP - 8192, 8192), LO_OK);
	CHECK_ST(map_at(p, v, USER_TOP - 8192, 3 * 4096), LO_ERR_INVALID_ARGS);
	CHECK_ST(map_at(p, v, USER_TOP - 4096, 8192), LO_ERR_INVALID_ARGS);
	/* At USER_TOP, above it, in the kernel half, at the very top. */
	CHECK_ST(map_at(p, v, USER_TOP, 4096), LO_ERR_INVALID_ARGS);
	CHECK_ST(map_at(p, v, USER_TOP + 4096, 4096), LO_ERR_INVALID_ARGS);
	CHECK_ST(map_at(p, v, 0xffff800000000000ull, 4096), LO_ERR_INVALID_ARGS);
	CHECK_ST(map_at(p, v, 0xfffffffffffff000ull, 4096), LO_ERR_INVALID_ARGS);
	CHECK_ST(map_at(p, v, 0xfffffffffffff000ull, 8192), LO_ERR_INVALID_ARGS);
	/* None of the refused ones left a mapping behind. */
	CHECK_ST(lo_process_unmap(p, USER_TOP, 4096), LO_ERR_NOT_FOUND);
	CHECK_ST(lo_process_unmap(p, USER_TOP - 4096, 8192), LO_ERR_NOT_FOUND);
	lo_handle_close(lo_vmo_handle(v));
	lo_handle_close(lo_process_handle(p));
}

/* User buffers of a copying call (vmo_write / vmo_read) at the top of the
 * user half and wrapping around the end of the address space. */
static void test_copy_range_edges(void)
{
	lo_vmo_t v, page;
	CHECK_ST(lo_vmo_create(lo_job_self(), 65536, &v), LO_OK);
	CHECK_ST(lo_vmo_create(lo_job_self(), 4096, &page), LO_OK);
	/* Our own last user page, mapped writable. */
	struct lo_map_request req = { USER_TOP - 4096, 0, 4096, LO_MAP_WRITE, 0 };
	uint64_t addr = 0;
	if (!CHECK_ST(lo_process_map(lo_self, page, &req, &addr), LO_OK)) {
		lo_handle_close(lo_vmo_handle(page));
		lo_handle_close(lo_vmo_handle(v));
		return;
	}
	char *last = (char *)(uintptr_t)(USER_TOP - 4096);
	lo_memset(last, 'z', 4096);
	/* The largest range ending at USER_TOP works both ways. */
	CHECK_ST(lo_vmo_write(v, last, 0, 4096), LO_OK);
	CHECK_ST(lo_vmo_read(v, last, 0, 4096), LO_OK);
	CHECK_ST(lo_vmo_write(v, last + 4095, 0, 1), LO_OK);
	/* One byte past it does not. */
	CHECK_ST(lo_vmo_write(v, last, 0, 4097), LO_ERR_FAULT);
	CHECK_ST(lo_vmo_read(v, last + 1, 0, 4096), LO_ERR_FAULT);
	CHECK_ST(lo_vmo_write(v, (const void *)(uintptr_t)USER_TOP, 0, 1), LO_ERR_FAULT);
	/* Pointers near 2^64 whose end wraps to 0 or past it. */
	CHECK_ST(lo_vmo_write(v, (const void *)(uintptr_t)0xfffffffffffff000ull, 0, 4096),
		 LO_ERR_FAULT);
	CHECK_ST(lo_vmo_write(v, (const void *)(uintptr_t)0xfffffffffffff000ull, 0, 8192),
		 LO_ERR_FAULT);
	CHECK_ST(lo_vmo_read(v, (void *)(uintptr_t)0xffffffffffffff00ull, 0, 512), LO_ERR_FAULT);
	/* A user pointer with a length past the call's limit. */
	CHECK_ST(lo_vmo_write(v, last, 0, 0xffffffffu), LO_ERR_OUT_OF_RANGE);
	/* Nothing was written through the refused calls. */
	char back[16];
	CHECK_ST(lo_vmo_read(v, back, 0, sizeof(back)), LO_OK);
	CHECK(back[0] == 'z' && back[15] == 'z');
	CHECK_ST(lo_process_unmap(lo_self, USER_TOP - 4096, 4096), LO_OK);
	lo_handle_close(lo_vmo_handle(page));
	lo_handle_close(lo_vmo_handle(v));
}

static uint64_t free_pages(void)
{
	struct lo_memory_stats s = { 0, 0 };
	CHECK_ST(lo_resource_memory_stats(utest_root, &s), LO_OK);
	CHECK(s.free_pages > 0 && s.free_pages <= s.total_pages);
	return s.free_pages;
}

/* Commit every page of a 1 MiB VMO, then destroy it. */
static void vmo_cycle(uint64_t *while_alive)
{
	lo_vmo_t v;
	if (!CHECK_ST(lo_vmo_create(lo_job_self(), 1 << 20, &v), LO_OK))
		return;
	for (uint64_t off = 0; off < (1 << 20); off += 4096)
		CHECK_ST(lo_vmo_write(v, "x", off, 1), LO_OK);
	*while_alive = free_pages();
	lo_handle_close(lo_vmo_handle(v));
}

/* Destroying a VMO gives every page it committed back. */
static void test_vmo_destroy_frees_pages(void)
{
	uint64_t alive, before = 0, after = 0;
	vmo_cycle(&alive);   /* warm up: heap pages for the VMO's own structures */
	/* The free count is the whole machine's: the logger, the console
	 * driver and a thread of an earlier test ending on another CPU may
	 * take or give back a page meanwhile. A leak shows every time; one
	 * clean cycle out of ten, with a pause between, is the answer. */
	for (int attempt = 0; attempt < 10; attempt++) {
		if (attempt)
			utest_sleep_ms(5);
		before = free_pages();
		vmo_cycle(&alive);
		after = free_pages();
		if (alive + 256 <= before && after == before)
			break;
	}
	CHECK(alive + 256 <= before);
	CHECK(after == before);
	if (after != before)
		lo_printf("  free pages: %lu before, %lu after\n", before, after);
	/* Only the root resource tells, and only with INSPECT. */
	struct lo_memory_stats s;
	lo_resource_t weak = lo_resource_from(utest_dup(lo_resource_handle(utest_root),
							 LO_RIGHT_DUPLICATE));
	CHECK_ST(lo_resource_memory_stats(weak, &s), LO_ERR_ACCESS_DENIED);
	lo_handle_close(lo_resource_handle(weak));
}

static const struct utest uvm_tests[] = {
	{ "user.uvm.map_fixed_user_top", test_map_fixed_user_top },
	{ "user.uvm.copy_range_edges", test_copy_range_edges },
	{ "user.uvm.vmo_destroy_frees_pages", test_vmo_destroy_frees_pages },
	{ "user.uvm.unmap_vs_kill", test_unmap_vs_kill },
	{ "user.uvm.unmap_vs_kill_running", test_unmap_vs_kill_running },
	{ "user.uvm.protect_vs_kill", test_protect_vs_kill },
	{ "user.uvm.self_unmap_vs_kill", test_self_unmap_vs_kill },
	{ 0, 0 },
};
UTEST_SUITE(uvm_tests);
