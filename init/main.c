/* init: the first process. It holds the bootstrap handles and decides what
 * runs: on the test command line, the user-space test suite; otherwise the
 * system (for now: the message of the day; the shell comes with the
 * registries). */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/spawn.h"
#include "lightos/tar.h"

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
	status_t st = lo_spawn_from_image(image, "bin/utest", "", give, 3, &suite, &why);
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

static void show_motd(void)
{
	const uint8_t *tar;
	size_t size;
	struct lo_tar_entry motd;
	if (lo_map_readonly(image, &tar, &size) == LO_OK &&
	    lo_tar_find(tar, size, "etc/motd", &motd) == LO_OK)
		lo_printf("%.*s", (int)motd.size, (const char *)tar + motd.offset);
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
	lo_printf("init: started; no shell yet\n");
	show_motd();
	return 0;
}
