/* files: the server of init's files: registry: the boot image's files
 * (read-only) and a writable scratch area.
 *
 * It holds the boot image read-only (READ, MAP, INSPECT) and a job that
 * may make VMOs, channels and a port. It copies every file of the image
 * into a VMO of its own, named by its path (bin/, etc/), adds an empty
 * tmp/ where clients bind what they write, and serves the three. Its
 * startup channel takes one message: connections to bin, etc (read-only:
 * list, open, watch) and tmp (also MODIFY and WRITABLE), which init
 * mounts in its files: registry. Who may write in files:/tmp is then the
 * policy's subtree grant on init's side: the rights a program's open
 * passes through the mount are at most its grant's. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/tar.h"
#include "lightos/spawn.h"   /* lo_map_readonly */
#include "lightos/registry_server.h"

#define FILE_RIGHTS (LO_RIGHT_READ | LO_RIGHT_MAP | LO_RIGHT_INSPECT | LO_RIGHT_DUPLICATE | \
		     LO_RIGHT_TRANSFER)
#define READ_ONLY (LO_REGISTRY_RIGHT_ENUMERATE | LO_REGISTRY_RIGHT_OPEN | LO_REGISTRY_RIGHT_WATCH)
#define WRITABLE (READ_ONLY | LO_REGISTRY_RIGHT_MODIFY | LO_REGISTRY_RIGHT_WRITABLE)

static struct lo_registry_host host;
static struct lo_registry *top;   /* bin, etc, tmp */

/* The registry for directory `dir` (a path from the top), made on demand. */
static struct lo_registry *directory(const char *dir, size_t len)
{
	struct lo_registry *reg = top;
	const char *p = dir, *end = dir + len;
	while (p < end) {
		const char *slash = p;
		while (slash < end && *slash != '/')
			slash++;
		char name[LO_REGISTRY_NAME_MAX + 1];
		size_t n = (size_t)(slash - p) < sizeof(name) - 1 ? (size_t)(slash - p) : sizeof(name) - 1;
		lo_memcpy(name, p, n);
		name[n] = '\0';
		if (!lo_registry_lookup(reg, name)) {
			struct lo_registry *child = lo_registry_create(&host, name);
			if (!child)
				return NULL;
			lo_registry_add_registry(&host, reg, name, child);
			lo_registry_release(&host, child);   /* the entry holds it */
		}
		reg = lo_registry_lookup(reg, name);
		if (!reg)
			return NULL;
		p = slash < end ? slash + 1 : end;
	}
	return reg;
}

/* Every file of the boot image, copied into a VMO, named by its path. */
static void add_files(const uint8_t *image, size_t size)
{
	uint64_t cursor = 0;
	struct lo_tar_entry e;
	while (lo_tar_next(image, size, &cursor, &e) == LO_OK) {
		if (e.is_dir)
			continue;
		const char *base = e.name;
		for (const char *c = e.name; *c; c++) {
			if (*c == '/')
				base = c + 1;
		}
		struct lo_registry *dir = directory(e.name, (size_t)(base - e.name) ?
						    (size_t)(base - e.name) - 1 : 0);
		lo_vmo_t v;
		if (!dir || lo_vmo_create(lo_job_self(), e.size, &v) != LO_OK)
			continue;
		lo_vmo_write_all(v, image + e.offset, 0, e.size);
		lo_registry_add(&host, dir, base, lo_vmo_handle(v), FILE_RIGHTS);
	}
}

int main(void)
{
	lo_channel_t parent = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	lo_vmo_t image = lo_vmo_from(lo_startup_handle(LO_STARTUP_IMAGE));
	const uint8_t *tar;
	size_t size;
	status_t st = lo_map_readonly(image, &tar, &size);
	if (st == LO_OK)
		st = lo_registry_host_init(&host);
	if (st == LO_OK && !(top = lo_registry_create(&host, "files")))
		st = LO_ERR_NO_MEMORY;
	if (st != LO_OK) {
		lo_printf("files: cannot start: %s\n", lo_status_name(st));
		return 1;
	}
	add_files(tar, size);
	directory("tmp", 3);
	static const struct {
		const char *name;
		uint32_t rights;
	} served[] = { { "bin", READ_ONLY }, { "etc", READ_ONLY }, { "tmp", WRITABLE } };
	lo_handle_t give[3];
	uint32_t n = 0;
	for (; n < 3; n++) {
		struct lo_registry *reg = lo_registry_lookup(top, served[n].name);
		lo_channel_t c;
		st = reg ? lo_registry_connect_as(&host, reg, served[n].rights, NULL, &c) : LO_ERR_NOT_FOUND;
		if (st != LO_OK)
			break;
		give[n] = lo_channel_handle(c);
	}
	if (st == LO_OK)
		st = lo_channel_write(parent, "files", 5, give, 3);
	if (st != LO_OK) {
		lo_printf("files: cannot hand out its registries: %s\n", lo_status_name(st));
		return 1;
	}
	lo_handle_close(lo_channel_handle(parent));
	for (;;)
		lo_registry_host_serve(&host, UINT64_MAX);
}
