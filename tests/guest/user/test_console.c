/* Devices speak the file protocol, a session per open: a second console
 * driver (COM2, IRQ 3: COM1 belongs to the real console) published in a
 * registry with lo_registry_add_device. Each open is its own channel,
 * closing one leaves the others working, WRITE comes only through a
 * WRITABLE connection, and the driver's session table is bounded. */
#include "registry_fixture.h"
#include "lightos/protocols.h"
#include "lightos/file.h"

#define DEVICE_RIGHTS (LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_WAIT | LO_RIGHT_INSPECT | \
		       LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER)
#define OPEN_RW (LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_WAIT | LO_RIGHT_INSPECT)

struct devices {
	lo_thread_t server;
	struct lo_registry *root;
	lo_channel_t writable, read_only;   /* connections to root */
	lo_process_t driver;
};

static int devices_start(struct devices *d)
{
	lo_memset(d, 0, sizeof(*d));
	stop_serving = 0;
	lo_channel_t mine, theirs;
	lo_resource_t ports, irq;
	if (!CHECK_ST(lo_registry_host_init(&host), LO_OK) ||
	    !CHECK_ST(lo_channel_create(lo_job_self(), &mine, &theirs), LO_OK) ||
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
	if (!CHECK_ST(lo_spawn_from_image(utest_image, "bin/serial", "", give, 4, &d->driver, &why), LO_OK))
		return 0;
	d->root = lo_registry_create(&host, "dev");
	CHECK_ST(lo_registry_add_device(&host, d->root, "console", mine, DEVICE_RIGHTS), LO_OK);
	const uint32_t look = LO_REGISTRY_RIGHT_ENUMERATE | LO_REGISTRY_RIGHT_OPEN;
	if (!CHECK_ST(lo_registry_connect_as(&host, d->root, look | LO_REGISTRY_RIGHT_WRITABLE, NULL,
					     &d->writable), LO_OK) ||
	    !CHECK_ST(lo_registry_connect_as(&host, d->root, look, NULL, &d->read_only), LO_OK))
		return 0;
	return CHECK_ST(lo_thread_run(serve, NULL, "registry", &d->server), LO_OK);
}

/* Everything closed: the driver, reachable by nobody, ends. */
static void devices_stop(struct devices *d)
{
	if (d->writable.value)
		lo_handle_close(lo_channel_handle(d->writable));
	if (d->read_only.value)
		lo_handle_close(lo_channel_handle(d->read_only));
	stop_serving = 1;
	if (d->server.value)
		CHECK_ST(lo_thread_join(d->server, lo_deadline_after_ms(5000)), LO_OK);
	lo_registry_host_shutdown(&host);
	if (d->root)
		lo_registry_release(&host, d->root);   /* the device entry's channel closes */
	CHECK(host.live_registries == 0);
	if (d->driver.value) {
		struct lo_process_info info;
		if (!CHECK(utest_wait_process(d->driver, &info)))
			lo_process_kill(d->driver);
		lo_handle_close(lo_process_handle(d->driver));
	}
}

static status_t session_write(lo_channel_t s, const char *text)
{
	int32_t status = 0;
	uint32_t written = 0;
	status_t st = lo_file_write(s, text, (uint32_t)lo_strlen(text), &status, &written);
	if (st == LO_OK && status == LO_OK && written != lo_strlen(text))
		return LO_ERR_IO;
	return st != LO_OK ? st : status;
}

static status_t session_stat(lo_channel_t s, uint32_t *kind)
{
	int32_t status = 0;
	uint64_t size;
	status_t st = lo_file_stat(s, &status, &size, kind);
	return st != LO_OK ? st : status;
}

static void test_session_per_open(void)
{
	struct devices d;
	if (devices_start(&d)) {
		lo_handle_t a, b;
		if (CHECK_ST(lo_resolve_path(d.writable, "console", OPEN_RW, &a), LO_OK) &&
		    CHECK_ST(lo_resolve_path(d.writable, "console", OPEN_RW, &b), LO_OK)) {
			CHECK(utest_object_id(a) != utest_object_id(b));
			uint32_t kind = 0;
			CHECK_ST(session_write(lo_channel_from(a), "a\n"), LO_OK);
			CHECK_ST(session_write(lo_channel_from(b), "b\n"), LO_OK);
			CHECK_ST(session_stat(lo_channel_from(a), &kind), LO_OK);
			CHECK(kind == 3);
			/* One session's end is not the other's. */
			lo_handle_close(a);
			CHECK_ST(session_write(lo_channel_from(b), "still\n"), LO_OK);
			lo_handle_close(b);
		}
	}
	devices_stop(&d);
}

/* WRITE is granted per open: not through a connection without WRITABLE,
 * nor to an open that did not ask for it. READ still works. */
static void test_write_needs_writable(void)
{
	struct devices d;
	if (devices_start(&d)) {
		lo_handle_t s;
		uint32_t kind;
		if (CHECK_ST(lo_resolve_path(d.read_only, "console", OPEN_RW, &s), LO_OK)) {
			CHECK_ST(session_write(lo_channel_from(s), "no\n"), LO_ERR_ACCESS_DENIED);
			CHECK_ST(session_stat(lo_channel_from(s), &kind), LO_OK);
			lo_handle_close(s);
		}
		if (CHECK_ST(lo_resolve_path(d.writable, "console", LO_RIGHT_READ | LO_RIGHT_WAIT, &s), LO_OK)) {
			CHECK_ST(session_write(lo_channel_from(s), "no\n"), LO_ERR_ACCESS_DENIED);
			lo_handle_close(s);
		}
		if (CHECK_ST(lo_resolve_path(d.writable, "console", LO_RIGHT_WRITE | LO_RIGHT_WAIT, &s), LO_OK)) {
			CHECK_ST(session_write(lo_channel_from(s), "yes\n"), LO_OK);
			CHECK_ST(session_stat(lo_channel_from(s), &kind), LO_ERR_ACCESS_DENIED);
			lo_handle_close(s);
		}
	}
	devices_stop(&d);
}

/* The driver holds at most 8 sessions; a closed one frees its place. */
static void test_sessions_bounded(void)
{
	struct devices d;
	if (devices_start(&d)) {
		lo_handle_t s[9];
		uint32_t n = 0, kind;
		while (n < 8 && CHECK_ST(lo_resolve_path(d.writable, "console", OPEN_RW, &s[n]), LO_OK))
			n++;
		CHECK_ST(lo_resolve_path(d.writable, "console", OPEN_RW, &s[8]), LO_ERR_NO_RESOURCES);
		if (n == 8) {
			lo_handle_close(s[0]);
			/* The driver sees the close before it answers the next open. */
			utest_sleep_ms(50);
			CHECK_ST(lo_resolve_path(d.writable, "console", OPEN_RW, &s[0]), LO_OK);
			CHECK_ST(session_stat(lo_channel_from(s[0]), &kind), LO_OK);
		}
		for (uint32_t i = 0; i < n; i++)
			lo_handle_close(s[i]);
	}
	devices_stop(&d);
}

/* The file client (lightos/file.h) on a device: the same calls as on a file. */
static void test_file_api_on_device(void)
{
	struct devices d;
	if (devices_start(&d)) {
		lo_handle_t h;
		if (CHECK_ST(lo_resolve_path(d.writable, "console", OPEN_RW, &h), LO_OK)) {
			struct lo_file f = { lo_channel_from(h), { 0 }, 0 };
			uint64_t size = 99;
			CHECK(lo_fwrite(&f, "via lo_fwrite\n", 14) == 14);
			CHECK_ST(lo_fsize(&f, &size), LO_OK);
			CHECK(size == 0);   /* nothing typed on COM2 */
			CHECK_ST(lo_ftruncate(&f, 0), LO_ERR_NOT_SUPPORTED);
			CHECK_ST(lo_fclose(&f), LO_OK);
		}
	}
	devices_stop(&d);
}

static const struct utest console_tests[] = {
	{ "user.console.session_per_open", test_session_per_open },
	{ "user.console.write_needs_writable", test_write_needs_writable },
	{ "user.console.sessions_bounded", test_sessions_bounded },
	{ "user.console.file_api_on_device", test_file_api_on_device },
	{ 0, 0 },
};

UTEST_SUITE(console_tests);
