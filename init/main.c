/* init: the first process. It holds the bootstrap handles and decides what
 * runs: on the test command line, the user-space test suite; otherwise the
 * system: the registries, the console driver and the shell. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/spawn.h"
#include "lightos/policy.h"
#include "namespace.h"
#include "storage.h"

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

/* What init has for a program besides its log, image and root resource
 * (0: nothing). Which of it the program receives is the policy's to say. */
struct supply {
	lo_handle_t channel;     /* for a "channel NAME" grant */
	lo_handle_t registry;    /* for "registry NAME" grants: one root connection */
	lo_handle_t user0;       /* for a "user 0" grant */
	lo_handle_t user1;       /* for a "user 1" grant */
	lo_handle_t job;         /* a job of its own (else spawn gives it ours) */
	lo_handle_t ioports, irq;
};

static lo_handle_t dup_same(lo_handle_t h)
{
	struct lo_object_info info;
	uint32_t out = 0;
	if (lo_handle_info(h, &info) == LO_OK)
		lo_handle_duplicate(h, info.rights, &out);
	return (lo_handle_t){ out };
}

/* The handle init gives for grant g (0: none; the clock spawn adds). */
static lo_handle_t supply_for(const struct lo_policy_grant *g, const struct supply *s)
{
	switch (g->kind) {
	case LO_POLICY_LOG: return dup_same(lo_log_handle(lo_log));
	case LO_POLICY_IMAGE: return dup_same(lo_vmo_handle(image));
	case LO_POLICY_ROOT_RESOURCE: return dup_same(lo_resource_handle(root));
	case LO_POLICY_IOPORTS: return s->ioports;
	case LO_POLICY_IRQ: return s->irq;
	case LO_POLICY_CHANNEL: return s->channel;
	case LO_POLICY_REGISTRY: return s->registry;
	case LO_POLICY_USER: return g->arg0 == 0 ? s->user0 : g->arg0 == 1 ? s->user1 : (lo_handle_t){ 0 };
	case LO_POLICY_JOB: return s->job;
	default: return (lo_handle_t){ 0 };
	}
}

/* What `program` receives: for each grant init/system.policy gives it, the
 * handle init has of that kind, one per startup kind (a second port range
 * or registry name goes with the first). The policy is the one list; spawn
 * then reduces each handle to exactly the granted rights. */
static uint32_t gives_for(const char *program, const struct supply *s, struct lo_give *give)
{
	const struct lo_policy_program *p = lo_policy_for(program);
	uint32_t n = 0;
	for (const struct lo_policy_grant *g = p ? p->grants : 0; g && g->kind; g++) {
		uint32_t kind = lo_policy_startup_kind(g);
		int given = 0;
		for (uint32_t i = 0; i < n; i++)
			given |= give[i].kind == kind;
		if (given || n == LO_SPAWN_MAX_GIVE)
			continue;
		lo_handle_t h = supply_for(g, s);
		if (h.value)
			give[n++] = (struct lo_give){ kind, h };
	}
	return n;
}

/* Start bin/<program> with what its policy grants it. */
static status_t spawn(const char *program, const char *args, const struct supply *s,
		      lo_process_t *p)
{
	struct lo_give give[LO_SPAWN_MAX_GIVE];
	uint32_t n = gives_for(program, s, give);
	char path[64];
	lo_snprintf(path, sizeof(path), "bin/%s", program);
	const char *why = NULL;
	status_t st = lo_spawn_from_image(image, path, args, give, n, p, &why);
	if (st != LO_OK)
		lo_printf("init: cannot start %s: %s (%s)\n", path, lo_status_name(st), why ? why : "");
	return st;
}

/* The console, in every boot mode: the serial driver (COM1's ports and IRQ
 * line, nothing more) and the logger, which copies the kernel log ring to
 * it over a channel of its own. Until the logger runs, whatever is written
 * waits in the ring. *client_end is the console's device channel: each
 * open of dev:/console asks the driver for a session over it. */
static status_t start_console(lo_channel_t *client_end, lo_process_t *serial, lo_process_t *logger)
{
	lo_channel_t driver_end, log_driver_end, log_client_end;
	lo_resource_t ports, irq;
	status_t st = lo_channel_create(lo_job_self(), &driver_end, client_end);
	if (st == LO_OK)
		st = lo_channel_create(lo_job_self(), &log_driver_end, &log_client_end);
	if (st == LO_OK)
		st = lo_resource_carve(root, LO_RESOURCE_IOPORT, 0x3f8, 8, &ports);
	if (st == LO_OK)
		st = lo_resource_carve(root, LO_RESOURCE_IRQ, 4, 1, &irq);
	if (st != LO_OK)
		return st;
	struct supply to_serial = {
		.user1 = lo_channel_handle(driver_end),
		.user0 = lo_channel_handle(log_driver_end),
		.ioports = lo_resource_handle(ports),
		.irq = lo_resource_handle(irq),
	};
	st = spawn("serial", "", &to_serial, serial);
	if (st != LO_OK)
		return st;
	struct supply to_logger = { .channel = lo_channel_handle(log_client_end) };
	return spawn("logger", "", &to_logger, logger);
}

