/* sh: the LightOS shell, on the serial console (dev:/console, served by the
 * serial driver with the file protocol). Everything it does goes through
 * the handles it was given: its root namespace, the boot image (to start
 * programs) and the log. Type `help` for the commands. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/registry.h"
#include "lightos/file.h"
#include "lightos/protocols.h"
#include "lightos/spawn.h"
#include "lightos/policy.h"
#include "lightos/audit.h"

#define LINE_MAX    256
#define HISTORY     16
#define MAX_ARGS    8

static lo_channel_t console;
static uint64_t last_background;   /* $!: the last program started with & */

/* A program started with & gets its job as a revocable grant; the shell
 * keeps the revoker for `revoke <pid>` (idl/revoker.idl). */
#define LEASES 16
static struct lease {
	uint64_t pid;
	lo_revoker_t revoker;
} leases[LEASES];

/* Replace *job by a grant of it through a new revoker; 0 if none free. */
static lo_revoker_t lease_job(lo_job_t *job)
{
	lo_revoker_t r = { 0 };
	struct lo_object_info info;
	uint32_t granted = 0;
	for (int i = 0; i < LEASES; i++) {
		if (leases[i].pid)
			continue;
		if (lo_handle_info(lo_job_handle(*job), &info) != LO_OK ||
		    lo_revoker_create(lo_job_self(), &r) != LO_OK)
			return (lo_revoker_t){ 0 };
		if (lo_revoker_grant(r, lo_job_handle(*job), info.rights, &granted) != LO_OK) {
			lo_handle_close(lo_revoker_handle(r));
			return (lo_revoker_t){ 0 };
		}
		lo_handle_close(lo_job_handle(*job));
		job->value = granted;
		return r;
	}
	return r;
}
static char history[HISTORY][LINE_MAX];
static int history_count;

/* --- console --- */

static void out(const char *s, uint32_t n)
{
	while (n) {
		int32_t status;
		uint32_t written = 0;
		uint32_t chunk = n > LO_FILE_DATA_MAX ? LO_FILE_DATA_MAX : n;
		if (lo_file_write(console, s, chunk, &status, &written) != LO_OK || status != LO_OK)
			return;
		s += chunk;
		n -= chunk;
	}
}

static void print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void print(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = lo_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out(buf, n < (int)sizeof(buf) ? (uint32_t)n : sizeof(buf) - 1);
}

/* One byte of input; -1 when the console is gone. */
static int getch(void)
{
	static char buf[64];
	static uint32_t len, pos;
	while (pos == len) {
		int32_t status;
		status_t st = lo_file_read(console, sizeof(buf), &status, buf, sizeof(buf), &len);
		if (st != LO_OK || status != LO_OK) {
			lo_printf("sh: console read: %s / %s\n", lo_status_name(st), lo_status_name(status));
			return -1;
		}
		pos = 0;
	}
	return (unsigned char)buf[pos++];
}

static void replace_line(char *line, uint32_t *len, const char *with)
{
	while (*len) {
		out("\b \b", 3);
		(*len)--;
	}
	uint32_t n = (uint32_t)lo_strlen(with);
	if (n >= LINE_MAX)
		n = LINE_MAX - 1;
	lo_memcpy(line, with, n);
	line[n] = '\0';
	*len = n;
	out(line, n);
}

/* A line with backspace and history (up/down arrows). */
static int read_line(char *line)
{
	uint32_t len = 0;
	int browse = history_count;
	for (;;) {
		int c = getch();
		if (c < 0)
			return -1;
		if (c == '\r' || c == '\n') {
			out("\n", 1);
			line[len] = '\0';
			return (int)len;
		}
		if (c == 0x7f || c == '\b') {
			if (len) {
				len--;
				out("\b \b", 3);
			}
		} else if (c == 0x1b) {
			if (getch() != '[')
				continue;
			int dir = getch();
			if (dir == 'A' && browse > 0 && history_count - browse < HISTORY)
				replace_line(line, &len, history[--browse % HISTORY]);
			else if (dir == 'B' && browse < history_count) {
				browse++;
				replace_line(line, &len, browse < history_count ? history[browse % HISTORY] : "");
			}
		} else if (c >= ' ' && c < 0x7f && len < LINE_MAX - 1) {
			line[len++] = (char)c;
			char ch = (char)c;
			out(&ch, 1);
		}
	}
}

/* --- helpers --- */

/* Rights by name (generated from the IDL): generic and the type's own. */
/* Room for every right's name: 32 bits of names up to 16 characters. */
#define RIGHTS_TEXT_MAX 560

static void rights_text(uint32_t type, uint32_t r, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < 32; i++) {
		if (!(r & (1u << i)))
			continue;
		const char *name = lo_right_name(type, 1u << i);
		if (name)
			n += (size_t)lo_snprintf(buf + n, size > n ? size - n : 0, "%s%s", n ? "," : "", name);
		else
			n += (size_t)lo_snprintf(buf + n, size > n ? size - n : 0, "%sbit%u", n ? "," : "", i);
	}
}

static int fail(const char *what, status_t st)
{
	print("%s: %s\n", what, lo_status_name(st));
	return 1;
}

/* What a drivers: entry says of its driver (idl/driver.idl): each open is
 * a session answering `info`. Not a driver: WRONG_TYPE. */
struct driver_desc {
	uint64_t pid;
	uint32_t state;
	char name[32], devices[64];
};

static status_t driver_describe(const char *path, struct driver_desc *d)
{
	lo_handle_t h;
	status_t st = lo_resolve_name(path, LO_RIGHT_READ | LO_RIGHT_INSPECT, &h);
	if (st != LO_OK)
		return st;
	struct lo_object_info info;
	int32_t status = LO_OK;
	uint32_t name_len = 0, devices_len = 0;
	st = lo_handle_info(h, &info);
	if (st == LO_OK && info.type != LO_TYPE_CHANNEL)
		st = LO_ERR_WRONG_TYPE;
	if (st == LO_OK)
		st = lo_driver_info(lo_channel_from(h), &status, &d->pid, &d->state, d->name,
				    sizeof(d->name) - 1, &name_len, d->devices, sizeof(d->devices) - 1,
				    &devices_len);
	lo_handle_close(h);
	if (st == LO_OK && status != LO_OK)
		st = status == LO_ERR_NOT_SUPPORTED ? LO_ERR_WRONG_TYPE : status;
	d->name[st == LO_OK ? name_len : 0] = '\0';
	d->devices[st == LO_OK ? devices_len : 0] = '\0';
	return st;
}

