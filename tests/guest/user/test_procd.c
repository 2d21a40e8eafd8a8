/* procd (init/programs/procd) serving proc: and thread: from a census of
 * its job's tree: a started process appears at once, an ended one is gone
 * at once, its threads are listed under thread:<pid>, protected programs
 * are named without DESTROY, nobody may edit the views, and without
 * CENSUS on its job procd has nothing to serve. */
#include "lightos/registry.h"
#include "lightos/spawn.h"
#include "lightos/protocols.h"
#include "utest.h"

struct procd {
	lo_job_t job;              /* the tree it sees (it runs in it) */
	lo_process_t process;
	lo_channel_t proc, thread, event; /* connections to its three registries */
};

/* Start bin/procd in a job of its own, given `job_rights` on it. */
static status_t start_procd(struct procd *d, uint32_t job_rights)
{
	lo_memset(d, 0, sizeof(*d));
	status_t st = lo_job_create_share(lo_job_self(), 20, &d->job);
	if (st != LO_OK)
		return st;
	lo_channel_t mine, theirs;
	if ((st = lo_channel_create(lo_job_self(), &mine, &theirs)) != LO_OK)
		return st;
	struct lo_give give[3] = {
		{ LO_STARTUP_JOB, utest_dup(lo_job_handle(d->job), job_rights) },
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
		{ LO_STARTUP_LOG, utest_dup(lo_log_handle(lo_log), LO_RIGHT_WRITE | LO_RIGHT_INSPECT |
					    LO_RIGHT_TRANSFER) },
	};
	const char *why = NULL;
	st = lo_spawn_from_image(utest_image, "bin/procd", "", give, 3, &d->process, &why);
	uint32_t observed = 0;
	if (st == LO_OK)
		st = lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE |
					LO_SIG_CHANNEL_PEER_CLOSED, lo_deadline_after_ms(5000), &observed);
	lo_handle_t h[3];
	struct lo_channel_read_result got = { 0, 0 };
	char msg[8];
	if (st == LO_OK)
		st = lo_channel_read(mine, msg, sizeof(msg), h, 3, &got);
	if (st == LO_OK && got.handles == 3) {
		d->proc = lo_channel_from(h[0]);
		d->thread = lo_channel_from(h[1]);
		d->event = lo_channel_from(h[2]);
	} else if (st == LO_OK) {
		st = LO_ERR_BAD_FORMAT;
	}
	lo_handle_close(lo_channel_handle(mine));
	return st == LO_ERR_SHOULD_WAIT ? LO_ERR_PEER_CLOSED : st;
}

static void stop_procd(struct procd *d)
{
	if (d->proc.value)
		lo_handle_close(lo_channel_handle(d->proc));
	if (d->thread.value)
		lo_handle_close(lo_channel_handle(d->thread));
	if (d->event.value)
		lo_handle_close(lo_channel_handle(d->event));
	lo_job_kill(d->job);
	struct lo_process_info info;
	if (d->process.value) {
		CHECK(utest_wait_process(d->process, &info));
		lo_handle_close(lo_process_handle(d->process));
	}
	lo_handle_close(lo_job_handle(d->job));
}

static void id_text(uint64_t id, char *buf)
{
	lo_snprintf(buf, 24, "%lu", id);
}

/* Entries of the registry at `path` through ch (0 too if it is not there:
 * list says NOT_FOUND past the last entry). */
static int count_entries(lo_channel_t ch, const char *path)
{
	for (uint32_t i = 0;; i++) {
		int32_t status;
		uint32_t kind, rights, len;
		char name[LO_REGISTRY_NAME_MAX + 1];
		status_t st = lo_registry_list(ch, path, (uint32_t)lo_strlen(path), i, &status, &kind, &rights,
					       name, LO_REGISTRY_NAME_MAX, &len);
		if (st != LO_OK || status == LO_ERR_NOT_FOUND)
			return (int)i;
		if (status != LO_OK)
			return -1;
	}
}

/* Start bin/child with `args` in procd's job (without CENSUS), with a
 * channel to it (*mine: our end). */
static status_t spawn_watched(struct procd *d, const char *args, lo_channel_t *mine, lo_process_t *child)
{
	lo_channel_t theirs;
	status_t st = lo_channel_create(lo_job_self(), mine, &theirs);
	if (st != LO_OK)
		return st;
	struct lo_give give[2] = {
		{ LO_STARTUP_JOB, utest_dup(lo_job_handle(d->job), LO_DEFAULT_RIGHTS_JOB & ~LO_RIGHT_JOB_CENSUS) },
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
	};
	return utest_spawn_child(args, give, 2, child);
}

