/* drivers: entries (libos/driver_registry.c): each open is a session of
 * the driver protocol (idl/driver.idl) answering `info` with the driver's
 * name, process, state and devices. A driver whose process was killed
 * answers `ended`; a session opened without READ is refused info. Served
 * by a registry host in a second thread, with a real serial driver (COM2,
 * as in test_console.c) and a child as a test driver. */
#include "registry_fixture.h"
#include "lightos/driver_registry.h"
#include "lightos/spawn.h"

static struct lo_driver_registry drivers;

struct bench {
	lo_thread_t server;
	struct lo_registry *root;
	lo_channel_t conn;          /* list and open, as the shell has drivers: */
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
	lo_driver_registry_init(&drivers, &host, b->root);
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
					     LO_REGISTRY_RIGHT_OPEN, NULL, &b->conn), LO_OK))
		return 0;
	return CHECK_ST(lo_thread_run(serve, NULL, "registry", &b->server), LO_OK);
}

static void bench_stop(struct bench *b)
{
	if (b->conn.value)
		lo_handle_close(lo_channel_handle(b->conn));
	stop_serving = 1;
	if (b->server.value)
		CHECK_ST(lo_thread_join(b->server, lo_deadline_after_ms(5000)), LO_OK);
	lo_registry_host_shutdown(&host);
	lo_driver_registry_shutdown(&drivers);
	if (b->root)
		lo_registry_release(&host, b->root);
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

static const struct utest driver_tests[] = {
	{ "user.drivers.info_and_ended", test_info_and_ended },
	{ "user.drivers.info_denied", test_info_denied },
	{ 0, 0 },
};

UTEST_SUITE(driver_tests);