/* A connection to the registry that holds the last component of
 * "<registry>:<path>" (*path: that component): edits go there, with the
 * rights this shell has in that registry. */
static status_t open_parent(const char *name, lo_channel_t *reg, const char **path)
{
	return lo_resolve_parent(name, reg, path);
}

/* The registry `path` names in reg, reached with lo_resolve_path, which follows
 * links and crosses into registries other servers serve (files:/disk is a
 * link to the file-system server's disk:). */
static status_t open_dir(lo_channel_t reg, const char *path, lo_channel_t *out)
{
	lo_handle_t h;
	struct lo_object_info info;
	status_t st = lo_resolve_path(reg, path, LO_DEFAULT_RIGHTS_CHANNEL, &h);
	if (st != LO_OK)
		return st;
	if (lo_handle_info(h, &info) != LO_OK || info.type != LO_TYPE_CHANNEL) {
		lo_handle_close(h);
		return LO_ERR_NOT_A_REGISTRY;
	}
	*out = lo_channel_from(h);
	return LO_OK;
}

/* When reg's server says NOT_A_REGISTRY for `path`, its directory may lie
 * behind a link to another server: continue in the registry that holds the
 * last name. Replaces *reg and *path on success. */
static status_t cross_to_parent(lo_channel_t *reg, const char **path)
{
	const char *slash = NULL;
	for (const char *p = *path; *p; p++)
		if (*p == '/')
			slash = p;
	if (!slash || slash == *path || (size_t)(slash - *path) > LO_REGISTRY_PATH_MAX)
		return LO_ERR_NOT_A_REGISTRY;
	char dir[LO_REGISTRY_PATH_MAX + 1];
	lo_memcpy(dir, *path, (size_t)(slash - *path));
	dir[slash - *path] = '\0';
	lo_channel_t sub;
	status_t st = open_dir(*reg, dir, &sub);
	if (st != LO_OK)
		return st;
	lo_handle_close(lo_channel_handle(*reg));
	*reg = sub;
	*path = slash + 1;
	return LO_OK;
}

/* Entry `index` of the registry at `path` in reg: its NUL-terminated name,
 * kind and rights. LO_ERR_NOT_FOUND past the last. */
static status_t entry_at(lo_channel_t reg, const char *path, uint32_t index,
			 char name[LO_REGISTRY_NAME_MAX + 1],
			 uint32_t *kind, uint32_t *rights)
{
	int32_t status;
	uint32_t len = 0;
	status_t st = lo_registry_list(reg, path, (uint32_t)lo_strlen(path), index, &status, kind, rights,
				       name, LO_REGISTRY_NAME_MAX, &len);
	name[len < LO_REGISTRY_NAME_MAX ? len : LO_REGISTRY_NAME_MAX] = '\0';
	return st == LO_OK ? status : st;
}

/* --- commands --- */

static int cmd_help(int argc, char **argv);
static int cmd_edit(int argc, char **argv);

static int cmd_ls(int argc, char **argv)
{
	if (argc < 2) {
		/* The registries this shell can name at all. */
		uint32_t kind, rights;
		char name[LO_REGISTRY_NAME_MAX + 1];
		for (uint32_t i = 0; entry_at(lo_root_registry(), "", i, name, &kind, &rights) == LO_OK; i++)
			print("%s:\n", name);
		return 0;
	}
	lo_channel_t reg;
	const char *path;
	status_t st = open_parent(argv[1], &reg, &path);
	if (st != LO_OK)
		return fail(argv[1], st);
	{
		uint32_t kind, rights;
		char name[64];
		lo_channel_t sub;
		if (entry_at(reg, path, 0, name, &kind, &rights) == LO_ERR_NOT_A_REGISTRY &&
		    open_dir(reg, path, &sub) == LO_OK) {
			lo_handle_close(lo_channel_handle(reg));
			reg = sub;
			path = "";
		}
	}
	for (uint32_t i = 0;; i++) {
		uint32_t kind, rights;
		char name[LO_REGISTRY_NAME_MAX + 1];
		st = entry_at(reg, path, i, name, &kind, &rights);
		if (st == LO_ERR_NOT_FOUND && i == 0 && *path) {
			/* Empty, or not there at all: list says NOT_FOUND for both. */
			lo_channel_t sub;
			st = open_dir(reg, path, &sub);
			if (st == LO_OK)
				lo_handle_close(lo_channel_handle(sub));
			else
				fail(argv[1], st);
			break;
		}
		if (st != LO_OK) {
			if (st != LO_ERR_NOT_FOUND)
				fail(argv[1], st);
			break;
		}
		char r[RIGHTS_TEXT_MAX];
		r[0] = '\0';
		if (kind == LO_ENTRY_OBJECT)   /* a registry's are connection rights */
			rights_text(0, rights, r, sizeof(r));
		print("  %-20s %s%s\n", name,
		      kind == LO_ENTRY_REGISTRY ? "registry/" : kind == LO_ENTRY_LINK ? "link" : "", r);
	}
	lo_handle_close(lo_channel_handle(reg));
	return 0;
}

static int cmd_cat(int argc, char **argv)
{
	if (argc < 2)
		return fail("usage: cat <registry>:<path>", LO_ERR_INVALID_ARGS);
	struct lo_file f;
	status_t st = lo_fopen(argv[1], LO_FOPEN_READ, &f);
	if (st != LO_OK)
		return fail(argv[1], st);
	static char buf[LO_FILE_DATA_MAX];
	int64_t n;
	while ((n = lo_fread(&f, buf, sizeof(buf))) > 0)
		out(buf, (uint32_t)n);
	st = lo_fclose(&f);
	if (n < 0)
		st = (status_t)n;
	return st == LO_OK ? 0 : fail(argv[1], st);
}

