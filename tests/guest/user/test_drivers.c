/* drivers: entries (libos/driver_registry.c): each open is a session of
 * the driver protocol (idl/driver.idl) answering `info` with the driver's
 * name, process, state and devices. A driver whose process was killed
 * answers `ended`; a session opened without READ is refused info. Served
 * by a registry host in a second thread, with a real serial driver (COM2,
 * as in test_console.c) and a child as a test driver. */
#include "registry_fixture.h"
#include "lightos/driver_registry.h"
#include "lightos/spawn.h"
#include "lightos/eventhook.h"

static struct lo_driver_registry drivers;
static struct lo_eventhook_hub hub;
static struct lo_eventhook_source driver_events, device_events;

struct bench {
	lo_thread_t server;
	struct lo_registry *root, *events;
	lo_channel_t conn;          /* list and open, as the shell has drivers: */
	lo_channel_t events_conn;   /* to event:, with "driver" and "device" */
	lo_channel_t serial_dev;    /* the serial driver's device channel (ours) */
	lo_process_t serial, testdrv;
	lo_channel_t testdrv_ch;
	uint64_t serial_pid, testdrv_pid;
};

static int bench_start(struct bench *b)
{
	lo_memset(b, 0, sizeof(*b));
	stop_serving = 0;
	lo_channel_t theirs;
	lo_resource_t ports, irq;
	if (!CHECK_ST(lo_registry_host_init(&host), LO_OK) ||
	    !CHECK_ST(lo_channel_create(lo_job_self(), &b->serial_dev, &theirs), LO_OK) ||
	    !CHECK_ST(lo_resource_carve(utest_root, LO_RESOURCE_IOPORT, 0x2f8, 8, &ports), LO_OK) ||
	    !CHECK_ST(lo_resource_carve(utest_root, LO_RESOURCE_IRQ, 3, 1, &irq), LO_OK))
		return 0;
	struct lo_give give[4] = {
		{ LO_STARTUP_USER + 1, lo_channel_handle(theirs) },
		{ LO_STARTUP_IOPORTS, lo_resource_handle(ports) },
		{ LO_STARTUP_IRQ, lo_resource_handle(irq) },
		{ LO_STARTUP_LOG, utest_dup(lo_log_handle(lo_log), LO_DEFAULT_RIGHTS_LOG) },
	};
	const char *why = NULL;
	if (!CHECK_ST(lo_spawn_from_image(utest_image, "bin/serial", "", give, 4, &b->serial, &why), LO_OK) ||
	    !utest_spawn_holding(&b->testdrv_ch, &b->testdrv))
		return 0;
	b->serial_pid = utest_object_id(lo_process_handle(b->serial));
	b->testdrv_pid = utest_object_id(lo_process_handle(b->testdrv));
	b->root = lo_registry_create(&host, "drivers");
	b->events = lo_registry_create(&host, "event");
	lo_memset(&driver_events, 0, sizeof(driver_events));
	lo_memset(&device_events, 0, sizeof(device_events));
	lo_eventhook_hub_init(&hub, &host);   /* first, as init does: drivers chain to it */
	CHECK_ST(lo_registry_add_service(&host, b->events, "driver", LO_RIGHT_READ | LO_RIGHT_INSPECT,
					 &driver_events), LO_OK);
	CHECK_ST(lo_registry_add_service(&host, b->events, "device", LO_RIGHT_READ | LO_RIGHT_INSPECT,
					 &device_events), LO_OK);
	lo_driver_registry_init(&drivers, &host, b->root);
	drivers.driver_events = &driver_events;
	drivers.device_events = &device_events;
	const uint32_t keep = LO_RIGHT_INSPECT | LO_RIGHT_WAIT | LO_RIGHT_DUPLICATE;
	CHECK_ST(lo_driver_registry_add(&drivers, "serial", lo_process_from(utest_dup(
			lo_process_handle(b->serial), keep)), "console"), LO_OK);
	CHECK_ST(lo_driver_registry_add(&drivers, "testdrv", lo_process_from(utest_dup(
			lo_process_handle(b->testdrv), keep)), ""), LO_OK);
	CHECK_ST(lo_driver_registry_add_device(&drivers, "testdrv", "one"), LO_OK);
	CHECK_ST(lo_driver_registry_add_device(&drivers, "testdrv", "two"), LO_OK);
	CHECK_ST(lo_driver_registry_add_device(&drivers, "nobody", "x"), LO_ERR_NOT_FOUND);
	CHECK_ST(lo_driver_registry_add(&drivers, "serial", lo_process_from(utest_dup(
			lo_process_handle(b->serial), keep)), ""), LO_ERR_ALREADY_EXISTS);
	if (!CHECK_ST(lo_registry_connect_as(&host, b->root, LO_REGISTRY_RIGHT_ENUMERATE |
					     LO_REGISTRY_RIGHT_OPEN, NULL, &b->conn), LO_OK) ||
	    !CHECK_ST(lo_registry_connect_as(&host, b->events, LO_REGISTRY_RIGHT_OPEN, NULL,
					     &b->events_conn), LO_OK))
		return 0;
	return CHECK_ST(lo_thread_run(serve, NULL, "registry", &b->server), LO_OK);
}

