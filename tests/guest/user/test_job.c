/* Jobs (docs/jobs.md): each quota stops its job at its limit and nowhere
 * else, killing a job ends its whole subtree and gives everything back,
 * a creation needs its CREATE_* right on the job, and a child job gets no
 * more than its parent has left. */
#include "lightos/startup.h"
#include "lightos/spawn.h"
#include "lightos/thread.h"
#include "utest.h"

struct fill_result {
	status_t st;
	uint32_t count;
};

static lo_job_t new_job(lo_job_t parent, uint64_t pages, uint32_t procs, uint32_t objects,
			uint32_t handles)
{
	struct lo_job_quota q = { pages, procs, objects, handles, 0 };
	lo_job_t j = { 0 };
	CHECK_ST(lo_job_create(parent, &q, &j), LO_OK);
	return j;
}

static struct lo_job_info job_info(lo_job_t j)
{
	struct lo_job_info info;
	lo_memset(&info, 0, sizeof(info));
	CHECK_ST(lo_job_info(j, &info), LO_OK);
	return info;
}

/* A 1 ms pause: a wait on an event nobody signals. */
static void pause_1ms(void)
{
	lo_event_t tick;
	if (lo_event_create(lo_job_self(), &tick) != LO_OK)
		return;
	uint32_t observed;
	lo_handle_wait_one(lo_event_handle(tick), LO_SIG_EVENT_SIGNALED, lo_deadline_after_ms(1),
			   &observed);
	lo_handle_close(lo_event_handle(tick));
}

/* The job's usage once at most `objects` objects and `pages` pages are
 * left, waiting up to 200 ms. A dead thread gives back its object and
 * kernel stack when its CPU switches away from it, which may come a
 * moment after its process was seen to end (at once on another CPU). */
static struct lo_job_info job_info_settled(lo_job_t j, uint32_t objects, uint64_t pages)
{
	struct lo_job_info info = job_info(j);
	for (int i = 0; i < 200 && (info.objects_used > objects || info.memory_pages_used > pages);
	     i++) {
		pause_1ms();
		info = job_info(j);
	}
	return info;
}

/* Start bin/child `args` in `job` (a copy of our handle goes with it),
 * connected by a channel. */
static int spawn_in(lo_job_t job, const char *args, lo_channel_t *mine, lo_process_t *child)
{
	lo_channel_t theirs;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), mine, &theirs), LO_OK))
		return 0;
	struct lo_give give[2] = {
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
		{ LO_STARTUP_JOB, utest_dup(lo_job_handle(job), LO_DEFAULT_RIGHTS_JOB) },
	};
	if (!CHECK_ST(utest_spawn_child(args, give, 2, child), LO_OK)) {
		lo_handle_close(lo_channel_handle(*mine));
		return 0;
	}
	return 1;
}

static int receive(lo_channel_t ch, void *buf, uint32_t size)
{
	uint32_t observed;
	if (!CHECK_ST(lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE,
					 lo_deadline_after_ms(20000), &observed), LO_OK))
		return 0;
	struct lo_channel_read_result got;
	return CHECK_ST(lo_channel_read(ch, buf, size, NULL, 0, &got), LO_OK) && CHECK(got.bytes == size);
}

/* Kill the job, see the child end killed, close everything. */
static void kill_and_close(lo_job_t job, lo_process_t child, lo_channel_t mine)
{
	CHECK_ST(lo_job_kill(job), LO_OK);
	struct lo_process_info info;
	CHECK(utest_wait_process(child, &info));
	CHECK(info.exit_reason == LO_EXIT_KILLED);
	CHECK(info.handle_count == 0);  /* its handles went with it */
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_channel_handle(mine));
	lo_handle_close(lo_job_handle(job));
}

/* Run the child that fills one quota of a fresh job; return what it said. */
static struct fill_result fill(lo_job_t job, const char *kind, lo_process_t *child, lo_channel_t *mine)
{
	struct fill_result r = { LO_ERR_INTERNAL, 0 };
	char args[32];
	lo_snprintf(args, sizeof(args), "job-fill %s", kind);
	if (spawn_in(job, args, mine, child))
		receive(*mine, &r, sizeof(r));
	return r;
}