/* Write all of buf to f. */
static status_t write_all(struct lo_file *f, const char *buf, uint64_t n)
{
	while (n > 0) {
		int64_t put = lo_fwrite(f, buf, n > LO_FILE_DATA_MAX ? LO_FILE_DATA_MAX : (uint32_t)n);
		if (put <= 0)
			return put < 0 ? (status_t)put : LO_ERR_IO;
		buf += put;
		n -= (uint64_t)put;
	}
	return LO_OK;
}

static int cmd_write(int argc, char **argv)
{
	if (argc < 3)
		return fail("usage: write <registry>:<path> <text>", LO_ERR_INVALID_ARGS);
	char text[LINE_MAX];
	size_t n = 0;
	for (int i = 2; i < argc; i++)
		n += (size_t)lo_snprintf(text + n, sizeof(text) - n, "%s%s", i > 2 ? " " : "", argv[i]);
	if (n < sizeof(text) - 1)
		text[n++] = '\n';
	struct lo_file f;
	status_t st = lo_fopen(argv[1], LO_FOPEN_WRITE | LO_FOPEN_CREATE, &f);
	if (st != LO_OK)
		return fail(argv[1], st);
	/* A file holds just the text; a device cannot be cut (NOT_SUPPORTED). */
	st = lo_ftruncate(&f, 0);
	if (st == LO_ERR_NOT_SUPPORTED)
		st = LO_OK;
	if (st == LO_OK)
		st = write_all(&f, text, n);
	status_t closed = lo_fclose(&f);   /* a disk file is synced here */
	if (st == LO_OK)
		st = closed;
	return st == LO_OK ? 0 : fail(argv[1], st);
}

/* cp: the source's bytes into the destination, made or emptied first.
 * mv: an atomic rename when one server holds both names, else cp and then
 * remove the source. */
static int cmd_copy(int argc, char **argv)
{
	int move = !lo_strcmp(argv[0], "mv");
	if (argc < 3)
		return fail(move ? "usage: mv <reg>:<path> <reg>:<path>" : "usage: cp <reg>:<path> <reg>:<path>",
			    LO_ERR_INVALID_ARGS);
	status_t st;
	if (move && (st = lo_rename(argv[1], argv[2])) != LO_ERR_NOT_SUPPORTED)
		return st == LO_OK ? 0 : fail(argv[1], st);
	struct lo_file from, to;
	if ((st = lo_fopen(argv[1], LO_FOPEN_READ, &from)) != LO_OK)
		return fail(argv[1], st);
	if ((st = lo_fopen(argv[2], LO_FOPEN_WRITE | LO_FOPEN_CREATE | LO_FOPEN_TRUNCATE, &to)) != LO_OK) {
		lo_fclose(&from);
		return fail(argv[2], st);
	}
	static char buf[LO_FILE_DATA_MAX];
	int64_t n;
	while (st == LO_OK && (n = lo_fread(&from, buf, sizeof(buf))) != 0)
		st = n < 0 ? (status_t)n : write_all(&to, buf, (uint64_t)n);
	lo_fclose(&from);
	status_t closed = lo_fclose(&to);
	if (st == LO_OK)
		st = closed;
	if (st != LO_OK)
		return fail(argv[2], st);
	if (move) {
		char *unbind[2] = { "unbind", argv[1] };
		return cmd_edit(2, unbind);
	}
	return 0;
}

/* Under each process: its threads, their states and CPUs. */
static void print_threads(lo_process_t p)
{
	static const char *const states[] = { "new", "ready", "running", "blocked", "dead" };
	struct lo_thread_entry e[16];
	uint32_t start = 0, actual, next;
	do {
		if (lo_thread_list(p, e, 16, start, &actual, &next) != LO_OK)
			return;
		for (uint32_t i = 0; i < actual; i++)
			print("         thread %-6lu %-16.32s %-8s cpu %u\n", e[i].object_id, e[i].name,
			      e[i].state <= LO_THREAD_DEAD ? states[e[i].state] : "?", e[i].cpu);
		start = next;
	} while (next);
}

static int cmd_ps(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	lo_channel_t proc;
	status_t st = lo_connect_registry("proc", &proc);
	if (st != LO_OK)
		return fail("proc", st);
	print("  %-6s %-12s %-8s %s\n", "pid", "name", "state", "threads");
	uint32_t kind, rights;
	char name[LO_REGISTRY_NAME_MAX + 1];
	for (uint32_t i = 0; entry_at(proc, "", i, name, &kind, &rights) == LO_OK; i++) {
		lo_handle_t h;
		struct lo_process_info info;
		if (lo_resolve_path(proc, name, LO_RIGHT_INSPECT, &h) != LO_OK)
			continue;
		if (lo_process_info(lo_process_from(h), &info) == LO_OK)
			print("  %-6s %-12.32s %-8s %u\n", name, info.name,
			      info.state == LO_PROCESS_ENDED ? "ended" : "running", info.thread_count);
		print_threads(lo_process_from(h));
		lo_handle_close(h);
	}
	lo_handle_close(lo_channel_handle(proc));
	return 0;
}

