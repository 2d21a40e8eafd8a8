/* User-level exception handling (docs/exceptions.md): a process's
 * exception channel, the handler's answers, and what happens when nobody
 * answers. The faulting side is tests/guest/user/child.c in an exc-* mode:
 * it faults only after a message on its startup channel, so the handler is
 * bound first. */
#include "utest.h"
#include "exception_msg.h"

#define VEC_INVALID_OP 6
#define VEC_PAGE_FAULT 14

/* Start child `mode`, waiting for our go; *go is our end of its channel. */
static int spawn_waiting(const char *mode, lo_channel_t *go, lo_process_t *child)
{
	lo_channel_t theirs;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), go, &theirs), LO_OK))
		return 0;
	struct lo_give give = { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) };
	return CHECK_ST(utest_spawn_child(mode, &give, 1, child), LO_OK);
}

/* Start child `mode` with its exception channel bound to *exc, and let it run. */
static int start_faulting(const char *mode, lo_channel_t *go, lo_process_t *child,
			  lo_channel_t *exc)
{
	if (!spawn_waiting(mode, go, child))
		return 0;
	if (!CHECK_ST(lo_process_exception_channel(*child, exc), LO_OK))
		return 0;
	return send_go(*go);
}

/* The next exception message (within 5 s), its handles checked against
 * the report. */
static int read_checked(lo_channel_t exc, struct exc_msg *m)
{
	if (!read_exception(exc, m))
		return 0;
	struct lo_object_info info;
	CHECK(lo_handle_info(lo_exception_handle(m->exception), &info) == LO_OK &&
	      info.type == LO_TYPE_EXCEPTION);
	CHECK(utest_object_id(lo_thread_handle(m->thread)) == m->report.thread_id);
	CHECK(utest_object_id(lo_process_handle(m->process)) == m->report.process_id);
	return 1;
}

static void close_all(lo_channel_t go, lo_channel_t exc, lo_process_t child)
{
	lo_handle_close(lo_channel_handle(go));
	lo_handle_close(lo_channel_handle(exc));
	lo_handle_close(lo_process_handle(child));
}

/* The child ended (within 5 s) with this reason and code. */
static void check_end(lo_process_t child, uint32_t reason, int64_t code)
{
	struct lo_process_info info;
	if (!CHECK(utest_wait_process(child, &info)))
		return;
	CHECK(info.exit_reason == reason);
	if (reason != LO_EXIT_FAULT)
		CHECK(info.exit_code == code);
}

static void check_fault_end(lo_process_t child, uint64_t vector, uint64_t addr)
{
	struct lo_process_info info;
	if (!CHECK(utest_wait_process(child, &info)))
		return;
	CHECK(info.exit_reason == LO_EXIT_FAULT);
	CHECK(info.fault_vector == vector);
	CHECK(info.fault_address == addr);
}

/* The handler maps a page where the child touched, and resumes it. */
static void test_map_and_resume(void)
{
	lo_channel_t go, exc;
	lo_process_t child;
	struct exc_msg m;
	if (!start_faulting("exc-touch", &go, &child, &exc) || !read_checked(exc, &m))
		return;
	CHECK(m.report.vector == VEC_PAGE_FAULT);
	CHECK(m.report.address == EXC_TOUCH_ADDR);
	CHECK(m.report.error & 2);   /* a write */
	CHECK(m.report.regs.rip != 0 && m.report.regs.rsp != 0);
	lo_vmo_t page;
	uint64_t at = 0;
	struct lo_map_request req = { EXC_TOUCH_ADDR, 0, 4096, LO_MAP_WRITE, 0 };
	CHECK_ST(lo_vmo_create(lo_job_self(), 4096, &page), LO_OK);
	CHECK_ST(lo_process_map(m.process, page, &req, &at), LO_OK);
	CHECK(at == EXC_TOUCH_ADDR);
	lo_handle_close(lo_vmo_handle(page));
	CHECK_ST(lo_exception_resume(m.exception), LO_OK);
	CHECK_ST(lo_exception_resume(m.exception), LO_ERR_BAD_STATE);   /* one answer */
	close_msg(&m);
	check_end(child, LO_EXIT_NORMAL, 0);
	close_all(go, exc, child);
}