/* Before QEMU goes away, let the logger put everything on the serial line
 * (bounded: a logger that died must not hang the run). */
static void drain_log(void)
{
	uint32_t observed;
	lo_handle_wait_one(lo_log_handle(lo_log), LO_SIG_LOG_DRAINED, lo_deadline_after_ms(5000),
			   &observed);
}

static int run_tests(void)
{
	/* Test output reaches the serial line the one way all output does. */
	lo_channel_t console_client;
	lo_process_t serial, logger;
	if (start_console(&console_client, &serial, &logger) != LO_OK)
		return 0;
	/* Start the suite only once the console programs have started and
	 * shown this line: the tests' object-count baselines must not be
	 * taken while those programs still make their channels. */
	lo_printf("init: console up, starting the test suite\n");
	drain_log();
	lo_process_t suite;
	struct supply nothing_more = { 0 };
	if (spawn("utest", lo_startup_args(), &nothing_more, &suite) != LO_OK) {
		lo_printf("TEST FAIL init.start_suite: see above\n");
		return 0;
	}
	uint32_t observed;
	lo_handle_wait_one(lo_process_handle(suite), LO_SIG_PROCESS_TERMINATED, UINT64_MAX, &observed);
	struct lo_process_info info;
	lo_process_info(suite, &info);
	if (info.exit_reason != LO_EXIT_NORMAL) {
		lo_printf("TEST FAIL init.suite_ended_abnormally: reason %u vector %lu at 0x%lx\n",
			  info.exit_reason, info.fault_vector, info.fault_rip);
		return 0;
	}
	return info.exit_code == 0;
}

static struct namespace ns;

/* Start a server of registries, `program`, given one end of a channel (and
 * what *s adds), and read its first message: connections to the `n`
 * registries it serves (at most 10 s). *p: its process. */
static status_t start_server(const char *program, struct supply *s, lo_handle_t *h, uint32_t n,
			     lo_process_t *p)
{
	lo_channel_t mine, theirs;
	status_t st = lo_channel_create(lo_job_self(), &mine, &theirs);
	if (st != LO_OK)
		return st;
	s->channel = lo_channel_handle(theirs);
	st = spawn(program, "", s, p);
	if (st != LO_OK) {
		lo_handle_close(lo_channel_handle(mine));
		return st;
	}
	char msg[8];
	struct lo_channel_read_result got = { 0, 0 };
	uint32_t observed;
	st = lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED,
				lo_deadline_after_ms(10000), &observed);
	if (st == LO_OK)
		st = lo_channel_read(mine, msg, sizeof(msg), h, n, &got);
	lo_handle_close(lo_channel_handle(mine));
	if (st == LO_OK && got.handles != n)
		st = LO_ERR_BAD_FORMAT;
	if (st != LO_OK) {
		for (uint32_t i = 0; i < got.handles; i++)
			lo_handle_close(h[i]);
		lo_printf("init: %s did not answer: %s\n", program, lo_status_name(st));
	}
	return st;
}

/* The file server serves files:/bin and files:/etc (the boot image,
 * read-only) and files:/tmp (scratch); init's files: holds the three as
 * mounts (and fatfs's disk), so each program's files: grant and its
 * subtree grants (files:/tmp) pass through them. Listed in drivers: (the
 * devices it serves: files:), where the shell finds its pid. */
static status_t start_files(void)
{
	lo_handle_t h[3];
	lo_process_t files;
	struct supply to_files = { .job = dup_same(lo_job_handle(lo_job_self())) };
	status_t st = start_server("files", &to_files, h, 3, &files);
	if (st != LO_OK)
		return st;
	lo_registry_add_mount(&ns.host, ns.files, "bin", lo_channel_from(h[0]));
	lo_registry_add_mount(&ns.host, ns.files, "etc", lo_channel_from(h[1]));
	lo_registry_add_mount(&ns.host, ns.files, "tmp", lo_channel_from(h[2]));
	lo_driver_registry_add(&ns.driver_list, "files", files, "files:");
	return LO_OK;
}

/* procd serves proc: and thread: from a census of the root job (its
 * policy: INSPECT and CENSUS, and what serving needs). Its first message
 * holds a connection to each; init mounts them in its root, so every
 * program's proc: and thread: are procd's live views. */