static int cmd_handles(int argc, char **argv)
{
	lo_process_t p = lo_self;
	lo_handle_t opened = LO_HANDLE_INVALID;
	if (argc > 1) {
		char name[80];
		lo_snprintf(name, sizeof(name), "proc:%s", argv[1]);
		status_t st = lo_resolve_name(name, LO_RIGHT_INSPECT, &opened);
		if (st != LO_OK)
			return fail(name, st);
		p = lo_process_from(opened);
	}
	print("  %-10s %-9s %-8s %-5s %s\n", "handle", "type", "object", "refs", "rights");
	uint32_t start = 0, actual, next;
	struct lo_handle_entry e[16];
	do {
		if (lo_process_list_handles(p, e, 16, start, &actual, &next) != LO_OK)
			break;
		for (uint32_t i = 0; i < actual; i++) {
			char r[RIGHTS_TEXT_MAX];
			rights_text(e[i].type, e[i].rights, r, sizeof(r));
			print("  %08x   %-9s %-8lu %-5u %s%s\n", e[i].handle, lo_type_name(e[i].type),
			      e[i].object_id, e[i].refcount, r,
			      e[i].flags & LO_HANDLE_REVOKED ? " (revoked)" :
			      e[i].flags & LO_HANDLE_REVOCABLE ? " (revocable)" : "");
		}
		start = next;
	} while (next);
	if (opened.value)
		lo_handle_close(opened);
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	if (argc < 2)
		return fail("usage: info <registry>:<path>", LO_ERR_INVALID_ARGS);
	lo_handle_t h;
	status_t st = lo_resolve_name(argv[1], LO_RIGHT_INSPECT, &h);
	if (st != LO_OK)
		return fail(argv[1], st);
	struct lo_object_info info;
	struct lo_thread_info ti;
	st = lo_handle_info(h, &info);
	int thread = st == LO_OK && info.type == LO_TYPE_THREAD &&
		     lo_thread_info(lo_thread_from(h), &ti) == LO_OK;
	lo_handle_close(h);
	if (st != LO_OK)
		return fail(argv[1], st);
	print("  type %s, object %lu, handles %u, references %u, signals 0x%x\n",
	      lo_type_name(info.type), info.id, info.handle_count, info.refcount, info.signals);
	if (thread)
		print("  thread state %u, cpu %u\n", ti.state, ti.cpu);
	/* A driver: what the driver protocol says of it. */
	struct driver_desc d;
	if (info.type == LO_TYPE_CHANNEL && !lo_strncmp(argv[1], "drivers:", 8) &&
	    driver_describe(argv[1], &d) == LO_OK) {
		print("  driver %s, process %lu, %s, devices: %s\n", d.name, d.pid,
		      d.state == LO_DRIVER_ENDED ? "ended" : "running", d.devices[0] ? d.devices : "none");
		return 0;
	}
	/* Files and devices: what the file protocol says of them. */
	struct lo_file f;
	uint64_t size;
	uint32_t kind;
	static const char *const kinds[] = { "?", "file", "directory", "device" };
	if ((info.type == LO_TYPE_CHANNEL || info.type == LO_TYPE_VMO) &&
	    lo_fopen(argv[1], LO_FOPEN_READ, &f) == LO_OK) {
		int32_t status = LO_OK;
		kind = 1;   /* a VMO read in place is a file */
		st = f.session.value ? lo_file_stat(f.session, &status, &size, &kind) : lo_fsize(&f, &size);
		if (st == LO_OK && status == LO_OK)
			print("  %s, %lu bytes%s\n", kinds[kind < 4 ? kind : 0], size,
			      f.session.value ? ", a session of its own" : "");
		lo_fclose(&f);
	}
	return 0;
}

static int cmd_sysvar(int argc, char **argv)
{
	if (argc < 3 || (lo_strcmp(argv[1], "get") && lo_strcmp(argv[1], "set")) ||
	    (!lo_strcmp(argv[1], "set") && argc < 4))
		return fail("usage: sysvar get <path> | sysvar set <path> <value>", LO_ERR_INVALID_ARGS);
	char name[80];
	lo_snprintf(name, sizeof(name), "sysvar:%s", argv[2]);
	int set = !lo_strcmp(argv[1], "set");
	lo_handle_t h;
	status_t st = lo_resolve_name(name, set ? LO_RIGHT_WRITE : LO_RIGHT_READ, &h);
	if (st != LO_OK)
		return fail(name, st);
	lo_sysvar_t v = lo_sysvar_from(h);
	char buf[LO_SYSVAR_STRING_MAX + 1];
	uint32_t len = 0;
	uint64_t num = 0;
	if (set) {
		st = lo_sysvar_set_string(v, argv[3], (uint32_t)lo_strlen(argv[3]));
		if (st == LO_ERR_WRONG_TYPE) {
			for (const char *c = argv[3]; *c >= '0' && *c <= '9'; c++)
				num = num * 10 + (uint64_t)(*c - '0');
			st = lo_sysvar_set_u64(v, num);
		}
	} else {
		st = lo_sysvar_get_string(v, buf, sizeof(buf) - 1, &len);
		if (st == LO_OK)
			print("%.*s\n", (int)len, buf);
		else if (st == LO_ERR_WRONG_TYPE && (st = lo_sysvar_get_u64(v, &num)) == LO_OK)
			print("%lu\n", num);
	}
	lo_handle_close(h);
	return st == LO_OK ? 0 : fail(name, st);
}

/* mkreg / link / bind / unbind: edit a registry. */
static int cmd_edit(int argc, char **argv)
{
	const char *cmd = argv[0];
	if (!lo_strcmp(cmd, "mkdir"))
		cmd = "mkreg";     /* a directory is a registry */
	else if (!lo_strcmp(cmd, "rm"))
		cmd = "unbind";
	int need = !lo_strcmp(cmd, "mkreg") || !lo_strcmp(cmd, "unbind") ? 2 : 3;
	if (argc < need)
		return fail("usage: mkreg|unbind <reg>:<path>, link|bind|mount <reg>:<path> <target>",
			    LO_ERR_INVALID_ARGS);
	lo_channel_t reg;
	const char *path;
	status_t st = open_parent(argv[1], &reg, &path);
	if (st != LO_OK)
		return fail(argv[1], st);
	int32_t status = LO_OK;
	/* Where the name's directory is another server's registry, work there. */
	if (!lo_strcmp(cmd, "mkreg") || !lo_strcmp(cmd, "unbind")) {
		st = !lo_strcmp(cmd, "mkreg") ? lo_registry_make_registry(reg, path, (uint32_t)lo_strlen(path), &status)
					      : lo_registry_unbind(reg, path, (uint32_t)lo_strlen(path), &status);
		if (st != LO_OK || status != LO_ERR_NOT_A_REGISTRY || cross_to_parent(&reg, &path) != LO_OK) {
			lo_handle_close(lo_channel_handle(reg));
			if (st == LO_OK)
				st = status;
			return st == LO_OK ? 0 : fail(argv[1], st);
		}
	}
	uint32_t plen = (uint32_t)lo_strlen(path);
	if (!lo_strcmp(cmd, "mkreg")) {
		st = lo_registry_make_registry(reg, path, plen, &status);
	} else if (!lo_strcmp(cmd, "unbind")) {
		st = lo_registry_unbind(reg, path, plen, &status);
	} else if (!lo_strcmp(cmd, "link")) {
		st = lo_registry_link(reg, path, plen, argv[2], (uint32_t)lo_strlen(argv[2]), &status);
	} else if (!lo_strcmp(cmd, "mount")) {
		/* A registry another process may serve (proc: is procd's),
		 * named here from now on: the entry holds a connection to it. */
		lo_handle_t h;
		struct lo_object_info info;
		st = lo_resolve_name(argv[2], LO_DEFAULT_RIGHTS_CHANNEL, &h);
		if (st == LO_OK && (lo_handle_info(h, &info) != LO_OK || info.type != LO_TYPE_CHANNEL)) {
			lo_handle_close(h);
			st = LO_ERR_NOT_A_REGISTRY;
		}
		if (st == LO_OK)
			st = lo_registry_mount(reg, path, plen, h, &status);
		if (st != LO_OK) {
			lo_handle_close(lo_channel_handle(reg));
			return fail(argv[2], st);
		}
	} else {
		/* bind: the object another name resolves to, under a new name. */
		lo_handle_t h;
		st = lo_resolve_name(argv[2], LO_RIGHTS_ALL, &h);
		if (st == LO_OK)
			st = lo_registry_bind(reg, path, plen, LO_RIGHTS_ALL, h, &status);
	}
	lo_handle_close(lo_channel_handle(reg));
	if (st == LO_OK)
		st = status;
	return st == LO_OK ? 0 : fail(argv[1], st);
}