/* A procd with its whole job, or a failed check (and nothing to stop). */
static int procd_up(struct procd *d)
{
	if (CHECK_ST(start_procd(d, LO_DEFAULT_RIGHTS_JOB), LO_OK))
		return 1;
	stop_procd(d);
	return 0;
}

static void test_spawn_appears_exit_gone(void)
{
	struct procd d;
	if (!procd_up(&d))
		return;
	lo_channel_t mine = { 0 };
	lo_process_t child;
	if (CHECK_ST(spawn_watched(&d, "hold", &mine, &child), LO_OK)) {
		char pid[24];
		id_text(utest_object_id(lo_process_handle(child)), pid);
		/* No waiting: procd reads the census before it answers. */
		lo_handle_t h;
		if (CHECK_ST(lo_resolve_path(d.proc, pid, LO_RIGHT_INSPECT | LO_RIGHT_DESTROY, &h), LO_OK)) {
			struct lo_object_info info;
			CHECK_ST(lo_handle_info(h, &info), LO_OK);
			CHECK(info.id == utest_object_id(lo_process_handle(child)));
			CHECK(info.rights & LO_RIGHT_DESTROY);
			CHECK(count_entries(d.thread, pid) == 1);
			/* Killed through its proc: entry: gone from both views. */
			CHECK_ST(lo_process_kill(lo_process_from(h)), LO_OK);
			lo_handle_close(h);
		}
		struct lo_process_info pinfo;
		CHECK(utest_wait_process(child, &pinfo));
		CHECK_ST(lo_resolve_path(d.proc, pid, LO_RIGHT_INSPECT, &h), LO_ERR_NOT_FOUND);
		CHECK_ST(lo_resolve_path(d.thread, pid, LO_DEFAULT_RIGHTS_CHANNEL, &h), LO_ERR_NOT_FOUND);
		lo_handle_close(lo_process_handle(child));
	}
	lo_handle_close(lo_channel_handle(mine));
	stop_procd(&d);
}

/* Threads have no census events: procd lists them before every answer,
 * so a thread started just before a request is there. */
static void test_new_thread_listed_at_once(void)
{
	struct procd d;
	if (!procd_up(&d))
		return;
	lo_channel_t mine = { 0 };
	lo_process_t child;
	if (CHECK_ST(spawn_watched(&d, "thread-on-cue", &mine, &child), LO_OK)) {
		char pid[24], buf[8];
		uint32_t observed;
		struct lo_channel_read_result got;
		id_text(utest_object_id(lo_process_handle(child)), pid);
		CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
					    lo_deadline_after_ms(5000), &observed), LO_OK);
		CHECK_ST(lo_channel_read(mine, buf, sizeof(buf), NULL, 0, &got), LO_OK);
		CHECK(count_entries(d.thread, pid) == 1);
		CHECK_ST(lo_channel_write(mine, "cue", 3, NULL, 0), LO_OK);
		CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
					    lo_deadline_after_ms(5000), &observed), LO_OK);
		CHECK(count_entries(d.thread, pid) == 2);
		lo_process_kill(child);
		struct lo_process_info info;
		CHECK(utest_wait_process(child, &info));
		lo_handle_close(lo_process_handle(child));
	}
	lo_handle_close(lo_channel_handle(mine));
	stop_procd(&d);
}

/* A program that ends at once still comes and goes, and procd itself
 * (protected in the policy) is named without DESTROY, as are its threads. */
static void test_protected_and_short_lived(void)
{
	struct procd d;
	if (!procd_up(&d))
		return;
	char pid[24];
	id_text(utest_object_id(lo_process_handle(d.process)), pid);
	lo_handle_t h;
	if (CHECK_ST(lo_resolve_path(d.proc, pid, LO_RIGHT_INSPECT | LO_RIGHT_DESTROY, &h), LO_OK)) {
		struct lo_object_info info;
		CHECK_ST(lo_handle_info(h, &info), LO_OK);
		CHECK(!(info.rights & LO_RIGHT_DESTROY));
		CHECK_ST(lo_process_kill(lo_process_from(h)), LO_ERR_ACCESS_DENIED);
		lo_handle_close(h);
	}
	CHECK(count_entries(d.thread, pid) == 1);
	lo_process_t child;
	lo_channel_t mine = { 0 };
	if (CHECK_ST(spawn_watched(&d, "exit 0", &mine, &child), LO_OK)) {
		struct lo_process_info info;
		CHECK(utest_wait_process(child, &info));
		char cpid[24];
		id_text(utest_object_id(lo_process_handle(child)), cpid);
		CHECK_ST(lo_resolve_path(d.proc, cpid, LO_RIGHT_INSPECT, &h), LO_ERR_NOT_FOUND);
		lo_handle_close(lo_process_handle(child));
	}
	if (mine.value)
		lo_handle_close(lo_channel_handle(mine));
	stop_procd(&d);
}

