/* The census (idl/census.idl): a job tree's started processes and threads,
 * handles to them by id, and start/exit events that never block the
 * kernel (a full queue counts what it dropped). procd serves proc: and
 * thread: from it. */
#include "lightos/spawn.h"
#include "utest.h"

/* A job of our own, below ours, for the children a test watches. */
static lo_job_t small_job(void)
{
	lo_job_t j = { 0 };
	CHECK_ST(lo_job_create_share(lo_job_self(), 10, &j), LO_OK);
	return j;
}

/* Start bin/child with `args` in job j (a copy of our handle goes). */
static status_t spawn_in(lo_job_t j, const char *args, lo_channel_t *mine, lo_process_t *p)
{
	lo_channel_t theirs;
	mine->value = 0;
	status_t st = lo_channel_create(lo_job_self(), mine, &theirs);
	if (st != LO_OK)
		return st;
	struct lo_give give[2] = {
		{ LO_STARTUP_JOB, utest_dup(lo_job_handle(j), LO_DEFAULT_RIGHTS_JOB & ~LO_RIGHT_JOB_CENSUS) },
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
	};
	return utest_spawn_child(args, give, 2, p);
}

static int listed(lo_census_t c, uint32_t kind, uint64_t id, uint64_t *owner)
{
	struct lo_census_entry e[64];
	uint64_t after = 0;
	uint32_t n;
	do {
		if (lo_census_list(c, kind, after, e, 64, &n) != LO_OK)
			return 0;
		for (uint32_t i = 0; i < n; i++) {
			if (i > 0 && e[i].id <= e[i - 1].id)
				return -1;   /* not in rising order */
			if (e[i].id == id) {
				if (owner)
					*owner = e[i].owner;
				return 1;
			}
		}
		after = n ? e[n - 1].id : after;
	} while (n == 64);
	return 0;
}

/* The next event, waiting up to 2 s. */
static int next_event(lo_census_t c, struct lo_census_event *ev, uint32_t *dropped)
{
	uint32_t observed, n = 0, d = 0;
	if (lo_handle_wait_one(lo_census_handle(c), LO_SIG_CENSUS_READABLE, lo_deadline_after_ms(2000),
			       &observed) != LO_OK)
		return 0;
	if (lo_census_read(c, ev, 1, &n, &d) != LO_OK)
		return 0;
	if (dropped)
		*dropped = d;
	return n == 1;
}

static void test_spawn_listed_then_gone(void)
{
	lo_job_t j = small_job();
	lo_census_t c;
	if (!CHECK_ST(lo_census_create(j, &c), LO_OK))
		return;
	struct lo_census_entry e[8];
	uint32_t n = 99;
	CHECK_ST(lo_census_list(c, LO_CENSUS_PROCESSES, 0, e, 8, &n), LO_OK);
	CHECK(n == 0);
	lo_channel_t ch;
	lo_process_t child;
	if (!CHECK_ST(spawn_in(j, "hold", &ch, &child), LO_OK))
		return;
	uint64_t pid = utest_object_id(lo_process_handle(child));
	struct lo_census_event ev;
	CHECK(next_event(c, &ev, NULL));
	CHECK(ev.kind == LO_CENSUS_STARTED && ev.pid == pid && ev.tid != 0);
	CHECK(ev.job == utest_object_id(lo_job_handle(j)));
	CHECK(!lo_strcmp(ev.name, "child"));
	uint64_t owner = 0;
	CHECK(listed(c, LO_CENSUS_PROCESSES, pid, &owner) == 1);
	CHECK(owner == utest_object_id(lo_job_handle(j)));
	/* Its threads: the first one, owned by it, reachable by id. */
	uint64_t thread_owner = 0;
	CHECK(listed(c, LO_CENSUS_THREADS, ev.tid, &thread_owner) == 1);
	CHECK(thread_owner == pid);
	lo_thread_t t;
	if (CHECK_ST(lo_census_thread(c, ev.tid, &t), LO_OK)) {
		CHECK(utest_object_id(lo_thread_handle(t)) == ev.tid);
		lo_handle_close(lo_thread_handle(t));
	}
	/* A handle by pid: the same process, to inspect and kill, never to
	 * reach its memory or handles. */
	lo_process_t p;
	if (CHECK_ST(lo_census_process(c, pid, &p), LO_OK)) {
		struct lo_object_info info;
		CHECK_ST(lo_handle_info(lo_process_handle(p), &info), LO_OK);
		CHECK(info.id == pid);
		CHECK(!(info.rights & (LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_MANAGE)));
		CHECK_ST(lo_process_kill(p), LO_OK);
		lo_handle_close(lo_process_handle(p));
	}
	struct lo_process_info pinfo;
	CHECK(utest_wait_process(child, &pinfo));
	/* Its end was posted before it signalled TERMINATED. */
	uint32_t d = 0, got = 0;
	CHECK_ST(lo_census_read(c, &ev, 1, &got, &d), LO_OK);
	CHECK(got == 1 && ev.kind == LO_CENSUS_EXITED && ev.pid == pid);
	CHECK(ev.reason == LO_EXIT_KILLED && ev.code == -1);
	CHECK(listed(c, LO_CENSUS_PROCESSES, pid, NULL) == 0);
	CHECK(listed(c, LO_CENSUS_THREADS, ev.tid, NULL) == 0);
	CHECK_ST(lo_census_process(c, pid, &p), LO_ERR_NOT_FOUND);
	CHECK_ST(lo_census_read(c, &ev, 1, &got, &d), LO_ERR_SHOULD_WAIT);
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_channel_handle(ch));
	lo_handle_close(lo_census_handle(c));
	lo_job_kill(j);
	lo_handle_close(lo_job_handle(j));
}