static uint64_t free_pages(void)
{
	struct lo_memory_stats s = { 0, 0 };
	CHECK_ST(lo_resource_memory_stats(utest_root, &s), LO_OK);
	return s.free_pages;
}

#define HOG_PAGES 256

/* A hog in a small job runs into its own job's memory quota, not the
 * machine's; we go on working meanwhile; killing its job gives every page
 * back. */
static void test_memory_quota(void)
{
	uint64_t before = free_pages();
	lo_job_t job = new_job(lo_job_self(), HOG_PAGES, 4, 64, 64);
	lo_process_t child;
	lo_channel_t mine;
	struct fill_result r = fill(job, "memory", &child, &mine);
	CHECK_ST(r.st, LO_ERR_NO_MEMORY);
	CHECK(r.count > 0 && r.count < HOG_PAGES);
	struct lo_job_info info = job_info(job);
	CHECK(info.memory_pages_limit == HOG_PAGES);
	CHECK(info.memory_pages_used == HOG_PAGES);   /* full to the last page */
	uint64_t during = free_pages();
	/* The rest of the system is unaffected: we still allocate. */
	lo_vmo_t v;
	CHECK_ST(lo_vmo_create(lo_job_self(), 4096, &v), LO_OK);
	CHECK_ST(lo_vmo_write(v, "y", 0, 1), LO_OK);
	lo_handle_close(lo_vmo_handle(v));
	kill_and_close(job, child, mine);
	uint64_t after = free_pages();
	for (int i = 0; i < 200 && after < before; i++) {   /* the hog's last kernel stack */
		pause_1ms();
		after = free_pages();
	}
	lo_printf("  job hog: %u pages filled, free pages %lu before, %lu while full, %lu after kill\n",
		  r.count, before, during, after);
	CHECK(during < before);
	/* Every page the hog had is back. The count is the whole machine's:
	 * the logger, the console driver or a thread ending on another CPU may
	 * take or give back a page or two meanwhile, never hundreds. */
	CHECK(after >= during + r.count);
	CHECK(after + 16 > before && after < before + 16);
}

static void test_process_quota(void)
{
	lo_job_t job = new_job(lo_job_self(), 512, 2, 64, 64);
	lo_process_t child;
	lo_channel_t mine;
	struct fill_result r = fill(job, "procs", &child, &mine);
	CHECK_ST(r.st, LO_ERR_NO_RESOURCES);
	CHECK(r.count == 1);   /* the child itself is the other one */
	struct lo_job_info info = job_info(job);
	CHECK(info.processes_used == 2 && info.processes_limit == 2);
	kill_and_close(job, child, mine);
}

static void test_object_quota(void)
{
	lo_job_t job = new_job(lo_job_self(), 512, 2, 24, 64);
	lo_process_t child;
	lo_channel_t mine;
	struct fill_result r = fill(job, "objects", &child, &mine);
	CHECK_ST(r.st, LO_ERR_NO_RESOURCES);
	CHECK(r.count > 0);
	struct lo_job_info info = job_info(job);
	CHECK(info.objects_used == 24);
	kill_and_close(job, child, mine);
}

static void test_handle_quota(void)
{
	lo_job_t job = new_job(lo_job_self(), 512, 2, 64, 24);
	lo_process_t child;
	lo_channel_t mine;
	struct fill_result r = fill(job, "handles", &child, &mine);
	CHECK_ST(r.st, LO_ERR_NO_RESOURCES);
	CHECK(r.count > 0);
	struct lo_job_info info = job_info(job);
	CHECK(info.handles_used == 24);
	kill_and_close(job, child, mine);
}

/* Two processes of one job, four threads each, duplicate into the job's
 * handle quota at once and close and duplicate again at its edge (each
 * process's table lock orders its own threads; the job's count is shared
 * by both): the job stops them at exactly its quota, and its count is
 * the handles the two hold. */