static int cmd_spawn(int argc, char **argv)
{
	/* A last argument "&": start it in the background ($! is its pid). */
	bool background = argc > 1 && !lo_strcmp(argv[argc - 1], "&");
	if (background)
		argc--;
	if (argc < 2)
		return fail("usage: spawn <program> [args] [&]", LO_ERR_INVALID_ARGS);
	char path[80], args[LO_STARTUP_MAX_ARGS];
	lo_snprintf(path, sizeof(path), "bin/%s", argv[1]);
	size_t n = 0;
	args[0] = '\0';
	for (int i = 2; i < argc; i++)
		n += (size_t)lo_snprintf(args + n, sizeof(args) - n, "%s%s", i > 2 ? " " : "", argv[i]);
	lo_vmo_t image = lo_vmo_from(lo_startup_handle(LO_STARTUP_IMAGE));
	struct lo_give give[2];
	uint32_t ngive = 0, log = 0;
	if (lo_handle_duplicate(lo_log_handle(lo_log), LO_DEFAULT_RIGHTS_LOG, &log) == LO_OK) {
		give[0].kind = LO_STARTUP_LOG;
		give[0].handle.value = log;
		ngive = 1;
	}
	/* Every command runs in a job of its own below ours, with half of what
	 * we have left: it dies with its processes. */
	lo_job_t job;
	status_t jst = lo_job_create_share(lo_job_self(), 50, &job);
	if (jst != LO_OK) {
		if (log)
			lo_handle_close((lo_handle_t){ log });
		return fail("spawn: cannot make a job", jst);
	}
	lo_revoker_t lease = background ? lease_job(&job) : (lo_revoker_t){ 0 };
	give[ngive].kind = LO_STARTUP_JOB;
	give[ngive++].handle = lo_job_handle(job);
	lo_process_t p;
	const char *why = NULL;
	status_t st = lo_spawn_from_image(image, path, args, give, ngive, &p, &why);
	if (st != LO_OK) {
		print("spawn %s: %s%s%s\n", argv[1], lo_status_name(st), why ? ": " : "", why ? why : "");
		if (lease.value)
			lo_handle_close(lo_revoker_handle(lease));
		return 1;
	}
	struct lo_object_info info;
	lo_handle_info(lo_process_handle(p), &info);
	print("started %s as process %lu\n", argv[1], info.id);
	if (background) {
		last_background = info.id;
		for (int i = 0; lease.value && i < LEASES; i++) {
			if (!leases[i].pid) {
				leases[i] = (struct lease){ info.id, lease };
				break;
			}
		}
		lo_handle_close(lo_process_handle(p));
		return 0;
	}
	/* Wait for it, so its output comes before the next prompt. */
	uint32_t observed;
	lo_handle_wait_one(lo_process_handle(p), LO_SIG_PROCESS_TERMINATED, lo_deadline_after_ms(5000),
			   &observed);
	struct lo_process_info pinfo;
	if (lo_process_info(p, &pinfo) == LO_OK && pinfo.state == LO_PROCESS_ENDED)
		print("process %lu ended: %s, code %ld\n", info.id,
		      pinfo.exit_reason == LO_EXIT_NORMAL ? "exit" : pinfo.exit_reason == LO_EXIT_FAULT ? "fault" : "killed",
		      pinfo.exit_code);
	lo_handle_close(lo_process_handle(p));
	return 0;
}

/* revoke <pid>: take back the job a background program was given. Its
 * next creation answers REVOKED; reports how it ends (within 2 s). */
static int cmd_revoke(int argc, char **argv)
{
	if (argc < 2)
		return fail("usage: revoke <pid>", LO_ERR_INVALID_ARGS);
	uint64_t pid = 0;
	for (const char *c = argv[1]; *c >= '0' && *c <= '9'; c++)
		pid = pid * 10 + (uint64_t)(*c - '0');
	int i = 0;
	while (i < LEASES && (!pid || leases[i].pid != pid))
		i++;
	if (i == LEASES)
		return fail(argv[1], LO_ERR_NOT_FOUND);
	char name[40];
	lo_handle_t h = LO_HANDLE_INVALID;
	lo_snprintf(name, sizeof(name), "proc:%lu", pid);
	lo_resolve_name(name, LO_RIGHT_WAIT | LO_RIGHT_INSPECT, &h);
	lo_revoker_revoke(leases[i].revoker);
	lo_handle_close(lo_revoker_handle(leases[i].revoker));
	leases[i].pid = 0;
	print("revoked the job of process %lu\n", pid);
	struct lo_process_info info;
	uint32_t observed;
	if (h.value && lo_handle_wait_one(h, LO_SIG_PROCESS_TERMINATED, lo_deadline_after_ms(2000),
					  &observed) == LO_OK &&
	    lo_process_info(lo_process_from(h), &info) == LO_OK)
		print("process %lu ended: code %ld (%s)\n", pid, info.exit_code,
		      lo_status_name((status_t)info.exit_code));
	lo_handle_close(h);
	return 0;
}

