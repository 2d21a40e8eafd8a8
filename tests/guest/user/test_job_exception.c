/* The exception chain through jobs (docs/exceptions.md, "The chain"): a
 * fault no process handler answers goes to the process's job's handler,
 * then to each parent job's, and only then to the kernel's default. The
 * faulting side is tests/guest/user/child.c in an exc-* mode, started in a
 * job of the test's own; it faults after a message on its startup channel. */
#include "lightos/startup.h"
#include "utest.h"
#include "exception_msg.h"

#define VEC_PAGE_FAULT 14

/* A job with `pages` pages and room for a few processes (half as many
 * objects and handles as the one before it, so a child fits in a parent). */
static lo_job_t new_job(lo_job_t parent, uint64_t pages)
{
	uint32_t n = (uint32_t)(pages / 64);
	struct lo_job_quota q = { pages, n, 16 * n, 64 * n, 0 };
	lo_job_t j = { 0 };
	CHECK_ST(lo_job_create(parent, &q, &j), LO_OK);
	return j;
}

/* Start child `mode` in `job`, waiting for our go on *go. */
static int spawn_in(lo_job_t job, const char *mode, lo_channel_t *go, lo_process_t *child)
{
	lo_channel_t theirs;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), go, &theirs), LO_OK))
		return 0;
	struct lo_give give[2] = {
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
		{ LO_STARTUP_JOB, utest_dup(lo_job_handle(job), LO_DEFAULT_RIGHTS_JOB) },
	};
	if (!CHECK_ST(utest_spawn_child(mode, give, 2, child), LO_OK)) {
		lo_handle_close(lo_channel_handle(*go));
		return 0;
	}
	return 1;
}

/* The child ended (within 5 s) as a fault at `addr`, or normally. */
static void check_end(lo_process_t child, uint32_t reason, uint64_t addr)
{
	struct lo_process_info info;
	if (!CHECK(utest_wait_process(child, &info)))
		return;
	CHECK(info.exit_reason == reason);
	if (reason == LO_EXIT_FAULT)
		CHECK(info.fault_vector == VEC_PAGE_FAULT && info.fault_address == addr);
	else
		CHECK(info.exit_code == 0);
}

/* Map a page where exc-touch touched, and resume it. */
static void map_and_resume(struct exc_msg *m)
{
	CHECK(m->report.vector == VEC_PAGE_FAULT && m->report.address == EXC_TOUCH_ADDR);
	lo_vmo_t page;
	uint64_t at = 0;
	struct lo_map_request req = { EXC_TOUCH_ADDR, 0, 4096, LO_MAP_WRITE, 0 };
	if (CHECK_ST(lo_vmo_create(lo_job_self(), 4096, &page), LO_OK)) {
		CHECK_ST(lo_process_map(m->process, page, &req, &at), LO_OK);
		lo_handle_close(lo_vmo_handle(page));
	}
	CHECK_ST(lo_exception_resume(m->exception), LO_OK);
}

/* A job's handler maps the page a process of the job faulted on and
 * resumes it; its handles carry no type-specific right. */
static void test_job_map_and_resume(void)
{
	lo_job_t job = new_job(lo_job_self(), 256);
	lo_channel_t exc, go;
	lo_process_t child;
	struct exc_msg m;
	if (!CHECK_ST(lo_job_exception_channel(job, &exc), LO_OK))
		return;
	if (spawn_in(job, "exc-touch", &go, &child)) {
		send_go(go);
		if (read_exception(exc, &m)) {
			CHECK(m.report.process_id == utest_object_id(lo_process_handle(child)));
			struct lo_object_info info;
			CHECK_ST(lo_handle_info(lo_process_handle(m.process), &info), LO_OK);
			CHECK((info.rights & LO_RIGHTS_TYPE_MASK) == 0);
			map_and_resume(&m);
			close_msg(&m);
		}
		check_end(child, LO_EXIT_NORMAL, 0);
		lo_handle_close(lo_channel_handle(go));
		lo_handle_close(lo_process_handle(child));
	}
	/* One handler per job, as per process. */
	lo_channel_t second;
	CHECK_ST(lo_job_exception_channel(job, &second), LO_ERR_ALREADY_EXISTS);
	lo_job_t weak = lo_job_from(utest_dup(lo_job_handle(job),
		LO_DEFAULT_RIGHTS_JOB & ~LO_RIGHT_JOB_EXCEPTIONS));
	CHECK_ST(lo_job_exception_channel(weak, &second), LO_ERR_ACCESS_DENIED);
	lo_handle_close(lo_job_handle(weak));
	/* A killed job's handler sees PEER_CLOSED; binding again is BAD_STATE. */
	CHECK_ST(lo_job_kill(job), LO_OK);
	uint32_t observed = 0;
	CHECK_ST(lo_handle_wait_one(lo_channel_handle(exc), LO_SIG_CHANNEL_PEER_CLOSED,
				    lo_deadline_after_ms(5000), &observed), LO_OK);
	CHECK_ST(lo_job_exception_channel(job, &second), LO_ERR_BAD_STATE);
	lo_handle_close(lo_channel_handle(exc));
	lo_handle_close(lo_job_handle(job));
}

