/* The x87/SSE/AVX registers belong to one thread: saved and restored on
 * every context switch, and clean (fninit, MXCSR 0x1f80, XMM 0) in every
 * new thread. */
#include "lightos/startup.h"
#include "utest.h"
#include "lightos/thread.h"
#include "fpu_state.h"

static void check_exit_zero(lo_process_t p, const char *what)
{
	struct lo_process_info info = { 0 };
	CHECK(utest_wait_process(p, &info));
	if (!CHECK(info.exit_reason == LO_EXIT_NORMAL && info.exit_code == 0))
		lo_printf("  %s: reason %u code %ld vector %lu\n", what, info.exit_reason,
			  (long)info.exit_code, info.fault_vector);
	lo_handle_close(lo_process_handle(p));
}

/* Two children fill the registers with different values and take turns
 * on one channel 200 times; each checks its own values after every turn.
 * Our own registers must not change meanwhile either. */
static void test_two_processes_keep_state(void)
{
	fx_reset();
	struct fx_image before, after;
	fx_save(&before);
	lo_channel_t a, b;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK))
		return;
	struct lo_give give_a = { LO_STARTUP_CHANNEL, lo_channel_handle(a) };
	struct lo_give give_b = { LO_STARTUP_CHANNEL, lo_channel_handle(b) };
	lo_process_t one, two;
	if (!CHECK_ST(utest_spawn_child("fpu 1", &give_a, 1, &one), LO_OK)) {
		lo_handle_close(lo_channel_handle(b));
		return;
	}
	if (!CHECK_ST(utest_spawn_child("fpu 2", &give_b, 1, &two), LO_OK)) {
		lo_process_kill(one);
		lo_handle_close(lo_process_handle(one));
		return;
	}
	check_exit_zero(one, "fpu 1");
	check_exit_zero(two, "fpu 2");
	fx_save(&after);
	CHECK(fx_same(&before, &after));
	CHECK(fx_check_clean() == 0);
}

/* A process that leaves values in the registers and blocks; the next new
 * process must not see them. */
static void test_new_process_starts_clean(void)
{
	lo_channel_t mine, theirs;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &mine, &theirs), LO_OK))
		return;
	struct lo_give give = { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) };
	lo_process_t holder, fresh;
	if (!CHECK_ST(utest_spawn_child("fpu-hold 3", &give, 1, &holder), LO_OK)) {
		lo_handle_close(lo_channel_handle(mine));
		return;
	}
	uint32_t observed;
	CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
				    lo_deadline_after_ms(5000), &observed), LO_OK);
	if (CHECK_ST(utest_spawn_child("fpu-clean", NULL, 0, &fresh), LO_OK))
		check_exit_zero(fresh, "fpu-clean");
	CHECK_ST(lo_process_kill(holder), LO_OK);
	struct lo_process_info info;
	CHECK(utest_wait_process(holder, &info));
	CHECK(info.exit_reason == LO_EXIT_KILLED);   /* killed: it had started clean */
	lo_handle_close(lo_process_handle(holder));
	lo_handle_close(lo_channel_handle(mine));
	CHECK(fx_check_clean() == 0);
}

static volatile int thread_clean_result = -1;

static void check_clean_thread(void *arg)
{
	(void)arg;
	thread_clean_result = fx_check_clean();
}

/* A new thread of this process starts clean even though the thread that
 * made it has values in every register; those survive the switch. */
static void test_new_thread_starts_clean(void)
{
	fx_load(2);
	lo_thread_t t;
	status_t st = lo_thread_run(check_clean_thread, NULL, "fpu-clean", &t);
	if (st == LO_OK)
		st = lo_thread_join(t, lo_deadline_after_ms(5000));
	int ours = fx_check_loaded(2);
	fx_reset();
	CHECK_ST(st, LO_OK);
	CHECK(thread_clean_result == 0);
	CHECK(ours == 0);
}

static const struct utest fpu_tests[] = {
	{ "user.fpu_two_processes_keep_state", test_two_processes_keep_state },
	{ "user.fpu_new_process_starts_clean", test_new_process_starts_clean },
	{ "user.fpu_new_thread_starts_clean", test_new_thread_starts_clean },
	{ 0, 0 },
};

UTEST_SUITE(fpu_tests);