static void bench_stop(struct bench *b)
{
	if (b->conn.value)
		lo_handle_close(lo_channel_handle(b->conn));
	if (b->events_conn.value)
		lo_handle_close(lo_channel_handle(b->events_conn));
	stop_serving = 1;
	if (b->server.value)
		CHECK_ST(lo_thread_join(b->server, lo_deadline_after_ms(5000)), LO_OK);
	lo_registry_host_shutdown(&host);
	lo_driver_registry_shutdown(&drivers);
	for (uint32_t i = 0; i < LO_EVENTHOOK_SESSIONS; i++)
		if (hub.sessions[i].channel.value)
			lo_handle_close(lo_channel_handle(hub.sessions[i].channel));
	struct lo_eventhook_source *srcs[2] = { &driver_events, &device_events };
	for (int s = 0; s < 2; s++)
		for (uint32_t i = 0; i < LO_EVENTHOOK_SUBSCRIBERS_MAX; i++)
			if (srcs[s]->subs[i].channel.value)
				lo_handle_close(lo_channel_handle(srcs[s]->subs[i].channel));
	if (b->root)
		lo_registry_release(&host, b->root);
	if (b->events)
		lo_registry_release(&host, b->events);
	CHECK(host.live_registries == 0);
	/* The serial driver ends when its device channel closes. */
	struct lo_process_info info;
	if (b->serial_dev.value)
		lo_handle_close(lo_channel_handle(b->serial_dev));
	if (b->serial.value) {
		if (!CHECK(utest_wait_process(b->serial, &info)))
			lo_process_kill(b->serial);
		lo_handle_close(lo_process_handle(b->serial));
	}
	if (b->testdrv.value) {
		lo_process_kill(b->testdrv);
		utest_wait_process(b->testdrv, &info);
		lo_handle_close(lo_process_handle(b->testdrv));
		lo_handle_close(lo_channel_handle(b->testdrv_ch));
	}
}

struct answer {
	int32_t status;
	uint64_t pid;
	uint32_t state;
	char name[32], devices[64];
};

/* info on a session; the call's own failure counts as the status. */
static int32_t ask(lo_channel_t session, struct answer *a)
{
	uint32_t name_len = 0, devices_len = 0;
	lo_memset(a, 0, sizeof(*a));
	status_t st = lo_driver_info(session, &a->status, &a->pid, &a->state, a->name, sizeof(a->name) - 1,
				     &name_len, a->devices, sizeof(a->devices) - 1, &devices_len);
	if (st != LO_OK)
		return st;
	a->name[name_len] = a->devices[devices_len] = '\0';
	return a->status;
}