static void test_handle_quota_race(void)
{
	lo_job_t job = new_job(lo_job_self(), 1024, 2, 64, 64);
	lo_process_t child[2];
	lo_channel_t mine[2];
	int n = 0;
	for (; n < 2; n++) {
		if (!spawn_in(job, "job-fill handles-race", &mine[n], &child[n]))
			break;
	}
	for (int i = 0; i < n; i++) {
		char ready[5];
		receive(mine[i], ready, sizeof(ready));
	}
	for (int i = 0; i < n; i++)
		CHECK_ST(lo_channel_write(mine[i], "go", 2, NULL, 0), LO_OK);
	for (int i = 0; i < n; i++) {
		struct fill_result r = { LO_ERR_INTERNAL, 0 };
		receive(mine[i], &r, sizeof(r));
		CHECK_ST(r.st, LO_ERR_NO_RESOURCES);
	}
	struct lo_job_info info = job_info(job);
	CHECK(info.handles_used == 64);
	uint32_t held = 0;
	for (int i = 0; i < n; i++) {
		struct lo_process_info pinfo;
		CHECK_ST(lo_process_info(child[i], &pinfo), LO_OK);
		held += pinfo.handle_count;
	}
	CHECK(n == 2 && held == 64);
	CHECK_ST(lo_job_kill(job), LO_OK);
	for (int i = 0; i < n; i++) {
		struct lo_process_info pinfo;
		CHECK(utest_wait_process(child[i], &pinfo));
		CHECK(pinfo.exit_reason == LO_EXIT_KILLED);
		lo_handle_close(lo_process_handle(child[i]));
		lo_handle_close(lo_channel_handle(mine[i]));
	}
	CHECK(job_info(job).handles_used == 0);
	lo_handle_close(lo_job_handle(job));
}

/* A process may hold LO_HANDLE_TABLE_MAX handles; the 65,536th is refused.
 * The job's quota is larger, so the table's own ceiling stops it. */
static void test_handle_table_max(void)
{
	lo_job_t job = new_job(lo_job_self(), 2048, 2, 64, LO_HANDLE_TABLE_MAX + 1000);
	lo_process_t child;
	lo_channel_t mine;
	struct fill_result r = fill(job, "handles", &child, &mine);
	CHECK_ST(r.st, LO_ERR_NO_RESOURCES);
	struct lo_job_info info = job_info(job);
	CHECK(info.handles_used == LO_HANDLE_TABLE_MAX);
	CHECK(r.count > LO_HANDLE_TABLE_MAX - 16);
	kill_and_close(job, child, mine);
}

/* Below the table's ceiling, the job's handle quota is the limit: a job of
 * 10,000 handles stops its process at exactly 10,000. */
static void test_handle_quota_10000(void)
{
	lo_job_t job = new_job(lo_job_self(), 1024, 2, 64, 10000);
	lo_process_t child;
	lo_channel_t mine;
	struct fill_result r = fill(job, "handles", &child, &mine);
	CHECK_ST(r.st, LO_ERR_NO_RESOURCES);
	struct lo_job_info info = job_info(job);
	CHECK(info.handles_used == 10000);
	CHECK(r.count > 10000 - 16);
	kill_and_close(job, child, mine);
}

/* A thread is an object of its process's job, with its kernel stack. */
static void test_thread_charged(void)
{
	lo_job_t job = new_job(lo_job_self(), 512, 1, 8, 16);
	lo_process_t p;
	if (!CHECK_ST(lo_process_create(job, "threads", 7, &p), LO_OK))
		return;
	lo_thread_t t[16];
	int n = 0;
	status_t st = LO_OK;
	while (n < 16 && (st = lo_thread_create(p, "t", 1, &t[n])) == LO_OK)
		n++;
	CHECK_ST(st, LO_ERR_NO_RESOURCES);
	CHECK(n == 7);   /* the process is the eighth object */
	struct lo_job_info info = job_info(job);
	CHECK(info.objects_used == 8);
	CHECK(info.memory_pages_used >= 7 * 4);   /* 16 KiB of kernel stack each */
	for (int i = 0; i < n; i++)
		lo_handle_close(lo_thread_handle(t[i]));
	lo_handle_close(lo_process_handle(p));
	info = job_info(job);
	CHECK(info.objects_used == 0 && info.memory_pages_used == 0);
	lo_handle_close(lo_job_handle(job));
}