static int cmd_kill(int argc, char **argv)
{
	if (argc < 2)
		return fail("usage: kill <pid>", LO_ERR_INVALID_ARGS);
	char name[80];
	lo_handle_t h;
	status_t st = LO_OK;
	lo_snprintf(name, sizeof(name), "proc:%s", argv[1]);
	if (argv[1][0] < '0' || argv[1][0] > '9') {
		/* A driver (drivers:/fatfs): its pid, from the driver
		 * protocol; then proc: decides, as for a pid typed. */
		struct driver_desc d;
		if ((st = driver_describe(argv[1], &d)) != LO_OK)
			return fail(argv[1], st);
		lo_snprintf(name, sizeof(name), "proc:%lu", d.pid);
	}
	st = lo_resolve_name(name, LO_RIGHT_DESTROY | LO_RIGHT_WAIT, &h);
	if (st != LO_OK)
		return fail(name, st);
	st = lo_process_kill(lo_process_from(h));
	/* Until it has ended (at most 5 s): then proc: no longer names it. */
	uint32_t observed;
	if (st == LO_OK)
		st = lo_handle_wait_one(h, LO_SIG_PROCESS_TERMINATED, lo_deadline_after_ms(5000), &observed);
	lo_handle_close(h);
	return st == LO_OK ? 0 : fail(name, st);
}

/* A registry host's ring of refused requests, asked over `reg`. */
static void registry_denials_of(const char *host, lo_channel_t reg)
{
	static const char *const names[] = { "", "open", "list", "bind", "unbind", "link",
					     "watch", "make_registry", "mount", "denial" };
	uint32_t i = 0, total = 0;
	for (;; i++) {
		int32_t status;
		uint32_t ordinal, missing, client, all;
		status_t st = lo_registry_denial(reg, i, &status, &ordinal, &missing, &client, &all);
		if (st != LO_OK || status != LO_OK)
			break;
		total = all;   /* a refused index answers no total */
		print("  registry %-13s client %-4u lacked 0x%x\n",
		      ordinal < sizeof(names) / sizeof(names[0]) ? names[ordinal] : "?", client, missing);
	}
	lo_handle_close(lo_channel_handle(reg));
	print("  %u registry denials (%u kept) in %s\n", total, i, host);
}

/* The rings of init's registries and of the file server's (files:/etc). */
static int registry_denials(void)
{
	lo_channel_t reg;
	lo_handle_t h;
	status_t st = lo_connect_registry("files", &reg);
	if (st != LO_OK)
		return fail("registry denials", st);
	registry_denials_of("init", reg);
	st = lo_resolve_name("files:/etc", LO_DEFAULT_RIGHTS_CHANNEL, &h);
	if (st != LO_OK)
		return fail("files:/etc", st);
	registry_denials_of("files", lo_channel_from(h));
	return 0;
}

static int audit_denials(void)
{
	lo_resource_t root = lo_resource_from(lo_startup_handle(LO_STARTUP_ROOT_RESOURCE));
	struct lo_denial d[16];
	uint32_t actual = 0;
	uint64_t start = 0, next = 0;
	int shown = 0;
	print("  %-6s %-8s %-14s %-8s %-9s %-10s %s\n", "index", "process", "program", "syscall",
	      "handle", "missing", "held");
	do {
		status_t st = lo_resource_denials(root, d, 16, start, &actual, &next);
		if (st != LO_OK)
			return fail("audit denials", st);
		for (uint32_t i = 0; i < actual; i++, shown++)
			print("  %-6lu %-8lu %-14.63s %-8u %08x  0x%08x 0x%08x\n", d[i].index,
			      d[i].process_id, d[i].program[0] ? d[i].program : "(raw bytes)",
			      d[i].syscall, d[i].handle, d[i].missing, d[i].held);
		start = next;
	} while (actual);
	print("  %d denials\n", shown);
	return registry_denials();
}

/* One process for the live audit: its identity, then each handle against
 * its program's policy (lo_audit_handle). Prints what differs. */
static int audit_process(const char *pid, lo_process_t p, const uint8_t *tar, size_t tar_size,
			 int *checked)
{
	struct lo_process_identity id;
	struct lo_process_info info;
	if (lo_process_identity(p, &id) != LO_OK || lo_process_info(p, &info) != LO_OK)
		return 0;
	char program[LO_IDENTITY_PATH_MAX], hex[2 * LO_SHA256_BYTES + 1] = "";
	lo_program_of(p, program, sizeof(program));
	const char *verdict = lo_audit_identity(&id, tar, tar_size);
	if (id.attested_by == LO_IDENTITY_PROCESS)
		lo_sha256_hex(id.sha256, hex);
	hex[8] = 0;
	char by[LO_IDENTITY_PATH_MAX] = "-";
	if (id.attested_by == LO_IDENTITY_KERNEL)
		lo_memcpy(by, "kernel", 7);
	else if (id.attested_by == LO_IDENTITY_PROCESS && !lo_strcmp(id.attester_path, "(boot module)"))
		lo_memcpy(by, "init", 5);
	else if (id.attested_by == LO_IDENTITY_PROCESS)
		lo_program_of_path(id.attester_path, by, sizeof(by));
	print("  %-5s %-14.32s %-12.32s %-10s %-8s %s\n", pid, id.path[0] ? id.path : "(raw bytes)",
	      program, by, hex, verdict);
	int differences = lo_strcmp(verdict, "ok") != 0;
	const struct lo_policy_program *pol = lo_policy_for(program);
	uint32_t start = 0, actual, next;
	struct lo_handle_entry e[16];
	do {
		if (lo_process_list_handles(p, e, 16, start, &actual, &next) != LO_OK)
			break;
		for (uint32_t k = 0; k < actual; k++) {
			const char *v = lo_audit_handle(pol, e[k].type, e[k].rights);
			(*checked)++;
			if (lo_strcmp(v, "ok")) {
				char r[RIGHTS_TEXT_MAX];
				rights_text(e[k].type, e[k].rights, r, sizeof(r));
				differences++;
				print("        %s (%s): %-9s %-40s %s\n", program, info.name,
				      lo_type_name(e[k].type), r, v);
			}
		}
		start = next;
	} while (next);
	return differences;
}