/* The handler changes registers: skips the ud2 and sets rax. */
static void test_set_regs_and_resume(void)
{
	lo_channel_t go, exc;
	lo_process_t child;
	struct exc_msg m;
	if (!start_faulting("exc-ud2", &go, &child, &exc) || !read_checked(exc, &m))
		return;
	CHECK(m.report.vector == VEC_INVALID_OP);
	CHECK(m.report.address == 0);
	struct lo_exception_regs r = m.report.regs;
	CHECK(r.rax == 0);
	r.rip += 2;   /* ud2 is two bytes */
	r.rax = 42;
	CHECK_ST(lo_exception_set_regs(m.exception, &r), LO_OK);
	CHECK_ST(lo_exception_resume(m.exception), LO_OK);
	CHECK_ST(lo_exception_set_regs(m.exception, &r), LO_ERR_BAD_STATE);
	close_msg(&m);
	check_end(child, LO_EXIT_NORMAL, 42);
	close_all(go, exc, child);
}

/* A rip or rsp outside the user half is refused and never applied: the
 * thread resumes where it was, faults again, and is killed. */
static void test_noncanonical_refused(void)
{
	lo_channel_t go, exc;
	lo_process_t child;
	struct exc_msg m;
	if (!start_faulting("exc-ud2", &go, &child, &exc) || !read_checked(exc, &m))
		return;
	struct lo_exception_regs r = m.report.regs;
	uint64_t rip = r.rip;
	r.rip = 0x0000800000000000ull;   /* the first non-canonical address */
	CHECK_ST(lo_exception_set_regs(m.exception, &r), LO_ERR_INVALID_ARGS);
	r.rip = 0xffffffff80000000ull;   /* canonical, but the kernel's */
	CHECK_ST(lo_exception_set_regs(m.exception, &r), LO_ERR_INVALID_ARGS);
	r.rip = rip;
	r.rsp = 0xffff800000000000ull;
	CHECK_ST(lo_exception_set_regs(m.exception, &r), LO_ERR_INVALID_ARGS);
	CHECK_ST(lo_exception_resume(m.exception), LO_OK);
	close_msg(&m);
	if (!read_checked(exc, &m))
		return;
	CHECK(m.report.vector == VEC_INVALID_OP);
	CHECK(m.report.regs.rip == rip);
	CHECK_ST(lo_exception_kill(m.exception), LO_OK);
	close_msg(&m);
	check_fault_end(child, VEC_INVALID_OP, 0);
	close_all(go, exc, child);
}

/* The handler kills: the process ends with the fault recorded. */
static void test_handler_kills(void)
{
	lo_channel_t go, exc;
	lo_process_t child;
	struct exc_msg m;
	if (!start_faulting("exc-fault", &go, &child, &exc) || !read_checked(exc, &m))
		return;
	CHECK(m.report.vector == VEC_PAGE_FAULT && m.report.address == 0);
	CHECK_ST(lo_exception_kill(m.exception), LO_OK);
	CHECK_ST(lo_exception_resume(m.exception), LO_ERR_BAD_STATE);
	check_fault_end(child, VEC_PAGE_FAULT, 0);
	close_msg(&m);
	close_all(go, exc, child);
}

/* The handler is another process that reads the exception and exits
 * without answering: the kernel's default ends the child (no hang). */
static void test_handler_exits(void)
{
	lo_channel_t go, exc;
	lo_process_t child, handler;
	if (!spawn_waiting("exc-fault", &go, &child))
		return;
	if (!CHECK_ST(lo_process_exception_channel(child, &exc), LO_OK))
		return;
	struct lo_give give = { LO_STARTUP_CHANNEL, lo_channel_handle(exc) };
	if (!CHECK_ST(utest_spawn_child("exc-read-exit", &give, 1, &handler), LO_OK))
		return;
	send_go(go);
	check_end(handler, LO_EXIT_NORMAL, 0);
	check_fault_end(child, VEC_PAGE_FAULT, 0);
	lo_handle_close(lo_channel_handle(go));
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_process_handle(handler));
}

