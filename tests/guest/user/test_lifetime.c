/* Lifetimes across threads: a port bound while another thread closes it,
 * waits on handles that another thread closes, duplicate and replace whose
 * result cannot be written back. */
#include "lightos/startup.h"
#include "utest.h"
#include "lightos/thread.h"

#define RACE_ROUNDS 200

struct bind_race {
	uint32_t port;          /* the port being bound to now, 0: none */
	uint32_t event;
	int stop;
	uint64_t binds;         /* binds that succeeded */
};

static void binder(void *arg)
{
	struct bind_race *r = arg;
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		uint32_t port = __atomic_load_n(&r->port, __ATOMIC_ACQUIRE);
		if (!port)
			continue;
		/* The event is signaled: each binding fires at once. Taking
		 * its packet keeps the port from filling up. BAD_HANDLE once
		 * the port is closed. */
		if (lo_port_bind((lo_port_t){ port }, (lo_handle_t){ r->event },
				 LO_SIG_EVENT_SIGNALED, 1) == LO_OK)
			r->binds++;
		struct lo_port_packet packet;
		lo_port_wait((lo_port_t){ port }, 0, &packet);
	}
}

/* One thread binds an event to a port over and over while this one closes
 * the port under it: the close must never free a binding the bind is still
 * publishing (it used to: a heap use-after-free, then a panic). */