/* The process's handler closes the exception unanswered: the job's
 * handler gets the same fault and resumes it. */
static void test_process_unanswered_then_job(void)
{
	lo_job_t job = new_job(lo_job_self(), 256);
	lo_channel_t jexc, pexc, go;
	lo_process_t child;
	struct exc_msg m;
	if (!CHECK_ST(lo_job_exception_channel(job, &jexc), LO_OK))
		return;
	if (spawn_in(job, "exc-touch", &go, &child)) {
		if (CHECK_ST(lo_process_exception_channel(child, &pexc), LO_OK)) {
			send_go(go);
			if (read_exception(pexc, &m)) {
				uint64_t rip = m.report.regs.rip;
				close_msg(&m);   /* unanswered */
				if (read_exception(jexc, &m)) {
					CHECK(m.report.regs.rip == rip);
					map_and_resume(&m);
					close_msg(&m);
				}
			}
			lo_handle_close(lo_channel_handle(pexc));
		}
		check_end(child, LO_EXIT_NORMAL, 0);
		lo_handle_close(lo_channel_handle(go));
		lo_handle_close(lo_process_handle(child));
	}
	lo_handle_close(lo_channel_handle(jexc));
	lo_handle_close(lo_job_handle(job));
}

/* A child job's handler is a process that reads the exception and exits
 * unanswered: the parent job's handler gets the fault (and kills it); with
 * no parent handler, the kernel's default ends the process. No hang. */
static void test_job_handler_exits(void)
{
	for (int with_parent = 1; with_parent >= 0; with_parent--) {
		lo_job_t parent = new_job(lo_job_self(), 512);
		lo_job_t inner = new_job(parent, 256);
		lo_channel_t pexc = { 0 }, iexc, go;
		lo_process_t child, handler;
		struct exc_msg m;
		if (with_parent && !CHECK_ST(lo_job_exception_channel(parent, &pexc), LO_OK))
			return;
		if (!CHECK_ST(lo_job_exception_channel(inner, &iexc), LO_OK))
			return;
		struct lo_give give = { LO_STARTUP_CHANNEL, lo_channel_handle(iexc) };
		if (!CHECK_ST(utest_spawn_child("exc-read-exit", &give, 1, &handler), LO_OK))
			return;
		if (spawn_in(inner, "exc-fault", &go, &child)) {
			send_go(go);
			check_end(handler, LO_EXIT_NORMAL, 0);
			if (with_parent && read_exception(pexc, &m)) {
				CHECK(m.report.vector == VEC_PAGE_FAULT && m.report.address == 0);
				CHECK_ST(lo_exception_kill(m.exception), LO_OK);
				close_msg(&m);
			}
			check_end(child, LO_EXIT_FAULT, 0);
			lo_handle_close(lo_channel_handle(go));
			lo_handle_close(lo_process_handle(child));
		}
		lo_handle_close(lo_process_handle(handler));
		if (with_parent)
			lo_handle_close(lo_channel_handle(pexc));
		lo_handle_close(lo_job_handle(inner));
		lo_handle_close(lo_job_handle(parent));
	}
}

static const struct utest job_exception_tests[] = {
	{ "user.job_exception_map_and_resume", test_job_map_and_resume },
	{ "user.job_exception_after_process_unanswered", test_process_unanswered_then_job },
	{ "user.job_exception_handler_exits", test_job_handler_exits },
	{ 0, 0 },
};

UTEST_SUITE(job_exception_tests);
