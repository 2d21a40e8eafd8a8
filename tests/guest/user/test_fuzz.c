/* The system-call fuzzer (tests/guest/fuzz/fuzz.c): two supervisors at once,
 * each running worker processes of four threads on one shared handle pool,
 * from fixed seeds. The kernel stays up, both supervisors end normally (no
 * worker faulted or hung), no fuzzer got hold of an object it was never
 * given, and once every fuzz process is gone the live object count of every
 * type is exactly what it was before: an object left behind (say channel
 * ends holding each other in their queues) is a leak even though nobody
 * can reach it any more. */
#include "utest.h"

#define FUZZ_SEED       1000
#define FUZZ_ITERATIONS 1500
#define FUZZ_JOB_PAGES  16384   /* 64 MiB: supervisor, workers, victims and what they make */

static int counts(uint64_t *c)
{
	return lo_resource_object_counts(utest_root, c, LO_TYPE_COUNT) == LO_OK;
}

static int same_counts(const uint64_t *a, const uint64_t *b)
{
	for (uint32_t t = 1; t < LO_TYPE_COUNT; t++) {
		if (a[t] != b[t])
			return 0;
	}
	return 1;
}

/* Every fuzz process has ended and its handle is closed: every object they
 * made must be gone. Destruction finishes inside the calls that end them,
 * so this holds at once; the short grace only keeps a slow machine from
 * failing a correct kernel. */
static void check_all_gone(const uint64_t *baseline)
{
	uint64_t now[LO_TYPE_COUNT];
	uint64_t give_up = lo_deadline_after_ms(2000);
	while (counts(now) && !same_counts(now, baseline) && lo_now() < give_up) {
		uint32_t observed;
		lo_event_t never;
		if (lo_event_create(lo_job_self(), &never) != LO_OK)
			break;
		lo_handle_wait_one(lo_event_handle(never), LO_SIG_EVENT_SIGNALED,
				   lo_deadline_after_ms(10), &observed);
		lo_handle_close(lo_event_handle(never));
	}
	for (uint32_t t = 1; t < LO_TYPE_COUNT; t++) {
		if (now[t] != baseline[t])
			lo_printf("  fuzz leak: %lu %s objects (type %u) before the run, %lu after "
				  "every fuzz process is gone\n", baseline[t],
				  lo_type_name(t), t, now[t]);
	}
	CHECK(same_counts(now, baseline));
}

static lo_handle_t same_rights(lo_handle_t h)
{
	struct lo_object_info info;
	uint32_t dup = 0;
	if (lo_handle_info(h, &info) == LO_OK)
		lo_handle_duplicate(h, info.rights, &dup);
	return (lo_handle_t){ dup };
}

static void run_fuzzers(uint64_t seed, uint64_t iterations, const char *classes,
			uint64_t timeout_ms)
{
	uint64_t baseline[LO_TYPE_COUNT];
	if (!CHECK(counts(baseline)))
		return;
	/* An object nobody is given: no handle to it may appear anywhere. */
	lo_event_t secret;
	CHECK_ST(lo_event_create(lo_job_self(), &secret), LO_OK);
	lo_process_t p[2];
	lo_job_t jobs[2];
	int started = 0;
	for (int i = 0; i < 2; i++) {
		char args[96];
		lo_snprintf(args, sizeof(args), "%lu %lu %s", seed + (uint64_t)i, iterations, classes);
		lo_printf("  fuzz: seed %lu, classes %s, %lu calls per worker thread\n",
			  seed + (uint64_t)i, classes, iterations);
		/* Each supervisor and its workers in a job of its own: whatever
		 * they make, they cannot take more than this from the rest. */
		struct lo_job_quota q = { FUZZ_JOB_PAGES, 256, 16384, 32768, 0 };
		lo_job_t job;
		if (!CHECK_ST(lo_job_create(lo_job_self(), &q, &job), LO_OK))
			break;
		jobs[i] = lo_job_from(utest_dup(lo_job_handle(job), LO_DEFAULT_RIGHTS_JOB));
		struct lo_give give[3] = {
			{ LO_STARTUP_LOG, same_rights(lo_log_handle(lo_log)) },
			{ LO_STARTUP_IMAGE, same_rights(lo_vmo_handle(utest_image)) },
			{ LO_STARTUP_JOB, lo_job_handle(job) },
		};
		const char *why = NULL;
		if (!CHECK_ST(lo_spawn_from_image(utest_image, "bin/fuzz", args, give, 3, &p[i], &why),
			      LO_OK)) {
			lo_handle_close(lo_job_handle(jobs[i]));
			break;
		}
		started++;
	}
	for (int i = 0; i < started; i++) {
		uint32_t observed;
		if (!CHECK_ST(lo_handle_wait_one(lo_process_handle(p[i]), LO_SIG_PROCESS_TERMINATED,
						 lo_deadline_after_ms(timeout_ms), &observed), LO_OK)) {
			/* A hang: say so, and end it, so the count check below
			 * does not take its objects for leaks. */
			lo_printf("  fuzz %d (seed %lu) hung: killed\n", i, seed + (uint64_t)i);
			lo_process_kill(p[i]);
			lo_handle_wait_one(lo_process_handle(p[i]), LO_SIG_PROCESS_TERMINATED,
					   lo_deadline_after_ms(10000), &observed);
		}
		struct lo_process_info info;
		CHECK_ST(lo_process_info(p[i], &info), LO_OK);
		if (!CHECK(info.exit_reason == LO_EXIT_NORMAL && info.exit_code == 0))
			lo_printf("  fuzz %d: reason %u code %ld vector %lu rip 0x%lx\n", i, info.exit_reason,
				  info.exit_code, info.fault_vector, info.fault_rip);
		lo_handle_close(lo_process_handle(p[i]));
		/* A supervisor that failed may leave workers running: end its
		 * job, so what they hold is not counted as a leak below (the
		 * failure itself was checked above). */
		lo_job_kill(jobs[i]);
		lo_handle_close(lo_job_handle(jobs[i]));
	}
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(lo_event_handle(secret), &info), LO_OK);
	CHECK(info.handle_count == 1 && info.refcount == 1);
	lo_handle_close(lo_event_handle(secret));
	check_all_gone(baseline);
}

static void test_syscall_fuzz(void)
{
	run_fuzzers(FUZZ_SEED, FUZZ_ITERATIONS, "all", 30000);
}

/* `make fuzz-guest`: a long run, seed, length and classes from the command
 * line. */
void utest_long_fuzz(uint64_t seed, uint64_t iterations, const char *classes)
{
	run_fuzzers(seed, iterations, classes, 24 * 3600 * 1000ull);
}

static const struct utest fuzz_tests[] = {
	{ "user.syscall_fuzz_two_processes", test_syscall_fuzz },
	{ 0, 0 },
};
UTEST_SUITE(fuzz_tests);