static void test_port_bind_close_race(void)
{
	lo_event_t e, idle;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	CHECK_ST(lo_event_create(lo_job_self(), &idle), LO_OK);
	CHECK_ST(lo_handle_signal(lo_event_handle(e), 0, LO_SIG_EVENT_SIGNALED), LO_OK);
	struct bind_race r = { 0, lo_event_handle(e).value, 0, 0 };
	uint64_t start = lo_now();
	lo_thread_t t;
	if (!CHECK_ST(lo_thread_run(binder, &r, "binder", &t), LO_OK))
		return;
	for (int i = 0; i < RACE_ROUNDS; i++) {
		lo_port_t p;
		if (!CHECK_ST(lo_port_create(lo_job_self(), &p), LO_OK))
			break;
		__atomic_store_n(&r.port, p.value, __ATOMIC_RELEASE);
		/* Let the binder run, and be preempted wherever it happens to be. */
		uint32_t observed;
		lo_handle_wait_one(lo_event_handle(idle), LO_SIG_EVENT_SIGNALED,
				   lo_deadline_after_ms(1), &observed);
		CHECK_ST(lo_handle_close(lo_port_handle(p)), LO_OK);
	}
	__atomic_store_n(&r.port, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
	CHECK(r.binds > 0);
	lo_printf("  %lu binds in %lu ms\n", r.binds, (lo_now() - start) / 1000000);
	/* A binding freed while still observed would be called now. */
	CHECK_ST(lo_handle_signal(lo_event_handle(e), LO_SIG_EVENT_SIGNALED, 0), LO_OK);
	CHECK_ST(lo_handle_signal(lo_event_handle(e), 0, LO_SIG_EVENT_SIGNALED), LO_OK);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
	CHECK(info.refcount == 1);   /* no binding outlived its port */
	lo_handle_close(lo_event_handle(e));
	lo_handle_close(lo_event_handle(idle));
}

/* Port locks nest inside the locks of bound objects: a port bound to
 * another port could nest them both ways round, so it is refused. */
static void test_port_bind_port_refused(void)
{
	lo_port_t a, b;
	CHECK_ST(lo_port_create(lo_job_self(), &a), LO_OK);
	CHECK_ST(lo_port_create(lo_job_self(), &b), LO_OK);
	CHECK_ST(lo_port_bind(a, lo_port_handle(b), LO_SIG_PORT_READABLE, 1), LO_ERR_NOT_SUPPORTED);
	lo_handle_close(lo_port_handle(a));
	lo_handle_close(lo_port_handle(b));
}

/* --- Waits on a handle that another thread closes --- */

enum wait_kind { WAIT_ONE, WAIT_MANY, WAIT_PORT };

struct waiter {
	enum wait_kind kind;
	uint32_t handles[2];
	uint32_t signals;
	status_t st;
};

/* The deadline is short so that a wait nobody cancels fails the test
 * quickly (TIMED_OUT) instead of hanging it. */
#define WAIT_DEADLINE_MS 2000

static void wait_thread(void *arg)
{
	struct waiter *w = arg;
	uint64_t deadline = lo_deadline_after_ms(WAIT_DEADLINE_MS);
	uint32_t observed[2];
	if (w->kind == WAIT_ONE) {
		w->st = lo_handle_wait_one((lo_handle_t){ w->handles[0] }, w->signals, deadline,
					   &observed[0]);
	} else if (w->kind == WAIT_MANY) {
		lo_handle_t hs[2] = { { w->handles[0] }, { w->handles[1] } };
		uint32_t masks[2] = { w->signals, w->signals };
		w->st = lo_handle_wait_many(hs, masks, observed, 2, deadline);
	} else {
		struct lo_port_packet packet;
		w->st = lo_port_wait((lo_port_t){ w->handles[0] }, deadline, &packet);
	}
}

static uint32_t refcount_of(lo_handle_t h)
{
	struct lo_object_info info;
	if (lo_handle_info(h, &info) != LO_OK)
		return 0;
	return info.refcount;
}

/* Start a waiter, and return once it is inside its call: the call's
 * reference to the object shows in its refcount (watched through
 * `other`, a second handle to the same object). */
static int start_waiter(struct waiter *w, lo_handle_t other, lo_thread_t *t)
{
	uint32_t before = refcount_of(other);
	w->st = LO_ERR_INTERNAL;
	if (!CHECK_ST(lo_thread_run(wait_thread, w, "waiter", t), LO_OK))
		return 0;
	for (int i = 0; i < 2000 && refcount_of(other) == before; i++)
		utest_sleep_ms(1);
	return CHECK(refcount_of(other) > before);
}

static void finish_waiter(struct waiter *w, lo_thread_t t, status_t want)
{
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
	CHECK_ST(w->st, want);
}

/* Closing the handle a thread waits through ends its wait with CANCELED. */
static void test_close_cancels_wait_one(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t watch = utest_dup(lo_event_handle(e), LO_RIGHT_INSPECT | LO_RIGHT_SIGNAL);
	struct waiter w = { WAIT_ONE, { lo_event_handle(e).value, 0 }, LO_SIG_EVENT_SIGNALED, 0 };
	lo_thread_t t;
	if (start_waiter(&w, watch, &t)) {
		CHECK_ST(lo_handle_close(lo_event_handle(e)), LO_OK);
		finish_waiter(&w, t, LO_ERR_CANCELED);
	}
	lo_handle_close(watch);
}

/* Closing ANOTHER handle to the same object cancels nothing. */
static void test_close_other_handle_keeps_wait(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t other = utest_dup(lo_event_handle(e), LO_RIGHT_INSPECT | LO_RIGHT_SIGNAL);
	lo_handle_t watch = utest_dup(lo_event_handle(e), LO_RIGHT_INSPECT | LO_RIGHT_SIGNAL);
	struct waiter w = { WAIT_ONE, { lo_event_handle(e).value, 0 }, LO_SIG_EVENT_SIGNALED, 0 };
	lo_thread_t t;
	if (start_waiter(&w, watch, &t)) {
		CHECK_ST(lo_handle_close(other), LO_OK);
		CHECK_ST(lo_handle_signal(watch, 0, LO_SIG_EVENT_SIGNALED), LO_OK);
		finish_waiter(&w, t, LO_OK);
	}
	lo_handle_close(watch);
	lo_handle_close(lo_event_handle(e));
}

/* Replacing the handle kills its old value: the wait through it ends. */
static void test_replace_cancels_wait(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t watch = utest_dup(lo_event_handle(e), LO_RIGHT_INSPECT | LO_RIGHT_SIGNAL);
	struct waiter w = { WAIT_ONE, { lo_event_handle(e).value, 0 }, LO_SIG_EVENT_SIGNALED, 0 };
	lo_thread_t t;
	uint32_t replaced = 0;
	if (start_waiter(&w, watch, &t)) {
		CHECK_ST(lo_handle_replace(lo_event_handle(e), LO_DEFAULT_RIGHTS_EVENT, &replaced), LO_OK);
		finish_waiter(&w, t, LO_ERR_CANCELED);
	}
	lo_handle_close((lo_handle_t){ replaced });
	lo_handle_close(watch);
}

/* Moving the handle into a channel message takes it out of the table:
 * the wait through it ends. */
static void test_transfer_cancels_wait(void)
{
	lo_event_t e;
	lo_channel_t a, b;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	lo_handle_t watch = utest_dup(lo_event_handle(e), LO_RIGHT_INSPECT);
	struct waiter w = { WAIT_ONE, { lo_event_handle(e).value, 0 }, LO_SIG_EVENT_SIGNALED, 0 };
	lo_thread_t t;
	if (start_waiter(&w, watch, &t)) {
		lo_handle_t moved = lo_event_handle(e);
		CHECK_ST(lo_channel_write(a, "x", 1, &moved, 1), LO_OK);
		finish_waiter(&w, t, LO_ERR_CANCELED);
	}
	lo_handle_close(watch);
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(lo_channel_handle(b));   /* closes the handle in the message */
}

/* wait_many: closing one of its handles ends the whole wait. */
static void test_close_cancels_wait_many(void)
{
	lo_event_t a, b;
	CHECK_ST(lo_event_create(lo_job_self(), &a), LO_OK);
	CHECK_ST(lo_event_create(lo_job_self(), &b), LO_OK);
	lo_handle_t watch = utest_dup(lo_event_handle(b), LO_RIGHT_INSPECT);
	struct waiter w = { WAIT_MANY, { lo_event_handle(a).value, lo_event_handle(b).value },
			    LO_SIG_EVENT_SIGNALED, 0 };
	lo_thread_t t;
	if (start_waiter(&w, watch, &t)) {
		CHECK_ST(lo_handle_close(lo_event_handle(b)), LO_OK);
		finish_waiter(&w, t, LO_ERR_CANCELED);
	}
	lo_handle_close(watch);
	lo_handle_close(lo_event_handle(a));
}

/* port_wait: closing the port's handle ends the wait. */
static void test_close_cancels_port_wait(void)
{
	lo_port_t p;
	CHECK_ST(lo_port_create(lo_job_self(), &p), LO_OK);
	lo_handle_t watch = utest_dup(lo_port_handle(p), LO_RIGHT_INSPECT);
	struct waiter w = { WAIT_PORT, { lo_port_handle(p).value, 0 }, 0, 0 };
	lo_thread_t t;
	if (start_waiter(&w, watch, &t)) {
		CHECK_ST(lo_handle_close(lo_port_handle(p)), LO_OK);
		finish_waiter(&w, t, LO_ERR_CANCELED);
	}
	lo_handle_close(watch);
}

/* --- duplicate and replace whose result cannot be written back --- */

/* Not writable from user mode: the first page, and a kernel address. */
static uint32_t *const bad_out[] = {
	(uint32_t *)0,
	(uint32_t *)0xffff800000000000ull,
};

static void test_duplicate_bad_out_leaves_table(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	uint32_t before = utest_handles_in_table();
	for (unsigned i = 0; i < sizeof(bad_out) / sizeof(bad_out[0]); i++) {
		CHECK_ST(lo_handle_duplicate(lo_event_handle(e), LO_RIGHT_WAIT, bad_out[i]), LO_ERR_FAULT);
		CHECK(utest_handles_in_table() == before);
		struct lo_object_info info;
		CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
		CHECK(info.handle_count == 1);
	}
	lo_handle_close(lo_event_handle(e));
}

static void test_replace_bad_out_keeps_handle(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	uint32_t before = utest_handles_in_table();
	for (unsigned i = 0; i < sizeof(bad_out) / sizeof(bad_out[0]); i++) {
		CHECK_ST(lo_handle_replace(lo_event_handle(e), LO_RIGHT_WAIT | LO_RIGHT_INSPECT,
					   bad_out[i]), LO_ERR_FAULT);
		CHECK(utest_handles_in_table() == before);
		/* The old handle is still there, with all its rights. */
		struct lo_object_info info;
		CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
		CHECK(info.handle_count == 1 && info.rights == LO_DEFAULT_RIGHTS_EVENT);
	}
	lo_handle_close(lo_event_handle(e));
}

static const struct utest lifetime_tests[] = {
	{ "user.lifetime.port_bind_close_race", test_port_bind_close_race },
	{ "user.lifetime.port_bind_port_refused", test_port_bind_port_refused },
	{ "user.lifetime.close_cancels_wait_one", test_close_cancels_wait_one },
	{ "user.lifetime.close_other_handle_keeps_wait", test_close_other_handle_keeps_wait },
	{ "user.lifetime.replace_cancels_wait", test_replace_cancels_wait },
	{ "user.lifetime.transfer_cancels_wait", test_transfer_cancels_wait },
	{ "user.lifetime.close_cancels_wait_many", test_close_cancels_wait_many },
	{ "user.lifetime.close_cancels_port_wait", test_close_cancels_port_wait },
	{ "user.lifetime.duplicate_bad_out_leaves_table", test_duplicate_bad_out_leaves_table },
	{ "user.lifetime.replace_bad_out_keeps_handle", test_replace_bad_out_keeps_handle },
	{ 0, 0 },
};

UTEST_SUITE(lifetime_tests);
