/* Lifetimes across threads: a port bound while another thread closes it,
 * waits on handles that another thread closes, duplicate and replace whose
 * result cannot be written back. */
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
	CHECK_ST(lo_event_create(&e), LO_OK);
	CHECK_ST(lo_event_create(&idle), LO_OK);
	CHECK_ST(lo_handle_signal(lo_event_handle(e), 0, LO_SIG_EVENT_SIGNALED), LO_OK);
	struct bind_race r = { 0, lo_event_handle(e).value, 0, 0 };
	uint64_t start = lo_now();
	lo_thread_t t;
	if (!CHECK_ST(lo_thread_run(binder, &r, "binder", &t), LO_OK))
		return;
	for (int i = 0; i < RACE_ROUNDS; i++) {
		lo_port_t p;
		if (!CHECK_ST(lo_port_create(&p), LO_OK))
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
	CHECK_ST(lo_port_create(&a), LO_OK);
	CHECK_ST(lo_port_create(&b), LO_OK);
	CHECK_ST(lo_port_bind(a, lo_port_handle(b), LO_SIG_PORT_READABLE, 1), LO_ERR_NOT_SUPPORTED);
	lo_handle_close(lo_port_handle(a));
	lo_handle_close(lo_port_handle(b));
}

static const struct utest lifetime_tests[] = {
	{ "user.lifetime.port_bind_close_race", test_port_bind_close_race },
	{ "user.lifetime.port_bind_port_refused", test_port_bind_port_refused },
	{ 0, 0 },
};

UTEST_SUITE(lifetime_tests);
