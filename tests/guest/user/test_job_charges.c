/* Kernel memory a job causes beyond its objects (docs/jobs.md, "Quotas"):
 * page tables of its processes' address spaces, and channel messages its
 * processes sent that wait in a queue. Each runs the job into its memory
 * quota, and every charge comes back once the process or message is gone. */
#include "lightos/startup.h"
#include "utest.h"

#define PT_SPREAD_BASE 0x0000100000000000ull   /* as in child.c */
#define VEC_PAGE_FAULT 14

static struct lo_job_info job_info(lo_job_t j)
{
	struct lo_job_info info;
	lo_memset(&info, 0, sizeof(info));
	CHECK_ST(lo_job_info(j, &info), LO_OK);
	return info;
}

/* The job's usage once its ended processes are gone. On several CPUs a
 * process's last thread (its object and kernel stack) goes a moment after
 * the process ended, when that thread's CPU switches away; so wait, up to
 * a second, for the job's objects to reach 0. A leak stays. */
static struct lo_job_info job_info_settled(lo_job_t j)
{
	struct lo_job_info info = job_info(j);
	for (int i = 0; i < 500 && info.objects_used; i++) {
		utest_sleep_ms(2);
		info = job_info(j);
	}
	return info;
}

/* bin/child `mode` in a fresh job of `pages` pages; *mine is our end of
 * its startup channel. */
static int spawn_in_new_job(const char *mode, uint64_t pages, lo_job_t *job, lo_channel_t *mine,
			    lo_process_t *child)
{
	struct lo_job_quota q = { pages, 4, 64, 256, 0 };
	if (!CHECK_ST(lo_job_create(lo_job_self(), &q, job), LO_OK))
		return 0;
	lo_channel_t theirs;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), mine, &theirs), LO_OK))
		return 0;
	struct lo_give give[2] = {
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
		{ LO_STARTUP_JOB, utest_dup(lo_job_handle(*job), LO_DEFAULT_RIGHTS_JOB) },
	};
	return CHECK_ST(utest_spawn_child(mode, give, 2, child), LO_OK);
}

/* A process in a 128-page job touches pages 1 GiB apart: each needs two
 * new page tables. Charged to the job, they run it out of quota long
 * before 256 touches (the fault is unresolvable: the default ends it at a
 * mapped address, one of the spread pages). Uncharged, it would finish. */
static void test_page_tables_charged(void)
{
	lo_job_t job;
	lo_channel_t mine;
	lo_process_t child;
	if (!spawn_in_new_job("pt-spread", 128, &job, &mine, &child))
		return;
	struct lo_process_info info;
	if (CHECK(utest_wait_process(child, &info))) {
		CHECK(info.exit_reason == LO_EXIT_FAULT);
		CHECK(info.fault_vector == VEC_PAGE_FAULT);
		uint64_t i = (info.fault_address - PT_SPREAD_BASE) >> 30;
		CHECK(info.fault_address >= PT_SPREAD_BASE && i > 0 && i < 256 &&
		      info.fault_address == PT_SPREAD_BASE + (i << 30));
	}
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_channel_handle(mine));
	/* Its tables went with its address space. */
	struct lo_job_info ji = job_info_settled(job);
	CHECK(ji.memory_pages_used == 0 && ji.objects_used == 0);
	lo_handle_close(lo_job_handle(job));
}

/* A process in a 64-page job fills our queue with 16 KiB messages: its
 * job's quota stops it (NO_MEMORY) before the queue's 256-message limit.
 * The messages stay charged to its job after it ended and after the job is
 * killed; reading some and closing our end (which destroys the rest) gives
 * the charge back, exactly once. */
static void test_queued_messages_charged(void)
{
	lo_job_t job;
	lo_channel_t mine;
	lo_process_t child;
	if (!spawn_in_new_job("msg-fill", 64, &job, &mine, &child))
		return;
	struct lo_process_info info;
	if (CHECK(utest_wait_process(child, &info)))
		CHECK(info.exit_reason == LO_EXIT_NORMAL && info.exit_code == 0);
	lo_handle_close(lo_process_handle(child));
	/* Only the queued messages are left: at least 16 KiB, under 64 pages. */
	struct lo_job_info ji = job_info_settled(job);
	CHECK(ji.objects_used == 0);
	CHECK(ji.memory_pages_used >= 4 && ji.memory_pages_used <= 64);
	CHECK_ST(lo_job_kill(job), LO_OK);
	CHECK(job_info(job).memory_pages_used == ji.memory_pages_used);
	static char buf[16384];
	struct lo_channel_read_result got;
	CHECK_ST(lo_channel_read(mine, buf, sizeof(buf), NULL, 0, &got), LO_OK);
	CHECK(got.bytes == sizeof(buf));
	CHECK(job_info(job).memory_pages_used < ji.memory_pages_used);
	lo_handle_close(lo_channel_handle(mine));
	CHECK(job_info(job).memory_pages_used == 0);
	lo_handle_close(lo_job_handle(job));
}

static const struct utest job_charge_tests[] = {
	{ "job.page_tables_charged", test_page_tables_charged },
	{ "job.queued_messages_charged", test_queued_messages_charged },
	{ 0, 0 },
};

UTEST_SUITE(job_charge_tests);