/* A process that ends before anyone reads its start still gives both
 * events, in order, with its name. */
static void test_short_lived_both_events(void)
{
	lo_job_t j = small_job();
	lo_census_t c;
	if (!CHECK_ST(lo_census_create(j, &c), LO_OK))
		return;
	lo_channel_t ch;
	lo_process_t child;
	if (CHECK_ST(spawn_in(j, "exit 3", &ch, &child), LO_OK)) {
		uint64_t pid = utest_object_id(lo_process_handle(child));
		struct lo_process_info info;
		CHECK(utest_wait_process(child, &info));
		struct lo_census_event ev[4];
		uint32_t n = 0, d = 0;
		CHECK_ST(lo_census_read(c, ev, 4, &n, &d), LO_OK);
		CHECK(n == 2 && d == 0);
		CHECK(ev[0].kind == LO_CENSUS_STARTED && ev[0].pid == pid);
		CHECK(ev[1].kind == LO_CENSUS_EXITED && ev[1].pid == pid);
		CHECK(ev[1].reason == LO_EXIT_NORMAL && ev[1].code == 3);
		CHECK(!lo_strcmp(ev[1].name, "child"));
		lo_handle_close(lo_process_handle(child));
		lo_handle_close(lo_channel_handle(ch));
	}
	lo_handle_close(lo_census_handle(c));
	lo_handle_close(lo_job_handle(j));
}

/* A census sees its own tree only, and only started processes. */
static void test_only_its_tree_and_started(void)
{
	lo_job_t j = small_job();
	lo_census_t c;
	if (!CHECK_ST(lo_census_create(j, &c), LO_OK))
		return;
	uint64_t self = utest_object_id(lo_process_handle(lo_self));
	lo_process_t p;
	CHECK_ST(lo_census_process(c, self, &p), LO_ERR_NOT_FOUND);
	CHECK(listed(c, LO_CENSUS_PROCESSES, self, NULL) == 0);
	/* A process outside the tree comes and goes unseen. */
	lo_process_t outside;
	if (CHECK_ST(utest_spawn_child("exit 0", NULL, 0, &outside), LO_OK)) {
		struct lo_process_info info;
		CHECK(utest_wait_process(outside, &info));
		lo_handle_close(lo_process_handle(outside));
		struct lo_census_event ev;
		uint32_t got, d;
		CHECK_ST(lo_census_read(c, &ev, 1, &got, &d), LO_ERR_SHOULD_WAIT);
	}
	lo_process_t unstarted;
	if (CHECK_ST(lo_process_create(j, "idle", 4, &unstarted), LO_OK)) {
		uint64_t pid = utest_object_id(lo_process_handle(unstarted));
		CHECK(listed(c, LO_CENSUS_PROCESSES, pid, NULL) == 0);
		CHECK_ST(lo_census_process(c, pid, &p), LO_ERR_NOT_FOUND);
		lo_handle_close(lo_process_handle(unstarted));
	}
	/* A child job's processes are in the tree. */
	lo_job_t inner;
	if (CHECK_ST(lo_job_create_share(j, 50, &inner), LO_OK)) {
		lo_channel_t ch;
		lo_process_t child;
		if (CHECK_ST(spawn_in(inner, "hold", &ch, &child), LO_OK)) {
			uint64_t owner = 0;
			CHECK(listed(c, LO_CENSUS_PROCESSES, utest_object_id(lo_process_handle(child)), &owner) == 1);
			CHECK(owner == utest_object_id(lo_job_handle(inner)));
			lo_process_kill(child);
			struct lo_process_info info;
			CHECK(utest_wait_process(child, &info));
			lo_handle_close(lo_process_handle(child));
			lo_handle_close(lo_channel_handle(ch));
		}
		lo_handle_close(lo_job_handle(inner));
	}
	struct lo_census_entry e[4];
	uint32_t n;
	CHECK_ST(lo_census_list(c, 7, 0, e, 4, &n), LO_ERR_INVALID_ARGS);
	lo_handle_close(lo_census_handle(c));
	lo_handle_close(lo_job_handle(j));
}

