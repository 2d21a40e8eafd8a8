/* The generated negative-rights tests (build/gen/tests/negative_rights.c):
 * every call, every handle parameter, each missing right, a wrong type, a
 * closed handle. This file gives them fixtures and reports their results. */
#include "lightos/startup.h"
#include "utest.h"

int negative_rights_run(void);
int negative_rights_count(void);

static lo_interrupt_t fixture_interrupt;
static lo_exception_t fixture_exception;   /* test_exception.c */
int utest_exception_fixture(lo_exception_t *out, lo_process_t *child);
void utest_exception_fixture_end(lo_exception_t e, lo_process_t child);
static int reported, failures;

void negtest_report(const char *name, int ok, status_t got, status_t want)
{
	reported++;
	if (!ok) {
		failures++;
		lo_printf("  %s gave %s, expected %s\n", name, lo_status_name(got), lo_status_name(want));
	}
	utest_report(name, ok);
}

/* A new handle of a `test_fixture external` type (the IDL says which)
 * with exactly that type's default rights; the generated tests make the
 * others from each type's create call. */
lo_handle_t negtest_external_fixture(uint32_t type)
{
	switch (type) {
	case LO_TYPE_RESOURCE:
		return utest_dup(lo_resource_handle(utest_root), LO_DEFAULT_RIGHTS_RESOURCE);
	case LO_TYPE_INTERRUPT:
		return utest_dup(lo_interrupt_handle(fixture_interrupt), LO_DEFAULT_RIGHTS_INTERRUPT);
	case LO_TYPE_LOG:
		return utest_dup(lo_log_handle(lo_log), LO_DEFAULT_RIGHTS_LOG);
	case LO_TYPE_CLOCK:
		return utest_dup(lo_clock_handle(lo_clock), LO_DEFAULT_RIGHTS_CLOCK);
	case LO_TYPE_JOB: {
		/* A small child job (the creation fixtures are made in it):
		 * DESTROY on it kills nothing of ours. */
		struct lo_job_quota q = { 256, 2, 16, 16, 0 };
		lo_job_t j;
		if (lo_job_create(lo_job_self(), &q, &j) != LO_OK)
			return LO_HANDLE_INVALID;
		lo_handle_t h = utest_dup(lo_job_handle(j), LO_DEFAULT_RIGHTS_JOB);
		lo_handle_close(lo_job_handle(j));
		return h;
	}
	case LO_TYPE_EXCEPTION:
		return utest_dup(lo_exception_handle(fixture_exception), LO_DEFAULT_RIGHTS_EXCEPTION);
	default:
		return LO_HANDLE_INVALID;
	}
}

static void test_negative_rights(void)
{
	/* IRQ 5 is free on the QEMU PC: a fixture interrupt for the tests,
	 * bound through an IRQ resource carved for it (the root itself binds
	 * nothing directly). */
	lo_resource_t irq;
	CHECK_ST(lo_interrupt_create(utest_root, 5, &fixture_interrupt), LO_ERR_ACCESS_DENIED);
	if (!CHECK_ST(lo_resource_carve(utest_root, LO_RESOURCE_IRQ, 5, 1, &irq), LO_OK))
		return;
	if (!CHECK_ST(lo_interrupt_create(irq, 5, &fixture_interrupt), LO_OK))
		return;
	lo_interrupt_t twice;
	CHECK_ST(lo_interrupt_create(irq, 5, &twice), LO_ERR_ALREADY_EXISTS);
	lo_handle_close(lo_resource_handle(irq));
	lo_process_t faulted;
	if (!CHECK(utest_exception_fixture(&fixture_exception, &faulted)))
		return;
	reported = failures = 0;
	int failed = negative_rights_run();
	CHECK(failed == failures);
	CHECK(reported == negative_rights_count());
	CHECK(failures == 0);
	lo_handle_close(lo_interrupt_handle(fixture_interrupt));
	utest_exception_fixture_end(fixture_exception, faulted);
}

static const struct utest negative_tests[] = {
	{ "user.negative_rights_all_generated", test_negative_rights },
	{ 0, 0 },
};
UTEST_SUITE(negative_tests);