/* Closing the exception unanswered, or the channel before the fault,
 * passes the fault on to the default. */
static void test_closed_unanswered(void)
{
	lo_channel_t go, exc;
	lo_process_t child;
	struct exc_msg m;
	if (!start_faulting("exc-fault", &go, &child, &exc) || !read_checked(exc, &m))
		return;
	lo_handle_close(lo_exception_handle(m.exception));
	check_fault_end(child, VEC_PAGE_FAULT, 0);
	lo_handle_close(lo_thread_handle(m.thread));
	lo_handle_close(lo_process_handle(m.process));
	close_all(go, exc, child);

	if (!spawn_waiting("exc-fault", &go, &child))
		return;
	CHECK_ST(lo_process_exception_channel(child, &exc), LO_OK);
	lo_handle_close(lo_channel_handle(exc));
	send_go(go);
	check_fault_end(child, VEC_PAGE_FAULT, 0);
	lo_handle_close(lo_channel_handle(go));
	lo_handle_close(lo_process_handle(child));
}

/* Binding needs EXCEPTIONS; one handler at a time, until its end closes. */
static void test_bind_rules(void)
{
	lo_process_t p;
	lo_channel_t first, second;
	if (!CHECK_ST(lo_process_create(lo_job_self(), "exc-bind", 8, &p), LO_OK))
		return;
	lo_process_t weak = lo_process_from(utest_dup(lo_process_handle(p),
		LO_DEFAULT_RIGHTS_PROCESS & ~LO_RIGHT_PROCESS_EXCEPTIONS));
	CHECK_ST(lo_process_exception_channel(weak, &first), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_process_exception_channel(p, &first), LO_OK);
	CHECK_ST(lo_process_exception_channel(p, &second), LO_ERR_ALREADY_EXISTS);
	/* The handler's end reads only: nothing can be written to the kernel's. */
	CHECK_ST(lo_channel_write(first, "x", 1, NULL, 0), LO_ERR_ACCESS_DENIED);
	lo_handle_close(lo_channel_handle(first));
	CHECK_ST(lo_process_exception_channel(p, &second), LO_OK);
	/* The process ends: the handler sees PEER_CLOSED. */
	CHECK_ST(lo_process_kill(p), LO_OK);
	uint32_t observed = 0;
	CHECK_ST(lo_handle_wait_one(lo_channel_handle(second), LO_SIG_CHANNEL_PEER_CLOSED,
				    lo_deadline_after_ms(5000), &observed), LO_OK);
	CHECK_ST(lo_process_exception_channel(p, &first), LO_ERR_BAD_STATE);
	lo_handle_close(lo_channel_handle(second));
	lo_handle_close(lo_process_handle(weak));
	lo_handle_close(lo_process_handle(p));
}

/* The handles in the message carry at most the binder's rights. */
static void test_rights_bounded(void)
{
	lo_channel_t go, exc;
	lo_process_t child;
	struct exc_msg m;
	if (!spawn_waiting("exc-fault", &go, &child))
		return;
	uint32_t binder = LO_RIGHT_PROCESS_EXCEPTIONS | LO_RIGHT_INSPECT | LO_RIGHT_WAIT;
	lo_process_t weak = lo_process_from(utest_dup(lo_process_handle(child), binder));
	if (!CHECK_ST(lo_process_exception_channel(weak, &exc), LO_OK) || !send_go(go) ||
	    !read_checked(exc, &m))
		return;
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(lo_process_handle(m.process), &info), LO_OK);
	CHECK(info.rights == binder);
	CHECK_ST(lo_handle_info(lo_thread_handle(m.thread), &info), LO_OK);
	CHECK(info.rights == (LO_RIGHT_INSPECT | LO_RIGHT_WAIT));
	CHECK_ST(lo_handle_info(lo_exception_handle(m.exception), &info), LO_OK);
	CHECK(info.rights == LO_DEFAULT_RIGHTS_EXCEPTION);
	lo_vmo_t page;
	uint64_t at = 0;
	struct lo_map_request req = { 0, 0, 4096, LO_MAP_WRITE, 0 };
	CHECK_ST(lo_vmo_create(lo_job_self(), 4096, &page), LO_OK);
	CHECK_ST(lo_process_map(m.process, page, &req, &at), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_thread_kill(m.thread), LO_ERR_ACCESS_DENIED);
	lo_handle_close(lo_vmo_handle(page));
	CHECK_ST(lo_exception_kill(m.exception), LO_OK);
	close_msg(&m);
	check_fault_end(child, VEC_PAGE_FAULT, 0);
	lo_handle_close(lo_process_handle(weak));
	close_all(go, exc, child);
}