static lo_channel_t open_driver(lo_channel_t conn, const char *name, uint32_t rights)
{
	lo_handle_t h = LO_HANDLE_INVALID;
	CHECK_ST(lo_resolve_path(conn, name, rights, &h), LO_OK);
	return lo_channel_from(h);
}

/* Listing shows both; info says name, process, running and devices; a
 * killed driver then answers ended, on an old session and a new one. */
static void test_info_and_ended(void)
{
	struct bench b;
	if (bench_start(&b)) {
		int32_t status = LO_ERR_INTERNAL;
		uint32_t kind, rights, len;
		char name[LO_REGISTRY_NAME_MAX + 1];
		CHECK_ST(lo_registry_list(b.conn, "", 0, 0, &status, &kind, &rights, name, sizeof(name) - 1,
					  &len), LO_OK);
		name[status == LO_OK ? len : 0] = '\0';
		CHECK(status == LO_OK && !lo_strcmp(name, "serial"));
		CHECK_ST(lo_registry_list(b.conn, "", 0, 1, &status, &kind, &rights, name, sizeof(name) - 1,
					  &len), LO_OK);
		name[status == LO_OK ? len : 0] = '\0';
		CHECK(status == LO_OK && !lo_strcmp(name, "testdrv"));

		struct answer a;
		lo_channel_t s = open_driver(b.conn, "serial", LO_RIGHT_READ);
		CHECK_ST(ask(s, &a), LO_OK);
		CHECK(!lo_strcmp(a.name, "serial") && !lo_strcmp(a.devices, "console"));
		CHECK(a.pid == b.serial_pid && a.state == LO_DRIVER_RUNNING);
		lo_handle_close(lo_channel_handle(s));

		lo_channel_t t = open_driver(b.conn, "testdrv", LO_RIGHT_READ);
		CHECK_ST(ask(t, &a), LO_OK);
		CHECK(!lo_strcmp(a.name, "testdrv") && !lo_strcmp(a.devices, "one,two"));
		CHECK(a.pid == b.testdrv_pid && a.state == LO_DRIVER_RUNNING);
		struct lo_process_info info;
		CHECK_ST(lo_process_kill(b.testdrv), LO_OK);
		CHECK(utest_wait_process(b.testdrv, &info));
		CHECK_ST(ask(t, &a), LO_OK);
		CHECK(a.state == LO_DRIVER_ENDED && a.pid == b.testdrv_pid);
		lo_handle_close(lo_channel_handle(t));
		t = open_driver(b.conn, "testdrv", LO_RIGHT_READ);
		CHECK_ST(ask(t, &a), LO_OK);
		CHECK(a.state == LO_DRIVER_ENDED);
		lo_handle_close(lo_channel_handle(t));
		/* The serial driver is still running. */
		s = open_driver(b.conn, "serial", LO_RIGHT_READ);
		CHECK_ST(ask(s, &a), LO_OK);
		CHECK(a.state == LO_DRIVER_RUNNING);
		lo_handle_close(lo_channel_handle(s));
	}
	bench_stop(&b);
}

/* A session opened without READ has no INFO: refused, and the next
 * session with READ still answers. */
static void test_info_denied(void)
{
	struct bench b;
	if (bench_start(&b)) {
		struct answer a;
		lo_channel_t s = open_driver(b.conn, "serial", LO_RIGHT_INSPECT);
		CHECK_ST(ask(s, &a), LO_ERR_ACCESS_DENIED);
		CHECK(a.pid == 0 && a.name[0] == '\0');
		lo_handle_close(lo_channel_handle(s));
		s = open_driver(b.conn, "serial", LO_RIGHT_READ);
		CHECK_ST(ask(s, &a), LO_OK);
		lo_handle_close(lo_channel_handle(s));
	}
	bench_stop(&b);
}

