/* Killing a process needs DESTROY on its handle, whoever holds it: a child
 * given a process handle without DESTROY gets ACCESS_DENIED and the process
 * goes on; with DESTROY it ends. This is what keeps the system processes
 * (docs/rights-policy.md, "Protected processes") alive. */
#include "utest.h"

/* A child in kill-given mode tries to kill `victim` through a copy of our
 * handle with `rights`; returns the status it saw. */
static status_t kill_through_child(lo_process_t victim, uint32_t rights)
{
	lo_channel_t mine, theirs;
	lo_process_t killer;
	status_t seen = LO_ERR_INTERNAL;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &mine, &theirs), LO_OK))
		return seen;
	struct lo_give give = { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) };
	if (!CHECK_ST(utest_spawn_child("kill-given", &give, 1, &killer), LO_OK)) {
		lo_handle_close(lo_channel_handle(mine));
		return seen;
	}
	lo_handle_t copy = utest_dup(lo_process_handle(victim), rights);
	CHECK_ST(lo_channel_write(mine, "kill", 4, &copy, 1), LO_OK);
	uint32_t observed;
	struct lo_channel_read_result got;
	if (CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
					lo_deadline_after_ms(5000), &observed), LO_OK))
		CHECK_ST(lo_channel_read(mine, &seen, sizeof(seen), NULL, 0, &got), LO_OK);
	struct lo_process_info info;
	CHECK(utest_wait_process(killer, &info));
	lo_handle_close(lo_process_handle(killer));
	lo_handle_close(lo_channel_handle(mine));
	return seen;
}

static void test_kill_needs_destroy(void)
{
	lo_channel_t ch;
	lo_process_t victim;
	if (!utest_spawn_holding(&ch, &victim))
		return;
	uint32_t no_destroy = LO_RIGHT_INSPECT | LO_RIGHT_WAIT | LO_RIGHT_TRANSFER | LO_RIGHT_DUPLICATE;
	CHECK_ST(kill_through_child(victim, no_destroy), LO_ERR_ACCESS_DENIED);
	struct lo_process_info info;
	CHECK_ST(lo_process_info(victim, &info), LO_OK);
	CHECK(info.state == LO_PROCESS_RUNNING);
	CHECK_ST(kill_through_child(victim, no_destroy | LO_RIGHT_DESTROY), LO_OK);
	CHECK(utest_wait_process(victim, &info));
	CHECK(info.exit_reason == LO_EXIT_KILLED);
	lo_handle_close(lo_process_handle(victim));
	lo_handle_close(lo_channel_handle(ch));
}

static const struct utest protected_tests[] = {
	{ "user.kill_needs_destroy_in_child", test_kill_needs_destroy },
	{ 0, 0 },
};

UTEST_SUITE(protected_tests);
