/* init: the first process. It holds the bootstrap handles and decides what
 * runs: on the test command line, the user-space test suite; otherwise the
 * system: the registries, the console driver and the shell. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/spawn.h"
#include "lightos/tar.h"
#include "namespace.h"
#include "storage.h"

#define QEMU_EXIT_PORT    0xf4
#define QEMU_EXIT_SUCCESS 0x10
#define QEMU_EXIT_FAILURE 0x11

static lo_resource_t root;
static lo_vmo_t image;

static int has_word(const char *line, const char *word)
{
	size_t n = lo_strlen(word);
	while (*line) {
		while (*line == ' ')
			line++;
		const char *start = line;
		while (*line && *line != ' ')
			line++;
		if ((size_t)(line - start) == n && lo_strncmp(start, word, n) == 0)
			return 1;
	}
	return 0;
}

static lo_handle_t dup_of(lo_handle_t h, uint32_t rights)
{
	uint32_t out = 0;
	lo_handle_duplicate(h, rights, &out);
	return (lo_handle_t){ out };
}

/* Leave QEMU through its debug-exit port: authority over the port comes
 * from a resource carved from the root, like any driver's. */
static void qemu_exit(int success)
{
	lo_resource_t port;
	if (lo_resource_carve(root, 1, QEMU_EXIT_PORT, 4, &port) == LO_OK)
		lo_resource_port_out(port, QEMU_EXIT_PORT, 4,
				     success ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
}

static int run_tests(void)
{
	struct lo_give give[3] = {
		{ LO_STARTUP_ROOT_RESOURCE, dup_of(lo_resource_handle(root), LO_DEFAULT_RIGHTS_RESOURCE) },
		{ LO_STARTUP_LOG, dup_of(lo_log_handle(lo_log), LO_DEFAULT_RIGHTS_LOG) },
		{ LO_STARTUP_IMAGE, dup_of(lo_vmo_handle(image), LO_RIGHT_READ | LO_RIGHT_MAP |
					   LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER | LO_RIGHT_INSPECT) },
	};
	lo_process_t suite;
	const char *why = NULL;
	status_t st = lo_spawn_from_image(image, "bin/utest", lo_startup_args(), give, 3, &suite, &why);
	if (st != LO_OK) {
		lo_printf("TEST FAIL init.start_suite: %s (%s)\n", lo_status_str(st), why ? why : "");
		return 0;
	}
	uint32_t observed;
	lo_handle_wait_one(lo_process_handle(suite), LO_SIG_PROCESS_TERMINATED, UINT64_MAX, &observed);
	struct lo_process_info info;
	lo_process_info(suite, &info);
	if (info.exit_reason != 1) {
		lo_printf("TEST FAIL init.suite_ended_abnormally: reason %u vector %lu at 0x%lx\n",
			  info.exit_reason, info.fault_vector, info.fault_rip);
		return 0;
	}
	return info.exit_code == 0;
}

static struct namespace ns;

static status_t start_program(const char *path, struct lo_give *give, uint32_t n, lo_process_t *p)
{
	const char *why = NULL;
	status_t st = lo_spawn_from_image(image, path, "", give, n, p, &why);
	if (st != LO_OK)
		lo_printf("init: cannot start %s: %s (%s)\n", path, lo_status_str(st), why ? why : "");
	else
		namespace_add_process(&ns, *p);
	return st;
}

/* The system: the registries, the serial driver, the shell. */
static int run_system(void)
{
	const uint8_t *tar;
	size_t size;
	status_t st = lo_map_readonly(image, &tar, &size);
	if (st == LO_OK)
		st = namespace_build(&ns, tar, size);
	if (st != LO_OK) {
		lo_printf("init: cannot build the registries: %s\n", lo_status_str(st));
		return 1;
	}
	namespace_add_process(&ns, lo_self);
	namespace_add_thread(&ns, lo_thread_from(lo_startup_handle(LO_STARTUP_THREAD_SELF)));

	/* The console driver gets COM1's ports and IRQ line, nothing more. */
	lo_channel_t driver_end, client_end;
	lo_resource_t ports, irq;
	st = lo_channel_create(&driver_end, &client_end);
	if (st == LO_OK)
		st = lo_resource_carve(root, 1, 0x3f8, 8, &ports);
	if (st == LO_OK)
		st = lo_resource_carve(root, 2, 4, 1, &irq);
	lo_process_t serial, shell;
	if (st == LO_OK) {
		struct lo_give give[4] = {
			{ LO_STARTUP_CHANNEL, lo_channel_handle(driver_end) },
			{ LO_STARTUP_IOPORTS, lo_resource_handle(ports) },
			{ LO_STARTUP_IRQ, lo_resource_handle(irq) },
			{ LO_STARTUP_LOG, dup_of(lo_log_handle(lo_log), LO_DEFAULT_RIGHTS_LOG) },
		};
		st = start_program("bin/serial", give, 4, &serial);
	}
	if (st != LO_OK)
		return 1;
	lo_registry_add(&ns.host, ns.dev, "console", lo_channel_handle(client_end),
			LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_TRANSFER | LO_RIGHT_DUPLICATE |
			LO_RIGHT_INSPECT | LO_RIGHT_WAIT);
	lo_registry_add(&ns.host, ns.drivers, "serial", lo_process_handle(serial),
			LO_RIGHT_INSPECT | LO_RIGHT_WAIT | LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER);

	storage_start(&ns, root, image);

	/* The shell: the registries its policy names, the image (to start
	 * programs), the log, and the root resource to inspect. The policy
	 * reduces each to exactly the rights it grants. */
	lo_channel_t shell_root;
	st = namespace_connect_for(&ns, "sh", &shell_root);
	if (st == LO_OK) {
		struct lo_give give[4] = {
			{ LO_STARTUP_ROOT_REGISTRY, lo_channel_handle(shell_root) },
			{ LO_STARTUP_IMAGE, dup_of(lo_vmo_handle(image), LO_RIGHT_READ | LO_RIGHT_MAP |
						   LO_RIGHT_INSPECT | LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER) },
			{ LO_STARTUP_LOG, dup_of(lo_log_handle(lo_log), LO_DEFAULT_RIGHTS_LOG) },
			{ LO_STARTUP_ROOT_RESOURCE, dup_of(lo_resource_handle(root), LO_DEFAULT_RIGHTS_RESOURCE) },
		};
		st = start_program("bin/sh", give, 4, &shell);
	}
	if (st != LO_OK)
		return 1;
	lo_handle_close(lo_process_handle(shell));
	/* From here on init answers registry requests, for good. */
	for (;;)
		lo_registry_host_serve(&ns.host, UINT64_MAX);
}

/* The benchmarks: the registries (for lookups) and bin/bench. */
static int run_bench(void)
{
	const uint8_t *tar;
	size_t size;
	status_t st = lo_map_readonly(image, &tar, &size);
	if (st == LO_OK)
		st = namespace_build(&ns, tar, size);
	lo_channel_t bench_root;
	if (st == LO_OK)
		st = namespace_connect_for(&ns, "bench", &bench_root);
	lo_process_t bench;
	if (st == LO_OK) {
		struct lo_give give[4] = {
			{ LO_STARTUP_ROOT_REGISTRY, lo_channel_handle(bench_root) },
			{ LO_STARTUP_IMAGE, dup_of(lo_vmo_handle(image), LO_RIGHT_READ | LO_RIGHT_MAP |
						   LO_RIGHT_INSPECT | LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER) },
			{ LO_STARTUP_LOG, dup_of(lo_log_handle(lo_log), LO_DEFAULT_RIGHTS_LOG) },
			{ LO_STARTUP_ROOT_RESOURCE, dup_of(lo_resource_handle(root), LO_DEFAULT_RIGHTS_RESOURCE) },
		};
		st = start_program("bin/bench", give, 4, &bench);
	}
	if (st != LO_OK)
		return 1;
	for (;;)
		lo_registry_host_serve(&ns.host, UINT64_MAX);
}

int main(void)
{
	root = lo_resource_from(lo_startup_handle(LO_STARTUP_ROOT_RESOURCE));
	image = lo_vmo_from(lo_startup_handle(LO_STARTUP_IMAGE));
	if (has_word(lo_startup_args(), "test")) {
		int ok = run_tests();
		qemu_exit(ok);
		return ok ? 0 : 1;
	}
	if (has_word(lo_startup_args(), "bench"))
		return run_bench();
	return run_system();
}