/* The live audit: every running process's identity, against the boot
 * image, and its handles (jobs' creation rights included) against the
 * policy of the program it runs. */
static int cmd_audit(int argc, char **argv)
{
	if (argc > 1 && !lo_strcmp(argv[1], "denials"))
		return audit_denials();
	lo_channel_t proc;
	status_t st = lo_connect_registry("proc", &proc);
	if (st != LO_OK)
		return fail("proc", st);
	static const uint8_t *tar;
	static size_t tar_size;
	if (!tar && lo_map_readonly(lo_vmo_from(lo_startup_handle(LO_STARTUP_IMAGE)), &tar,
				    &tar_size) != LO_OK)
		tar = NULL;
	int differences = 0, checked = 0, processes = 0;
	uint32_t kind, rights;
	char name[LO_REGISTRY_NAME_MAX + 1];
	print("  %-5s %-14s %-12s %-10s %-8s %s\n", "pid", "binary", "program", "attested",
	      "sha256", "identity");
	for (uint32_t i = 0; entry_at(proc, "", i, name, &kind, &rights) == LO_OK; i++) {
		lo_handle_t h;
		struct lo_process_info info;
		if (lo_resolve_path(proc, name, LO_RIGHT_INSPECT, &h) != LO_OK)
			continue;
		if (lo_process_info(lo_process_from(h), &info) == LO_OK && info.state == LO_PROCESS_RUNNING) {
			processes++;
			differences += audit_process(name, lo_process_from(h), tar, tar_size, &checked);
		}
		lo_handle_close(h);
	}
	lo_handle_close(lo_channel_handle(proc));
	print("  %d processes, %d handles checked, %d differences from the policy\n", processes,
	      checked, differences);
	return 0;
}

static void run_line(char *raw);

/* The names in registry `reg` now (at most 64). */
struct names {
	uint32_t n;
	char name[64][LO_REGISTRY_NAME_MAX + 1];
};

static void list_names(lo_channel_t reg, struct names *out)
{
	uint32_t kind, rights;
	out->n = 0;
	while (out->n < 64 && entry_at(reg, "", out->n, out->name[out->n], &kind, &rights) == LO_OK)
		out->n++;
}

static int has_name(const struct names *l, const char *name)
{
	for (uint32_t i = 0; i < l->n; i++) {
		if (!lo_strcmp(l->name[i], name))
			return 1;
	}
	return 0;
}

/* Run argv[0..argc) as a command line of its own. */
static void run_words(int argc, char **argv)
{
	char line[LINE_MAX];
	size_t n = 0;
	line[0] = '\0';
	for (int i = 0; i < argc; i++)
		n += (size_t)lo_snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "", argv[i]);
	run_line(line);
}

/* An eventhook source (event:<source>): subscribe with a channel, run the
 * command, then print `count` events as they come (5 s at most each). */
static int watch_events(const char *name, uint32_t count, int argc, char **argv)
{
	lo_handle_t h;
	status_t st = lo_resolve_name(name, LO_RIGHT_READ | LO_RIGHT_WAIT, &h);
	if (st != LO_OK)
		return fail(name, st);
	lo_channel_t session = lo_channel_from(h), mine, theirs;
	int32_t status = LO_OK;
	st = lo_channel_create(lo_job_self(), &mine, &theirs);
	if (st == LO_OK) {
		st = lo_eventhook_subscribe(session, lo_channel_handle(theirs), &status);
		if (st == LO_OK)
			st = status;
		if (st != LO_OK)
			lo_handle_close(lo_channel_handle(mine));
	}
	lo_handle_close(h);
	if (st != LO_OK)
		return fail(name, st);
	if (argc)
		run_words(argc, argv);
	for (uint32_t i = 0; i < count; i++) {
		struct lo_hook_event ev;
		struct lo_channel_read_result got;
		uint32_t observed;
		st = lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE, lo_deadline_after_ms(5000),
					&observed);
		if (st == LO_OK)
			st = lo_channel_read(mine, &ev, sizeof(ev), NULL, 0, &got);
		if (st != LO_OK) {
			fail(name, st);
			break;
		}
		ev.text[sizeof(ev.text) - 1] = '\0';
		const char *what = ev.kind == LO_HOOK_PROCESS_STARTED ? "process started" :
				   ev.kind == LO_HOOK_PROCESS_EXITED ? "process exited" : "event";
		print("  %s %lu job %lu code %ld %s", what, ev.id, ev.owner, ev.code, ev.text);
		if (ev.dropped)
			print(" (%u lost before it)", ev.dropped);
		print("\n");
	}
	lo_handle_close(lo_channel_handle(mine));
	return st == LO_OK ? 0 : 1;
}

/* A registry: its watch event, then after the command `count` changes,
 * each shown as the names that came (+) and went (-). */