/* Without CENSUS on the job, no census; with a census handle without READ,
 * nothing can be listed, reached or read. */
static void test_rights_denied(void)
{
	lo_job_t j = small_job();
	lo_job_t weak = lo_job_from(utest_dup(lo_job_handle(j), LO_DEFAULT_RIGHTS_JOB & ~LO_RIGHT_JOB_CENSUS));
	lo_census_t c;
	CHECK_ST(lo_census_create(weak, &c), LO_ERR_ACCESS_DENIED);
	if (CHECK_ST(lo_census_create(j, &c), LO_OK)) {
		lo_census_t blind = lo_census_from(utest_dup(lo_census_handle(c), LO_RIGHT_INSPECT | LO_RIGHT_WAIT));
		struct lo_census_entry e[4];
		struct lo_census_event ev[4];
		uint32_t n, d;
		lo_process_t p;
		CHECK_ST(lo_census_list(blind, LO_CENSUS_PROCESSES, 0, e, 4, &n), LO_ERR_ACCESS_DENIED);
		CHECK_ST(lo_census_read(blind, ev, 4, &n, &d), LO_ERR_ACCESS_DENIED);
		CHECK_ST(lo_census_process(blind, 1, &p), LO_ERR_ACCESS_DENIED);
		lo_handle_close(lo_census_handle(blind));
		lo_handle_close(lo_census_handle(c));
	}
	lo_handle_close(lo_job_handle(weak));
	lo_handle_close(lo_job_handle(j));
}

/* More events than the queue holds: the kernel drops and counts, never
 * waits; the reader gets exactly the queue's worth and the count. */
static void test_full_queue_drops_and_counts(void)
{
	enum { CHILDREN = 40 };   /* 80 events for a queue of 64 */
	lo_job_t j = small_job();
	lo_census_t c;
	if (!CHECK_ST(lo_census_create(j, &c), LO_OK))
		return;
	uint32_t started = 0;
	for (uint32_t i = 0; i < CHILDREN; i++) {
		lo_channel_t ch;
		lo_process_t child;
		if (!CHECK_ST(spawn_in(j, "exit 0", &ch, &child), LO_OK))
			break;
		struct lo_process_info info;
		CHECK(utest_wait_process(child, &info));
		lo_handle_close(lo_process_handle(child));
		lo_handle_close(lo_channel_handle(ch));
		started++;
	}
	uint32_t total = 0, dropped = 0;
	for (;;) {
		struct lo_census_event ev[16];
		uint32_t n = 0, d = 0;
		status_t st = lo_census_read(c, ev, 16, &n, &d);
		if (st == LO_ERR_SHOULD_WAIT)
			break;
		if (!CHECK_ST(st, LO_OK))
			break;
		total += n;
		dropped += d;
	}
	CHECK(total == LO_CENSUS_QUEUE_MAX);
	CHECK(dropped == 2 * started - LO_CENSUS_QUEUE_MAX);
	uint32_t observed = 0;
	CHECK_ST(lo_handle_wait_one(lo_census_handle(c), LO_SIG_CENSUS_READABLE, 0, &observed),
		 LO_ERR_TIMED_OUT);
	lo_handle_close(lo_census_handle(c));
	lo_handle_close(lo_job_handle(j));
}

static const struct utest census_tests[] = {
	{ "user.census.spawn_listed_then_gone", test_spawn_listed_then_gone },
	{ "user.census.short_lived_both_events", test_short_lived_both_events },
	{ "user.census.only_its_tree_and_started", test_only_its_tree_and_started },
	{ "user.census.rights_denied", test_rights_denied },
	{ "user.census.full_queue_drops_and_counts", test_full_queue_drops_and_counts },
	{ 0, 0 },
};

UTEST_SUITE(census_tests);