static lo_process_t waited;
static volatile status_t waiter_result = LO_ERR_INTERNAL;

static void waiter(void *arg)
{
	(void)arg;
	uint32_t observed;
	waiter_result = lo_handle_wait_one(lo_process_handle(waited), LO_SIG_PROCESS_TERMINATED,
					   lo_deadline_after_ms(20000), &observed);
}

/* Killing a job ends the processes of its child jobs too, wakes whoever
 * waits on them, and leaves the jobs killed: nothing new may join. */
static void test_kill_subtree(void)
{
	lo_job_t top = new_job(lo_job_self(), 1024, 4, 64, 64);
	lo_job_t below = new_job(top, 512, 2, 32, 32);
	lo_process_t a, b;
	lo_channel_t ma, mb;
	char ready[5];
	if (!spawn_in(top, "hold", &ma, &a))
		return;
	if (!spawn_in(below, "hold", &mb, &b))
		return;
	receive(ma, ready, 5);
	receive(mb, ready, 5);
	waited = b;
	lo_thread_t t;
	CHECK_ST(lo_thread_run(waiter, NULL, "waiter", &t), LO_OK);
	CHECK_ST(lo_job_kill(top), LO_OK);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(20000)), LO_OK);
	CHECK_ST(waiter_result, LO_OK);
	struct lo_process_info info;
	CHECK(utest_wait_process(a, &info) && info.exit_reason == LO_EXIT_KILLED);
	CHECK(utest_wait_process(b, &info) && info.exit_reason == LO_EXIT_KILLED && info.handle_count == 0);
	struct lo_job_info bi = job_info_settled(below, 1, 0);
	CHECK(bi.killed == 1 && bi.processes_used == 0);
	/* Only the ended process object is left (our handle keeps it). */
	CHECK(bi.objects_used == 1 && bi.handles_used == 0);
	lo_event_t e;
	CHECK_ST(lo_event_create(below, &e), LO_ERR_BAD_STATE);
	lo_process_t p;
	CHECK_ST(lo_process_create(top, "late", 4, &p), LO_ERR_BAD_STATE);
	lo_handle_close(lo_process_handle(a));
	lo_handle_close(lo_process_handle(b));
	/* Everything the processes held has gone back. */
	bi = job_info_settled(below, 0, 0);
	CHECK(bi.memory_pages_used == 0 && bi.objects_used == 0 && bi.handles_used == 0);
	lo_handle_close(lo_channel_handle(ma));
	lo_handle_close(lo_channel_handle(mb));
	lo_handle_close(lo_job_handle(below));
	lo_handle_close(lo_job_handle(top));
}

/* Without CREATE_* on its job a program creates nothing (ACCESS_DENIED);
 * without a job handle at all, nothing either (BAD_HANDLE). */
static void test_denied_creation(void)
{
	lo_job_t job = new_job(lo_job_self(), 512, 4, 64, 64);
	lo_process_t child;
	lo_channel_t mine;
	status_t st[16];
	if (!spawn_in(job, "create-all", &mine, &child))
		return;
	receive(mine, st, sizeof(st));
	for (int i = 0; i < 8; i++) {
		if (!CHECK_ST(st[i], LO_ERR_ACCESS_DENIED) || !CHECK_ST(st[8 + i], LO_ERR_BAD_HANDLE))
			lo_printf("  creation call %d: %s / %s\n", i, lo_status_name(st[i]),
				  lo_status_name(st[8 + i]));
	}
	struct lo_process_info info;
	CHECK(utest_wait_process(child, &info) && info.exit_reason == LO_EXIT_NORMAL && info.exit_code == 0);
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_channel_handle(mine));
	/* Our own handle without the right: refused before anything is made. */
	uint32_t weak = 0;
	CHECK_ST(lo_handle_duplicate(lo_job_handle(job), LO_RIGHT_INSPECT, &weak), LO_OK);
	lo_event_t e;
	CHECK_ST(lo_event_create((lo_job_t){ weak }, &e), LO_ERR_ACCESS_DENIED);
	CHECK(job_info_settled(job, 0, 0).objects_used == 0);
	lo_handle_close((lo_handle_t){ weak });
	lo_handle_close(lo_job_handle(job));
}

