/* The rights policy at work: spawn refuses what a program is not granted
 * and trims what it is; the kernel logs every denial. */
#include "lightos/startup.h"
#include "utest.h"

static void test_spawn_refuses_ungranted(void)
{
	/* child's policy grants no resource: giving it one fails the spawn. */
	lo_handle_t res = utest_dup(lo_resource_handle(utest_root), LO_DEFAULT_RIGHTS_RESOURCE);
	struct lo_give give = { LO_STARTUP_ROOT_RESOURCE, res };
	lo_process_t child;
	const char *why = NULL;
	CHECK_ST(lo_spawn_from_image(utest_image, "bin/child", "exit 0", &give, 1, &child, &why),
		 LO_ERR_ACCESS_DENIED);
	CHECK(why != NULL);
	/* The refused handle was closed, not leaked (the runner checks counts). */
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(res, &info), LO_ERR_BAD_HANDLE);
}

static void test_child_holds_exactly_its_grants(void)
{
	/* The child reports each handle it holds: type and rights. */
	lo_channel_t mine, theirs;
	CHECK_ST(lo_channel_create(lo_job_self(), &mine, &theirs), LO_OK);
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	struct lo_give give[2] = {
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
		{ LO_STARTUP_USER, utest_dup(lo_event_handle(e), LO_DEFAULT_RIGHTS_EVENT) },
	};
	lo_process_t child;
	if (!CHECK_ST(utest_spawn_child("handles", give, 2, &child), LO_OK))
		return;
	uint32_t observed;
	CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
				    lo_deadline_after_ms(5000), &observed), LO_OK);
	struct lo_handle_entry entries[16];
	struct lo_channel_read_result got;
	CHECK_ST(lo_channel_read(mine, entries, sizeof(entries), NULL, 0, &got), LO_OK);
	uint32_t n = got.bytes / sizeof(entries[0]);
	/* As init/system.policy says for child: log WRITE|INSPECT; the channel
	 * and the event (user 0) with exactly their grants; its own process
	 * and thread. Nothing else. */
	const uint32_t want_log = LO_RIGHT_WRITE | LO_RIGHT_INSPECT;
	const uint32_t want_channel = LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_WAIT | LO_RIGHT_INSPECT |
				      LO_RIGHT_TRANSFER | LO_RIGHT_DUPLICATE | LO_RIGHT_SIGNAL;
	const uint32_t want_event = LO_RIGHT_SIGNAL | LO_RIGHT_WAIT | LO_RIGHT_INSPECT |
				    LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER;
	const uint32_t want_job = LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER | LO_RIGHT_INSPECT |
				  LO_RIGHT_JOB_CREATE_PROCESS | LO_RIGHT_JOB_CREATE_VMO |
				  LO_RIGHT_JOB_CREATE_CHANNEL | LO_RIGHT_JOB_CREATE_EVENT |
				  LO_RIGHT_JOB_CREATE_PORT | LO_RIGHT_JOB_CREATE_TIMER |
				  LO_RIGHT_JOB_CREATE_SYSVAR | LO_RIGHT_JOB_CREATE_JOB;
	const uint32_t want_clock = LO_RIGHT_READ | LO_RIGHT_INSPECT;
	int logs = 0, channels = 0, events = 0, selves = 0, jobs = 0, clocks = 0;
	for (uint32_t i = 0; i < n; i++) {
		switch (entries[i].type) {
		case LO_TYPE_LOG: logs++; CHECK(entries[i].rights == want_log); break;
		case LO_TYPE_CHANNEL: channels++; CHECK(entries[i].rights == want_channel); break;
		case LO_TYPE_EVENT: events++; CHECK(entries[i].rights == want_event); break;
		case LO_TYPE_JOB: jobs++; CHECK(entries[i].rights == want_job); break;
		case LO_TYPE_CLOCK: clocks++; CHECK(entries[i].rights == want_clock); break;
		case LO_TYPE_PROCESS: case LO_TYPE_THREAD: selves++; break;
		default: CHECK(!"a handle the policy does not grant");
		}
	}
	CHECK(logs == 1 && channels == 1 && events == 1 && selves == 2 && jobs == 1 && clocks == 1 &&
	      n == 7);
	struct lo_process_info info;
	CHECK(utest_wait_process(child, &info));
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_channel_handle(mine));
	lo_handle_close(lo_event_handle(e));
}

static void test_denial_log(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t weak = utest_dup(lo_event_handle(e), LO_RIGHT_WAIT);
	CHECK_ST(lo_handle_signal(weak, 0, LO_SIG_EVENT_SIGNALED), LO_ERR_ACCESS_DENIED);
	struct lo_denial d[32];
	uint32_t actual = 0;
	uint64_t next = 0;
	CHECK(utest_find_denial(LO_SYS_HANDLE_SIGNAL, weak.value, &d[0]) &&
	      d[0].required == LO_RIGHT_SIGNAL && d[0].held == LO_RIGHT_WAIT);
	/* Only through the root resource, and only with INSPECT. */
	lo_resource_t ports;
	CHECK_ST(lo_resource_carve(utest_root, LO_RESOURCE_IOPORT, 0x3f8, 8, &ports), LO_OK);
	CHECK_ST(lo_resource_denials(ports, d, 32, 0, &actual, &next), LO_ERR_ACCESS_DENIED);
	lo_handle_close(lo_resource_handle(ports));
	lo_handle_close(weak);
	lo_handle_close(lo_event_handle(e));
}

static const struct utest policy_tests[] = {
	{ "policy.spawn_refuses_ungranted", test_spawn_refuses_ungranted },
	{ "policy.child_holds_exactly_its_grants", test_child_holds_exactly_its_grants },
	{ "policy.denial_log_records_the_call", test_denial_log },
	{ 0, 0 },
};
UTEST_SUITE(policy_tests);
