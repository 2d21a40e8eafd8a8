/* The system-call fuzzer (tests/guest/fuzz/fuzz.c) in two processes at
 * once, from fixed seeds: the kernel stays up, both fuzzers end normally,
 * every object they made is gone after they exit (the runner's leak check),
 * and no fuzzer got hold of an object it was never given. */
#include "lightos/startup.h"
#include "utest.h"

#define FUZZ_SEED       1000
#define FUZZ_ITERATIONS 1500
#define FUZZ_JOB_PAGES  1024    /* 4 MiB: the image, stacks, heap and what it makes */

static void run_fuzzers(uint64_t seed, uint64_t iterations, uint64_t timeout_ms)
{
	/* An object nobody is given: no handle to it may appear anywhere. */
	lo_event_t secret;
	CHECK_ST(lo_event_create(lo_job_self(), &secret), LO_OK);
	lo_process_t p[2];
	for (int i = 0; i < 2; i++) {
		char args[64];
		lo_snprintf(args, sizeof(args), "%lu %lu", seed + (uint64_t)i, iterations);
		lo_printf("  fuzz: seed %lu, %lu calls per thread, 2 threads\n", seed + (uint64_t)i,
			  iterations);
		/* Each fuzzer in a small job of its own: whatever it makes,
		 * it cannot take more than this from the rest of the system. */
		struct lo_job_quota q = { FUZZ_JOB_PAGES, 4, 256, 512, 0 };
		lo_job_t job;
		if (!CHECK_ST(lo_job_create(lo_job_self(), &q, &job), LO_OK))
			return;
		struct lo_give give[1] = { { LO_STARTUP_JOB, lo_job_handle(job) } };
		const char *why = NULL;
		if (!CHECK_ST(lo_spawn_from_image(utest_image, "bin/fuzz", args, give, 1, &p[i], &why),
			      LO_OK))
			return;
	}
	for (int i = 0; i < 2; i++) {
		uint32_t observed;
		CHECK_ST(lo_handle_wait_one(lo_process_handle(p[i]), LO_SIG_PROCESS_TERMINATED,
					    lo_deadline_after_ms(timeout_ms), &observed), LO_OK);
		struct lo_process_info info;
		CHECK_ST(lo_process_info(p[i], &info), LO_OK);
		if (!CHECK(info.exit_reason == LO_EXIT_NORMAL && info.exit_code == 0))
			lo_printf("  fuzz %d: reason %u code %ld vector %lu rip 0x%lx\n", i, info.exit_reason,
				  info.exit_code, info.fault_vector, info.fault_rip);
		lo_handle_close(lo_process_handle(p[i]));
	}
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(lo_event_handle(secret), &info), LO_OK);
	CHECK(info.handle_count == 1 && info.refcount == 1);
	lo_handle_close(lo_event_handle(secret));
}

static void test_syscall_fuzz(void)
{
	run_fuzzers(FUZZ_SEED, FUZZ_ITERATIONS, 60000);
}

/* `make fuzz-guest`: a long run, seed and length from the command line. */
void utest_long_fuzz(uint64_t seed, uint64_t iterations)
{
	run_fuzzers(seed, iterations, 3600 * 1000);
}

static const struct utest fuzz_tests[] = {
	{ "user.syscall_fuzz_two_processes", test_syscall_fuzz },
	{ 0, 0 },
};
UTEST_SUITE(fuzz_tests);
