/* Processes: spawning (user-space loader), exit status, faults that kill
 * only their process, kill, and the release of everything on exit. */
#include "lightos/startup.h"
#include "utest.h"

static void test_child_exit_code(void)
{
	lo_process_t child;
	if (!CHECK_ST(utest_spawn_child("exit 42", NULL, 0, &child), LO_OK))
		return;
	struct lo_process_info info;
	CHECK(utest_wait_process(child, &info));
	CHECK(info.state == LO_PROCESS_ENDED && info.exit_reason == LO_EXIT_NORMAL && info.exit_code == 42);
	CHECK(info.thread_count == 0 && info.handle_count == 0);
	lo_handle_close(lo_process_handle(child));
}

static void check_fault(const char *mode, uint64_t vector)
{
	lo_process_t child;
	if (!CHECK_ST(utest_spawn_child(mode, NULL, 0, &child), LO_OK))
		return;
	struct lo_process_info info;
	CHECK(utest_wait_process(child, &info));
	CHECK(info.exit_reason == LO_EXIT_FAULT);   /* fault */
	CHECK(info.fault_vector == vector);
	lo_handle_close(lo_process_handle(child));
}

static void test_crash_page_fault(void)
{
	check_fault("crash", 14);
}

static void test_crash_divide(void)
{
	check_fault("divide", 0);
}

static void test_crash_invalid_opcode(void)
{
	check_fault("ud2", 6);
}

static void test_crash_privileged(void)
{
	check_fault("cli", 13);   /* general protection */
}

static void test_kill_blocked_child(void)
{
	/* The child says it is ready, then blocks forever. */
	lo_channel_t mine;
	lo_process_t child;
	if (!utest_spawn_holding(&mine, &child))
		return;
	uint32_t observed;
	lo_process_t weak = lo_process_from(utest_dup(lo_process_handle(child),
						       LO_RIGHT_INSPECT | LO_RIGHT_WAIT));
	CHECK_ST(lo_process_kill(weak), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_process_kill(child), LO_OK);
	struct lo_process_info info;
	CHECK(utest_wait_process(child, &info));
	CHECK(info.exit_reason == LO_EXIT_KILLED);
	/* Its end of the channel closed with it. */
	CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_PEER_CLOSED,
				    lo_deadline_after_ms(1000), &observed), LO_OK);
	lo_handle_close(lo_process_handle(weak));
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_channel_handle(mine));
}

static void test_exit_releases_handles(void)
{
	/* The child holds an event we gave it; when it exits, the handle goes. */
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t copy = utest_dup(lo_event_handle(e), LO_DEFAULT_RIGHTS_EVENT);
	struct lo_give give = { LO_STARTUP_USER, copy };
	struct lo_object_info info;
	lo_process_t child;
	if (!CHECK_ST(utest_spawn_child("exit 0", &give, 1, &child), LO_OK))
		return;
	struct lo_process_info pinfo;
	CHECK(utest_wait_process(child, &pinfo));
	CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
	CHECK(info.handle_count == 1 && info.refcount == 1);
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_event_handle(e));
}

static void test_malformed_elf(void)
{
	static const uint8_t junk[64] = { 0x7f, 'E', 'L', 'F', 2, 1 };
	lo_process_t p;
	const char *why = NULL;
	CHECK_ST(lo_spawn(junk, sizeof(junk), "junk", "", NULL, 0, &p, &why), LO_ERR_BAD_FORMAT);
	CHECK(why != NULL);
	CHECK_ST(lo_spawn(junk, 3, "junk", "", NULL, 0, &p, &why), LO_ERR_BAD_FORMAT);
}

static void test_process_create_start_errors(void)
{
	lo_process_t p;
	CHECK_ST(lo_process_create(lo_job_self(), "empty", 5, &p), LO_OK);
	lo_thread_t t;
	CHECK_ST(lo_thread_create(p, "t", 1, &t), LO_OK);
	/* A stack in the kernel half, an entry in the kernel half: refused. */
	CHECK_ST(lo_process_start(p, t, 0xffffffff80000000ull, 0x100000, NULL, 0),
		 LO_ERR_INVALID_ARGS);
	/* Someone else's thread cannot start this process. */
	lo_process_t q;
	lo_thread_t u;
	CHECK_ST(lo_process_create(lo_job_self(), "other", 5, &q), LO_OK);
	CHECK_ST(lo_thread_create(q, "u", 1, &u), LO_OK);
	CHECK_ST(lo_process_start(p, u, 0x400000, 0x100000, NULL, 0), LO_ERR_INVALID_ARGS);
	struct lo_thread_info ti;
	CHECK_ST(lo_thread_info(t, &ti), LO_OK);
	CHECK(ti.state == LO_THREAD_NEW);
	char name[40];
	lo_memset(name, 'n', sizeof(name));
	CHECK_ST(lo_process_create(lo_job_self(), name, sizeof(name), &q), LO_ERR_OUT_OF_RANGE);
	lo_handle_close(lo_thread_handle(u));
	lo_handle_close(lo_process_handle(q));
	lo_handle_close(lo_thread_handle(t));
	lo_handle_close(lo_process_handle(p));
}

static void test_list_handles(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	struct lo_handle_entry entries[8];
	uint32_t start = 0, actual = 0, next = 0;
	int found = 0, total = 0;
	do {
		CHECK_ST(lo_process_list_handles(lo_self, entries, 8, start, &actual, &next), LO_OK);
		for (uint32_t i = 0; i < actual; i++) {
			total++;
			if (entries[i].handle == e.value) {
				found = 1;
				CHECK(entries[i].type == LO_TYPE_EVENT);
				CHECK(entries[i].rights == LO_DEFAULT_RIGHTS_EVENT);
				CHECK(entries[i].object_id == utest_object_id(lo_event_handle(e)));
			}
		}
		start = next;
	} while (next);
	CHECK(found);
	CHECK(total >= 4);   /* self, thread, root, log, image, this event */
	lo_handle_close(lo_event_handle(e));
}

static const struct utest process_tests[] = {
	{ "user.process_exit_code", test_child_exit_code },
	{ "user.crash_page_fault_contained", test_crash_page_fault },
	{ "user.crash_divide_contained", test_crash_divide },
	{ "user.crash_invalid_opcode_contained", test_crash_invalid_opcode },
	{ "user.crash_privileged_instruction_contained", test_crash_privileged },
	{ "user.kill_blocked_child", test_kill_blocked_child },
	{ "user.exit_releases_handles", test_exit_releases_handles },
	{ "user.spawn_malformed_elf", test_malformed_elf },
	{ "user.process_start_errors", test_process_create_start_errors },
	{ "user.list_handles", test_list_handles },
	{ 0, 0 },
};
UTEST_SUITE(process_tests);