static status_t start_procd(void)
{
	lo_handle_t h[3];
	lo_process_t procd;
	struct supply to_procd = { .job = dup_same(lo_job_handle(lo_job_self())) };
	status_t st = start_server("procd", &to_procd, h, 3, &procd);
	if (st != LO_OK)
		return st;
	lo_handle_close(lo_process_handle(procd));
	lo_registry_add_mount(&ns.host, ns.root, "proc", lo_channel_from(h[0]));
	lo_registry_add_mount(&ns.host, ns.root, "thread", lo_channel_from(h[1]));
	/* event:proc: each open is a session procd serves (subscribe only). */
	lo_registry_add_device_at(&ns.host, ns.event, "proc", lo_channel_from(h[2]), "proc",
				  LO_RIGHT_READ | LO_RIGHT_WAIT | LO_RIGHT_INSPECT | LO_RIGHT_DUPLICATE |
				  LO_RIGHT_TRANSFER);
	return LO_OK;
}

/* The system: the registries, the console (serial driver and logger), the shell. */
static int run_system(void)
{
	status_t st = namespace_build(&ns);
	if (st != LO_OK) {
		lo_printf("init: cannot build the registries: %s\n", lo_status_name(st));
		return 1;
	}
	if (start_files() != LO_OK || start_procd() != LO_OK)
		return 1;

	lo_channel_t client_end;
	lo_process_t serial, logger, shell;
	st = start_console(&client_end, &serial, &logger);
	if (st != LO_OK)
		return 1;
	lo_registry_add_device(&ns.host, ns.dev, "console", client_end,
			       LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_TRANSFER | LO_RIGHT_DUPLICATE |
			       LO_RIGHT_INSPECT | LO_RIGHT_WAIT);
	lo_driver_registry_add(&ns.driver_list, "serial", serial, "console");

	storage_start(&ns, root, image);

	/* The shell: what its policy grants (the registries it names, the
	 * image to start programs, the log, the root resource to inspect). */
	lo_channel_t shell_root;
	st = namespace_connect_for(&ns, "sh", &shell_root);
	if (st == LO_OK) {
		/* The shell runs in a job of its own below ours, with half of
		 * what we have: what it starts cannot exhaust init, the driver or
		 * the registries, and killing its job leaves them running. */
		lo_job_t shell_job = { 0 };
		st = lo_job_create_share(lo_job_self(), 50, &shell_job);
		if (st != LO_OK)
			lo_printf("init: cannot make the shell's job: %s\n", lo_status_name(st));
		struct supply to_shell = {
			.registry = lo_channel_handle(shell_root),
			.job = lo_job_handle(shell_job),
		};
		st = spawn("sh", "", &to_shell, &shell);
	}
	if (st != LO_OK)
		return 1;
	lo_handle_close(lo_process_handle(shell));
	/* From here on init answers registry requests, for good. */
	for (;;)
		lo_registry_host_serve(&ns.host, UINT64_MAX);
}

/* The benchmarks: the registries (for lookups) and bin/bench, or with
 * "smp" on the command line bin/bench_smp (the cases across CPUs). */
static int run_bench(void)
{
	status_t st = namespace_build(&ns);
	if (st == LO_OK)
		st = start_files();
	lo_channel_t console_client, bench_root;
	lo_process_t serial, logger;
	if (st == LO_OK)
		st = start_console(&console_client, &serial, &logger);
	if (st == LO_OK) {
		storage_start(&ns, root, image);   /* files:/disk for the storage cases, if a disk is attached */
		st = namespace_connect_for(&ns, "bench", &bench_root);
	}
	lo_process_t bench;
	if (st == LO_OK) {
		struct supply to_bench = { .registry = lo_channel_handle(bench_root) };
		st = spawn(has_word(lo_startup_args(), "smp") ? "bench_smp" : "bench", "", &to_bench,
			   &bench);
	}
	if (st != LO_OK)
		return 1;
	/* Serve bench's registry until it ends; init's end then ends the run
	 * (the kernel leaves QEMU: the debug-exit port is not carvable). */
	struct lo_process_info info;
	do {
		lo_registry_host_serve(&ns.host, lo_now() + 20 * 1000000ull);
		st = lo_process_info(bench, &info);
	} while (st == LO_OK && info.state == LO_PROCESS_RUNNING);
	return st == LO_OK && info.exit_reason == LO_EXIT_NORMAL && info.exit_code == 0 ? 0 : 1;
}

int main(void)
{
	root = lo_resource_from(lo_startup_handle(LO_STARTUP_ROOT_RESOURCE));
	image = lo_vmo_from(lo_startup_handle(LO_STARTUP_IMAGE));
	if (has_word(lo_startup_args(), "test")) {
		int ok = run_tests();
		/* Init's end ends a test run: the kernel leaves QEMU with this
		 * exit code as the verdict, once the logger has shown everything. */
		drain_log();
		return ok ? 0 : 1;
	}
	if (has_word(lo_startup_args(), "bench"))
		return run_bench();
	return run_system();
}