/* The views are procd's to change: no client may bind, unbind or link. */
static void test_views_read_only(void)
{
	struct procd d;
	if (!procd_up(&d))
		return;
	char pid[24];
	id_text(utest_object_id(lo_process_handle(d.process)), pid);
	int32_t status = 0;
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	CHECK_ST(lo_registry_bind(d.proc, "x", 1, LO_RIGHT_INSPECT, lo_event_handle(e), &status), LO_OK);
	CHECK_ST(status, LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_registry_unbind(d.proc, pid, (uint32_t)lo_strlen(pid), &status), LO_OK);
	CHECK_ST(status, LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_registry_link(d.thread, "l", 1, "proc:1", 6, &status), LO_OK);
	CHECK_ST(status, LO_ERR_ACCESS_DENIED);
	CHECK(count_entries(d.proc, "") == 1);
	stop_procd(&d);
}

/* event:proc: every start and end, with the name, to each subscriber;
 * nobody may publish there. */
static void test_event_proc(void)
{
	struct procd d;
	if (!procd_up(&d))
		return;
	lo_handle_t s;
	if (CHECK_ST(lo_resolve_path(d.event, "proc", LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_WAIT, &s), LO_OK)) {
		lo_channel_t session = lo_channel_from(s), mine, theirs;
		int32_t status = LO_OK;
		uint32_t delivered;
		CHECK_ST(lo_eventhook_publish(session, 1, 1, 0, "x", 1, &status, &delivered), LO_OK);
		CHECK_ST(status, LO_ERR_ACCESS_DENIED);
		CHECK_ST(lo_channel_create(lo_job_self(), &mine, &theirs), LO_OK);
		CHECK_ST(lo_eventhook_subscribe(session, lo_channel_handle(theirs), &status), LO_OK);
		CHECK_ST(status, LO_OK);
		lo_process_t child;
		lo_channel_t child_ch = { 0 };
		if (CHECK_ST(spawn_watched(&d, "exit 3", &child_ch, &child), LO_OK)) {
			uint64_t pid = utest_object_id(lo_process_handle(child));
			struct lo_process_info info;
			CHECK(utest_wait_process(child, &info));
			struct lo_hook_event ev[2];
			for (int i = 0; i < 2; i++) {
				uint32_t observed;
				struct lo_channel_read_result got;
				lo_memset(&ev[i], 0, sizeof(ev[i]));
				CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
							    lo_deadline_after_ms(5000), &observed), LO_OK);
				CHECK_ST(lo_channel_read(mine, &ev[i], sizeof(ev[i]), NULL, 0, &got), LO_OK);
			}
			CHECK(ev[0].kind == LO_HOOK_PROCESS_STARTED && ev[0].id == pid);
			CHECK(ev[1].kind == LO_HOOK_PROCESS_EXITED && ev[1].id == pid && ev[1].code == 3);
			CHECK(ev[1].reason == LO_EXIT_NORMAL && !lo_strcmp(ev[1].text, "child"));
			CHECK(ev[0].owner == utest_object_id(lo_job_handle(d.job)));
			lo_handle_close(lo_process_handle(child));
		}
		if (child_ch.value)
			lo_handle_close(lo_channel_handle(child_ch));
		lo_handle_close(lo_channel_handle(mine));
		lo_handle_close(s);
	}
	stop_procd(&d);
}

/* Given its job without CENSUS, procd cannot make its census: it ends
 * without handing out anything. */
static void test_no_census_without_right(void)
{
	struct procd d;
	CHECK_ST(start_procd(&d, LO_DEFAULT_RIGHTS_JOB & ~LO_RIGHT_JOB_CENSUS), LO_ERR_PEER_CLOSED);
	struct lo_process_info info;
	if (d.process.value && CHECK(utest_wait_process(d.process, &info)))
		CHECK(info.exit_reason == LO_EXIT_NORMAL && info.exit_code == 1);
	stop_procd(&d);
}

static const struct utest procd_tests[] = {
	{ "user.procd.spawn_appears_exit_gone", test_spawn_appears_exit_gone },
	{ "user.procd.new_thread_listed_at_once", test_new_thread_listed_at_once },
	{ "user.procd.protected_and_short_lived", test_protected_and_short_lived },
	{ "user.procd.views_read_only", test_views_read_only },
	{ "user.procd.event_proc", test_event_proc },
	{ "user.procd.no_census_without_right", test_no_census_without_right },
	{ 0, 0 },
};

UTEST_SUITE(procd_tests);
