/* Stress and exhaustion: many processes, a full handle table, memory run
 * dry, deep registries, waits on processes that are killed. */
#include "lightos/startup.h"
#include "utest.h"

#define SPAWN_CYCLES 1000

static void test_spawn_exit_cycles(void)
{
	uint64_t start = lo_now();
	int ok = 0;
	for (int i = 0; i < SPAWN_CYCLES; i++) {
		lo_process_t child;
		if (utest_spawn_child("exit 0", NULL, 0, &child) != LO_OK)
			break;
		struct lo_process_info info;
		if (utest_wait_process(child, &info) && info.exit_reason == LO_EXIT_NORMAL)
			ok++;
		lo_handle_close(lo_process_handle(child));
		/* Progress, so the runner's per-test timeout catches a hang and
		 * not a slow host (4 CPUs under TCG, other work on the machine). */
		if ((i + 1) % 250 == 0)
			lo_printf("  %d cycles in %lu ms\n", i + 1, (lo_now() - start) / 1000000);
	}
	CHECK(ok == SPAWN_CYCLES);
	lo_printf("  %d spawn/exit/wait cycles in %lu ms\n", ok, (lo_now() - start) / 1000000);
}

static void test_handle_quota(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	static uint32_t dups[LO_HANDLE_TABLE_MAX];
	const int max = (int)LO_HANDLE_TABLE_MAX;
	int n = 0;
	status_t st = LO_OK;
	while (n < max &&
	       (st = lo_handle_duplicate(lo_event_handle(e), LO_RIGHT_WAIT, &dups[n])) == LO_OK)
		n++;
	CHECK_ST(st, LO_ERR_NO_RESOURCES);
	/* The table's ceiling less the handles we already hold. */
	CHECK(n > max - 200 && n < max);
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_ERR_NO_RESOURCES);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
	CHECK(info.handle_count == (uint32_t)n + 1);
	for (int i = 0; i < n; i++)
		lo_handle_close((lo_handle_t){ dups[i] });
	CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
	CHECK(info.handle_count == 1 && info.refcount == 1);
	lo_handle_close(lo_event_handle(e));
}

static void test_memory_exhaustion(void)
{
	/* A child fills VMOs until the kernel says NO_MEMORY, then exits. */
	lo_process_t child;
	if (!CHECK_ST(utest_spawn_child("hog", NULL, 0, &child), LO_OK))
		return;
	struct lo_process_info info;
	uint32_t observed;
	CHECK_ST(lo_handle_wait_one(lo_process_handle(child), LO_SIG_PROCESS_TERMINATED,
				    lo_deadline_after_ms(120000), &observed), LO_OK);
	CHECK_ST(lo_process_info(child, &info), LO_OK);
	CHECK(info.exit_reason == LO_EXIT_NORMAL && info.exit_code == 0);   /* 0: NO_MEMORY seen, cleanly */
	lo_handle_close(lo_process_handle(child));
	/* The memory came back: a big VMO fills again. */
	lo_vmo_t v;
	CHECK_ST(lo_vmo_create(lo_job_self(), 64ull << 20, &v), LO_OK);
	int written = 0;
	for (uint64_t off = 0; off < (64ull << 20); off += 4096)
		written += lo_vmo_write(v, "x", off, 1) == LO_OK;
	CHECK(written == (64 << 20) / 4096);
	lo_handle_close(lo_vmo_handle(v));
}

static void test_deep_registry_and_wait_on_killed(void)
{
	/* A thread of ours waits for a child that we then kill. */
	lo_channel_t mine;
	lo_process_t child;
	if (!utest_spawn_holding(&mine, &child))
		return;
	lo_port_t port;
	CHECK_ST(lo_port_create(lo_job_self(), &port), LO_OK);
	CHECK_ST(lo_port_bind(port, lo_process_handle(child), LO_SIG_PROCESS_TERMINATED, 7), LO_OK);
	CHECK_ST(lo_process_kill(child), LO_OK);
	struct lo_port_packet pkt;
	CHECK_ST(lo_port_wait(port, lo_deadline_after_ms(5000), &pkt), LO_OK);
	CHECK(pkt.key == 7);
	lo_handle_close(lo_port_handle(port));
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_channel_handle(mine));
}


/* Channel ends nested inside messages of other channels, 2,000 deep:
 * closing the outermost releases them all without a deep recursion.
 * Built outermost first: each new end travels while its own queue is still
 * empty (an end with ends waiting in its queue may not move, see
 * docs/capabilities.md), then its queue is filled through its peer. */
static void test_nested_channels_deep(void)
{
	enum { DEPTH = 2000 };
	lo_channel_t outer, writer;
	CHECK_ST(lo_channel_create(lo_job_self(), &outer, &writer), LO_OK);
	for (int i = 0; i < DEPTH; i++) {
		lo_channel_t a, b;
		if (!CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK))
			break;
		/* a goes into the queue the last level's writer feeds; b fills
		 * a's queue next round. */
		lo_handle_t carry = lo_channel_handle(a);
		CHECK_ST(lo_channel_write(writer, "n", 1, &carry, 1), LO_OK);
		lo_handle_close(lo_channel_handle(writer));
		writer = b;
	}
	lo_handle_close(lo_channel_handle(writer));
	lo_handle_close(lo_channel_handle(outer));
}

static const struct utest stress_tests[] = {
	{ "stress.handle_table_quota", test_handle_quota },
	{ "stress.nested_channels_deep", test_nested_channels_deep },
	{ "stress.wait_on_killed_process", test_deep_registry_and_wait_on_killed },
	{ "stress.memory_exhaustion", test_memory_exhaustion },
	{ "stress.spawn_exit_1000", test_spawn_exit_cycles },
	{ 0, 0 },
};
UTEST_SUITE(stress_tests);