/* A child job's quota comes out of what its parent has left, and goes
 * back when the child job dies. */
static void test_child_quota_bounded(void)
{
	lo_job_t parent = new_job(lo_job_self(), 64, 4, 16, 16);
	struct lo_job_quota q = { 65, 1, 1, 1, 0 };
	lo_job_t b, c;
	CHECK_ST(lo_job_create(parent, &q, &b), LO_ERR_NO_RESOURCES);   /* more than it has */
	q.memory_pages = 40;
	CHECK_ST(lo_job_create(parent, &q, &b), LO_OK);
	struct lo_job_info info = job_info(parent);
	/* 40 pages reserved, and the child job is an object of the parent's. */
	CHECK(info.memory_pages_used == 41 && info.objects_used == 2 && info.processes_used == 1);
	q.memory_pages = 24;
	CHECK_ST(lo_job_create(parent, &q, &c), LO_ERR_NO_RESOURCES);   /* 23 and a bit left */
	q.memory_pages = 23;
	CHECK_ST(lo_job_create(parent, &q, &c), LO_OK);
	q.memory_pages = 1;
	lo_job_t d;
	CHECK_ST(lo_job_create(b, &q, &d), LO_ERR_NO_RESOURCES);   /* b may have one object: none left */
	lo_handle_close(lo_job_handle(c));
	lo_handle_close(lo_job_handle(b));
	info = job_info(parent);
	CHECK(info.memory_pages_used == 0 && info.objects_used == 0 && info.processes_used == 0);
	lo_handle_close(lo_job_handle(parent));
}

/* A child job never has a right its creator's handle lacks: a program
 * denied process creation cannot get it back by making a job. */
static void test_child_rights_bounded(void)
{
	lo_job_t parent = new_job(lo_job_self(), 64, 4, 16, 16);
	uint32_t weak = 0;
	CHECK_ST(lo_handle_duplicate(lo_job_handle(parent), LO_RIGHT_INSPECT | LO_RIGHT_JOB_CREATE_JOB |
				     LO_RIGHT_JOB_CREATE_EVENT, &weak), LO_OK);
	struct lo_job_quota q = { 8, 1, 4, 4, 0 };
	lo_job_t child = { 0 };
	CHECK_ST(lo_job_create((lo_job_t){ weak }, &q, &child), LO_OK);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(lo_job_handle(child), &info), LO_OK);
	CHECK(info.rights == (LO_RIGHT_INSPECT | LO_RIGHT_JOB_CREATE_JOB | LO_RIGHT_JOB_CREATE_EVENT));
	lo_process_t p;
	CHECK_ST(lo_process_create(child, "x", 1, &p), LO_ERR_ACCESS_DENIED);
	lo_event_t e;
	CHECK_ST(lo_event_create(child, &e), LO_OK);
	lo_handle_close(lo_event_handle(e));
	lo_handle_close(lo_job_handle(child));
	lo_handle_close((lo_handle_t){ weak });
	lo_handle_close(lo_job_handle(parent));
}

static const struct utest job_tests[] = {
	{ "job.memory_quota_hog", test_memory_quota },
	{ "job.process_quota", test_process_quota },
	{ "job.object_quota", test_object_quota },
	{ "job.handle_quota", test_handle_quota },
	{ "job.handle_quota_race", test_handle_quota_race },
	{ "job.handle_quota_10000", test_handle_quota_10000 },
	{ "job.handle_table_max", test_handle_table_max },
	{ "job.thread_charged", test_thread_charged },
	{ "job.kill_subtree", test_kill_subtree },
	{ "job.denied_creation", test_denied_creation },
	{ "job.child_quota_bounded", test_child_quota_bounded },
	{ "job.child_rights_bounded", test_child_rights_bounded },
	{ 0, 0 },
};

UTEST_SUITE(job_tests);