/* A subscription to event:<name>: our end of its channel. */
static lo_channel_t subscribe(lo_channel_t events_conn, const char *name)
{
	lo_channel_t session = open_driver(events_conn, name, LO_RIGHT_READ), mine, theirs;
	int32_t status = LO_ERR_INTERNAL;
	CHECK_ST(lo_channel_create(lo_job_self(), &mine, &theirs), LO_OK);
	CHECK_ST(lo_eventhook_subscribe(session, lo_channel_handle(theirs), &status), LO_OK);
	CHECK_ST(status, LO_OK);
	lo_handle_close(lo_channel_handle(session));   /* the subscription outlives it */
	return mine;
}

static int next_event(lo_channel_t mine, struct lo_hook_event *ev)
{
	uint32_t observed;
	struct lo_channel_read_result got;
	return lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE, lo_deadline_after_ms(2000),
				  &observed) == LO_OK &&
	       lo_channel_read(mine, ev, sizeof(*ev), NULL, 0, &got) == LO_OK && got.bytes == sizeof(*ev);
}

/* A driver listed is posted to event:driver (its pid and name), and each
 * device it serves to event:device, also one added later. */
static void test_started_events(void)
{
	struct bench b;
	if (bench_start(&b)) {
		lo_channel_t drv = subscribe(b.events_conn, "driver");
		lo_channel_t dev = subscribe(b.events_conn, "device");
		/* The host is not shared between threads: list the driver
		 * while the server thread is stopped. */
		stop_serving = 1;
		CHECK_ST(lo_thread_join(b.server, lo_deadline_after_ms(5000)), LO_OK);
		lo_process_t late = lo_process_from(utest_dup(lo_process_handle(b.testdrv), LO_RIGHT_INSPECT));
		CHECK_ST(lo_driver_registry_add(&drivers, "late", late, "disk7"), LO_OK);
		CHECK_ST(lo_driver_registry_add_device(&drivers, "late", "disk8"), LO_OK);
		stop_serving = 0;
		CHECK_ST(lo_thread_run(serve, NULL, "registry", &b.server), LO_OK);
		struct lo_hook_event ev;
		CHECK(next_event(drv, &ev) && ev.kind == LO_HOOK_DRIVER_STARTED && ev.id == b.testdrv_pid &&
		      !lo_strcmp(ev.text, "late") && ev.dropped == 0);
		CHECK(next_event(dev, &ev) && ev.kind == LO_HOOK_DEVICE_ADDED && ev.id == b.testdrv_pid &&
		      !lo_strcmp(ev.text, "disk7"));
		CHECK(next_event(dev, &ev) && ev.kind == LO_HOOK_DEVICE_ADDED && !lo_strcmp(ev.text, "disk8"));
		/* With bench_start's: serial (console) and testdrv (one, two). */
		CHECK(driver_events.posted == 3 && device_events.posted == 5);
		lo_handle_close(lo_channel_handle(drv));
		lo_handle_close(lo_channel_handle(dev));
	}
	bench_stop(&b);
}

/* Nobody may publish to event:driver: the entry grants no WRITE. */
static void test_events_not_forged(void)
{
	struct bench b;
	if (bench_start(&b)) {
		lo_channel_t session = open_driver(b.events_conn, "driver", LO_RIGHT_READ | LO_RIGHT_WRITE);
		int32_t status = LO_OK;
		uint32_t delivered = 0;
		CHECK_ST(lo_eventhook_publish(session, LO_HOOK_DRIVER_STARTED, 1, 0, "fake", 4, &status,
					      &delivered), LO_OK);
		CHECK_ST(status, LO_ERR_ACCESS_DENIED);
		lo_handle_close(lo_channel_handle(session));
	}
	bench_stop(&b);
}

static const struct utest driver_tests[] = {
	{ "user.drivers.info_and_ended", test_info_and_ended },
	{ "user.drivers.info_denied", test_info_denied },
	{ "user.drivers.started_events", test_started_events },
	{ "user.drivers.events_not_forged", test_events_not_forged },
	{ 0, 0 },
};

UTEST_SUITE(driver_tests);