/* The process is killed while its thread is stopped: it dies cleanly, and
 * a late answer is BAD_STATE. */
static void test_killed_while_stopped(void)
{
	lo_channel_t go, exc;
	lo_process_t child;
	struct exc_msg m;
	if (!start_faulting("exc-fault", &go, &child, &exc) || !read_checked(exc, &m))
		return;
	/* Blocked: stopped in the exception. The report is sent just before
	 * the thread blocks, so on another CPU it may still be on its way
	 * into the wait: give it up to a second. */
	struct lo_thread_info ti;
	lo_event_t tick;
	CHECK_ST(lo_event_create(lo_job_self(), &tick), LO_OK);
	for (int i = 0; i < 1000; i++) {
		CHECK_ST(lo_thread_info(m.thread, &ti), LO_OK);
		if (ti.state == LO_THREAD_BLOCKED)
			break;
		uint32_t observed;
		lo_handle_wait_one(lo_event_handle(tick), LO_SIG_EVENT_SIGNALED,
				   lo_deadline_after_ms(1), &observed);
	}
	lo_handle_close(lo_event_handle(tick));
	CHECK(ti.state == LO_THREAD_BLOCKED);
	CHECK_ST(lo_process_kill(child), LO_OK);
	check_end(child, LO_EXIT_KILLED, -1);
	CHECK_ST(lo_exception_resume(m.exception), LO_ERR_BAD_STATE);
	close_msg(&m);
	close_all(go, exc, child);
}

/* For the generated negative-rights tests (test_negative.c): a pending
 * exception of a child, and its end. */
int utest_exception_fixture(lo_exception_t *out, lo_process_t *child)
{
	lo_channel_t go, exc;
	struct exc_msg m;
	if (!start_faulting("exc-fault", &go, child, &exc) || !read_checked(exc, &m))
		return 0;
	*out = m.exception;
	lo_handle_close(lo_thread_handle(m.thread));
	lo_handle_close(lo_process_handle(m.process));
	lo_handle_close(lo_channel_handle(go));
	lo_handle_close(lo_channel_handle(exc));
	return 1;
}

void utest_exception_fixture_end(lo_exception_t e, lo_process_t child)
{
	CHECK_ST(lo_exception_kill(e), LO_OK);
	lo_handle_close(lo_exception_handle(e));
	check_fault_end(child, VEC_PAGE_FAULT, 0);
	lo_handle_close(lo_process_handle(child));
}

static const struct utest exception_tests[] = {
	{ "user.exception_map_and_resume", test_map_and_resume },
	{ "user.exception_set_regs_and_resume", test_set_regs_and_resume },
	{ "user.exception_noncanonical_refused", test_noncanonical_refused },
	{ "user.exception_handler_kills", test_handler_kills },
	{ "user.exception_handler_exits", test_handler_exits },
	{ "user.exception_closed_unanswered", test_closed_unanswered },
	{ "user.exception_bind_rules", test_bind_rules },
	{ "user.exception_killed_while_stopped", test_killed_while_stopped },
	{ "user.exception_rights_bounded", test_rights_bounded },
	{ 0, 0 },
};
UTEST_SUITE(exception_tests);
