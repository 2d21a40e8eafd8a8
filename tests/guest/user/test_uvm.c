/* User memory against process teardown, and the bounds of user ranges:
 * unmap/protect racing a kill, fixed mappings at the top of the user half,
 * user copies whose range wraps, and the pages a VMO gives back. */
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
	if (!CHECK_ST(lo_vmo_create(RACE_LEN, &vmo), LO_OK))
		return;
	for (int round = 0; round < RACE_ROUNDS; round++) {
		lo_channel_t mine = { 0 };
		struct churn c = { .vmo = vmo, .protect = protect };
		if (started) {
			if (!utest_spawn_holding(&mine, &c.victim))
				break;
		} else if (!CHECK_ST(lo_process_create("victim", 6, &c.victim), LO_OK)) {
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
		CHECK(info.exit_reason == 2);
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
		if (!CHECK_ST(lo_channel_create(&mine, &theirs), LO_OK))
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
		CHECK(info.exit_reason == 2);
		lo_handle_close(lo_process_handle(child));
		lo_handle_close(lo_channel_handle(mine));
	}
}

static const struct utest uvm_tests[] = {
	{ "user.uvm.unmap_vs_kill", test_unmap_vs_kill },
	{ "user.uvm.unmap_vs_kill_running", test_unmap_vs_kill_running },
	{ "user.uvm.protect_vs_kill", test_protect_vs_kill },
	{ "user.uvm.self_unmap_vs_kill", test_self_unmap_vs_kill },
	{ 0, 0 },
};
UTEST_SUITE(uvm_tests);