static int watch_registry(const char *name, uint32_t count, int argc, char **argv)
{
	lo_handle_t h;
	struct lo_object_info info;
	status_t st = lo_resolve_name(name, LO_DEFAULT_RIGHTS_CHANNEL, &h);
	if (st != LO_OK)
		return fail(name, st);
	if (lo_handle_info(h, &info) != LO_OK || info.type != LO_TYPE_CHANNEL) {
		lo_handle_close(h);
		return fail(name, LO_ERR_NOT_A_REGISTRY);
	}
	lo_channel_t reg = lo_channel_from(h);
	lo_event_t changed;
	int32_t status = LO_OK;
	st = lo_event_create(lo_job_self(), &changed);
	if (st == LO_OK) {
		lo_handle_t given = { 0 };
		st = lo_handle_duplicate(lo_event_handle(changed), LO_RIGHT_SIGNAL | LO_RIGHT_TRANSFER |
					 LO_RIGHT_INSPECT, &given.value);
		if (st == LO_OK)
			st = lo_registry_watch(reg, given, &status);
		if (st == LO_OK)
			st = status;
		if (st != LO_OK)
			lo_handle_close(lo_event_handle(changed));
	}
	if (st != LO_OK) {
		lo_handle_close(h);
		return fail(name, st);
	}
	static struct names before, now;
	list_names(reg, &before);
	if (argc)
		run_words(argc, argv);
	for (uint32_t i = 0; i < count && st == LO_OK;) {
		/* Take the signal as we wake: a change after this signals again. */
		st = lo_event_consume(changed, lo_deadline_after_ms(5000));
		if (st != LO_OK) {
			fail(name, st);
			break;
		}
		list_names(reg, &now);
		for (uint32_t j = 0; j < now.n && i < count; j++) {
			if (!has_name(&before, now.name[j])) {
				print("  + %s\n", now.name[j]);
				i++;
			}
		}
		for (uint32_t j = 0; j < before.n && i < count; j++) {
			if (!has_name(&now, before.name[j])) {
				print("  - %s\n", before.name[j]);
				i++;
			}
		}
		before = now;
	}
	lo_handle_close(lo_event_handle(changed));
	lo_handle_close(h);
	return st == LO_OK ? 0 : 1;
}

static int cmd_watch(int argc, char **argv)
{
	if (argc < 3 || argv[2][0] < '0' || argv[2][0] > '9')
		return fail("usage: watch <registry>:<path> <count> [command]", LO_ERR_INVALID_ARGS);
	uint32_t count = 0;
	for (const char *p = argv[2]; *p >= '0' && *p <= '9'; p++)
		count = count * 10 + (uint32_t)(*p - '0');
	if (!lo_strncmp(argv[1], "event:", 6))
		return watch_events(argv[1], count, argc - 3, argv + 3);
	return watch_registry(argv[1], count, argc - 3, argv + 3);
}

static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		print("%s%s", i > 1 ? " " : "", argv[i]);
	print("\n");
	return 0;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "help", cmd_help, "this list" },
	{ "ls", cmd_ls, "ls [<registry>:<path>]  list a registry (no argument: the registries)" },
	{ "cat", cmd_cat, "cat <registry>:<path>   print a file or what a device gives" },
	{ "write", cmd_write, "write <reg>:<path> <text>  write the text to a device, or make a file of it" },
	{ "ps", cmd_ps, "ps                      processes (proc:)" },
	{ "spawn", cmd_spawn, "spawn <program> [args] [&]  start bin/<program>; & : in the background, $! its pid" },
	{ "revoke", cmd_revoke, "revoke <pid>            take back the job a program started with & was given" },
	{ "kill", cmd_kill, "kill <pid>|drivers:<name> end a process (by pid, or the driver named)" },
	{ "handles", cmd_handles, "handles [pid]           a process's handles" },
	{ "info", cmd_info, "info <registry>:<path>  an object's type, counts and signals" },
	{ "sysvar", cmd_sysvar, "sysvar get|set <path> [value]" },
	{ "mkreg", cmd_edit, "mkreg <reg>:<path>      a new registry" },
	{ "bind", cmd_edit, "bind <reg>:<path> <name>  bind what <name> names" },
	{ "link", cmd_edit, "link <reg>:<path> <target>  a link" },
	{ "mount", cmd_edit, "mount <reg>:<path> <registry>:[path]  name a registry (another server's too) there" },
	{ "unbind", cmd_edit, "unbind <reg>:<path>     remove an entry" },
	{ "mkdir", cmd_edit, "mkdir <reg>:<path>      a new directory (mkreg)" },
	{ "rm", cmd_edit, "rm <reg>:<path>         remove a file or empty directory (unbind)" },
	{ "cp", cmd_copy, "cp <reg>:<path> <reg>:<path>  copy a file" },
	{ "mv", cmd_copy, "mv <reg>:<path> <reg>:<path>  move (rename; across servers: copy, then remove)" },
	{ "audit", cmd_audit, "audit [denials]         live handles against the policy; the denial log" },
	{ "watch", cmd_watch, "watch <reg>:<path> <n> [command]  run the command, then show n changes (event:<source>: n events)" },
	{ "echo", cmd_echo, "echo <text>             print the text" },
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		print("  %s\n", commands[i].help);
	return 0;
}

/* `line` with every $! replaced by the last background pid; 0 if there
 * is none to put there, or no room. */
static int expand(const char *line, char *out, size_t size)
{
	size_t n = 0;
	for (const char *p = line; *p; p++) {
		if (p[0] == '$' && p[1] == '!') {
			if (!last_background) {
				print("$!: no program started with &\n");
				return 0;
			}
			n += (size_t)lo_snprintf(out + n, size - n, "%lu", last_background);
			p++;
		} else if (n + 1 < size) {
			out[n++] = *p;
		}
		if (n + 1 >= size) {
			print("line too long\n");
			return 0;
		}
	}
	out[n] = '\0';
	return 1;
}

static void run_line(char *raw)
{
	char *argv[MAX_ARGS];
	char line[LINE_MAX];
	int argc = 0;
	if (!expand(raw, line, sizeof(line)))
		return;
	for (char *p = line; *p && argc < MAX_ARGS;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	if (argc == 0)
		return;
	for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!lo_strcmp(argv[0], commands[i].name)) {
			commands[i].run(argc, argv);
			return;
		}
	}
	print("%s: unknown command (try help)\n", argv[0]);
}

int main(void)
{
	lo_handle_t h;
	/* The file protocol waits on the channel: WAIT as well. */
	status_t st = lo_resolve_name("dev:/console", LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_WAIT, &h);
	if (st != LO_OK) {
		lo_printf("sh: no console: %s\n", lo_status_name(st));
		return 1;
	}
	console = lo_channel_from(h);
	print("LightOS shell. Type 'help'.\n");
	char line[LINE_MAX];
	for (;;) {
		print("lightos> ");
		if (read_line(line) < 0)
			return 0;
		if (line[0]) {
			lo_memcpy(history[history_count % HISTORY], line, lo_strlen(line) + 1);
			history_count++;
		}
		run_line(line);
	}
}
