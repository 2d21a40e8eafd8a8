/* The generated negative-rights tests (build/gen/tests/negative_rights.c):
 * every call, every handle parameter, each missing right, a wrong type, a
 * closed handle. This file gives them fixtures and reports their results. */
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
		lo_printf("  %s gave %s, expected %s\n", name, lo_status_str(got), lo_status_str(want));
	}
	utest_report(name, ok);
}

/* A new handle of `type` with exactly that type's default rights. */
lo_handle_t negtest_fixture(uint32_t type)
{
	lo_handle_t h = LO_HANDLE_INVALID;
	lo_handle_t result = LO_HANDLE_INVALID;
	uint32_t rights = 0;
	switch (type) {
	case LO_TYPE_PROCESS: {
		lo_process_t p;
		lo_process_create("fixture", 7, &p);
		h = lo_process_handle(p);
		rights = LO_DEFAULT_RIGHTS_PROCESS;
		break;
	}
	case LO_TYPE_THREAD: {
		lo_process_t p;
		lo_thread_t t;
		lo_process_create("fixture", 7, &p);
		lo_thread_create(p, "fixture", 7, &t);
		lo_handle_close(lo_process_handle(p));
		h = lo_thread_handle(t);
		rights = LO_DEFAULT_RIGHTS_THREAD;
		break;
	}
	case LO_TYPE_VMO: {
		lo_vmo_t v;
		lo_vmo_create(4096, &v);
		h = lo_vmo_handle(v);
		rights = LO_DEFAULT_RIGHTS_VMO;
		break;
	}
	case LO_TYPE_CHANNEL: {
		lo_channel_t a, b;
		lo_channel_create(&a, &b);
		lo_handle_close(lo_channel_handle(b));
		h = lo_channel_handle(a);
		rights = LO_DEFAULT_RIGHTS_CHANNEL;
		break;
	}
	case LO_TYPE_EVENT: {
		lo_event_t e;
		lo_event_create(&e);
		h = lo_event_handle(e);
		rights = LO_DEFAULT_RIGHTS_EVENT;
		break;
	}
	case LO_TYPE_PORT: {
		lo_port_t p;
		lo_port_create(&p);
		h = lo_port_handle(p);
		rights = LO_DEFAULT_RIGHTS_PORT;
		break;
	}
	case LO_TYPE_TIMER: {
		lo_timer_t t;
		lo_timer_create(&t);
		h = lo_timer_handle(t);
		rights = LO_DEFAULT_RIGHTS_TIMER;
		break;
	}
	case LO_TYPE_SYSVAR: {
		lo_sysvar_t v;
		lo_sysvar_create(1, &v);
		h = lo_sysvar_handle(v);
		rights = LO_DEFAULT_RIGHTS_SYSVAR;
		break;
	}
	case LO_TYPE_RESOURCE:
		return utest_dup(lo_resource_handle(utest_root), LO_DEFAULT_RIGHTS_RESOURCE);
	case LO_TYPE_INTERRUPT:
		return utest_dup(lo_interrupt_handle(fixture_interrupt), LO_DEFAULT_RIGHTS_INTERRUPT);
	case LO_TYPE_LOG:
		return utest_dup(lo_log_handle(lo_log), LO_DEFAULT_RIGHTS_LOG);
	case LO_TYPE_EXCEPTION:
		return utest_dup(lo_exception_handle(fixture_exception), LO_DEFAULT_RIGHTS_EXCEPTION);
	default:
		return LO_HANDLE_INVALID;
	}
	/* Created handles already have the defaults; make that explicit. */
	result = utest_dup(h, rights);
	lo_handle_close(h);
	return result;
}

static void test_negative_rights(void)
{
	/* IRQ 5 is free on the QEMU PC: a fixture interrupt for the tests,
	 * bound through an IRQ resource carved for it (the root itself binds
	 * nothing directly). */
	lo_resource_t irq;
	CHECK_ST(lo_interrupt_create(utest_root, 5, &fixture_interrupt), LO_ERR_ACCESS_DENIED);
	if (!CHECK_ST(lo_resource_carve(utest_root, 2, 5, 1, &irq), LO_OK))
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
