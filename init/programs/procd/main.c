/* procd: the server of proc: and thread:, live views of the running system,
 * and of the event source event:proc.
 *
 * It holds the root job with INSPECT and CENSUS (and what serving needs:
 * channels, a port, memory), makes a census of the whole tree
 * (idl/census.idl), and serves two registries from it:
 *   proc:<pid>          the process (inspect, wait, and kill unless its
 *                       program is `protected` in the policy)
 *   thread:<pid>/<tid>  its live threads (the same rights)
 *   proc (in its event registry, which init names event:proc): an
 *                       eventhook source (idl/eventhook.idl) of every
 *                       process start and end; subscribe only
 * Entries come and go with the census's start and exit events; when the
 * kernel dropped events (a full queue) procd lists the tree again. Before
 * answering any request it reads every posted event and lists the
 * threads, so a client that has just started or waited for a process
 * finds the change. Its startup channel takes one message: connections to
 * proc, thread and event (read-only: list, open, watch), which init
 * mounts. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/policy.h"
#include "lightos/registry_server.h"
#include "lightos/eventhook.h"

#define MAX_KNOWN 1024
#define ENTRY_RIGHTS (LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER | LO_RIGHT_WAIT | LO_RIGHT_INSPECT)
#define CLIENT_RIGHTS (LO_REGISTRY_RIGHT_ENUMERATE | LO_REGISTRY_RIGHT_OPEN | LO_REGISTRY_RIGHT_WATCH)

static lo_census_t census;
static struct lo_registry_host host;
static struct lo_registry *proc_reg, *thread_reg, *event_reg;
static struct lo_eventhook_hub hub;
static struct lo_eventhook_source proc_events;

/* What is named now, in rising id order: processes (owner: job) and
 * threads (owner: process). */
struct known {
	uint64_t id, owner;
};
static struct known procs[MAX_KNOWN], threads[MAX_KNOWN];
static uint32_t nprocs, nthreads;
static struct known listed[MAX_KNOWN];

static void id_name(uint64_t id, char *buf, size_t size)
{
	lo_snprintf(buf, size, "%lu", id);
}

/* What an entry for process `proc` named `name` grants: DESTROY unless the
 * policy marks its program protected (init, the drivers, procd): the
 * program its attested identity names, or (until that is recorded, just
 * after it is made) the one its name says. */
static uint32_t rights_for(lo_process_t proc, const char *name)
{
	char program[LO_IDENTITY_PATH_MAX];
	lo_program_of(proc, program, sizeof(program));
	const struct lo_policy_program *p = lo_policy_for(name), *q = lo_policy_for(program);
	bool protected = (p && p->protected) || (q && q->protected);
	return ENTRY_RIGHTS | (protected ? 0 : LO_RIGHT_DESTROY);
}

static uint32_t list_all(uint32_t kind, struct known *out)
{
	struct lo_census_entry e[64];
	uint64_t after = 0;
	uint32_t n = 0, got;
	do {
		if (lo_census_list(census, kind, after, e, 64, &got) != LO_OK)
			break;
		for (uint32_t i = 0; i < got && n < MAX_KNOWN; i++)
			out[n++] = (struct known){ e[i].id, e[i].owner };
		after = got ? e[got - 1].id : after;
	} while (got == 64 && n < MAX_KNOWN);
	return n;
}

/* --- proc: --- */

static int proc_index(uint64_t pid)
{
	for (uint32_t i = 0; i < nprocs; i++) {
		if (procs[i].id == pid)
			return (int)i;
	}
	return -1;
}

static void proc_add(uint64_t pid, uint64_t job)
{
	lo_process_t p;
	struct lo_process_info info;
	if (nprocs == MAX_KNOWN || proc_index(pid) >= 0 || lo_census_process(census, pid, &p) != LO_OK)
		return;   /* gone already: its exit follows */
	char name[24];
	id_name(pid, name, sizeof(name));
	uint32_t rights = ENTRY_RIGHTS;
	if (lo_process_info(p, &info) == LO_OK)
		rights = rights_for(p, info.name);
	if (lo_registry_add(&host, proc_reg, name, lo_process_handle(p), rights) != LO_OK)
		return;
	uint32_t at = nprocs;
	while (at > 0 && procs[at - 1].id > pid) {
		procs[at] = procs[at - 1];
		at--;
	}
	procs[at] = (struct known){ pid, job };
	nprocs++;
}

static void proc_remove(uint64_t pid)
{
	int i = proc_index(pid);
	if (i < 0)
		return;
	char name[24];
	id_name(pid, name, sizeof(name));
	lo_registry_remove(&host, proc_reg, name);
	for (uint32_t j = (uint32_t)i; j + 1 < nprocs; j++)
		procs[j] = procs[j + 1];
	nprocs--;
}

/* After lost events, or at the start: make proc: the census's list. */
static void proc_relist(void)
{
	uint32_t n = list_all(LO_CENSUS_PROCESSES, listed);
	for (uint32_t i = nprocs; i-- > 0;) {
		bool still = false;
		for (uint32_t j = 0; j < n && !still; j++)
			still = listed[j].id == procs[i].id;
		if (!still)
			proc_remove(procs[i].id);
	}
	for (uint32_t j = 0; j < n; j++)
		proc_add(listed[j].id, listed[j].owner);
}

static void read_events(void)
{
	struct lo_census_event ev[16];
	uint32_t n, dropped;
	while (lo_census_read(census, ev, 16, &n, &dropped) == LO_OK) {
		for (uint32_t i = 0; i < n; i++) {
			if (ev[i].kind == LO_CENSUS_STARTED)
				proc_add(ev[i].pid, ev[i].job);
			else if (ev[i].kind == LO_CENSUS_EXITED)
				proc_remove(ev[i].pid);
			/* event:proc: each start and end, even of a process
			 * already gone when its start is read. */
			struct lo_hook_event hook;
			lo_memset(&hook, 0, sizeof(hook));
			hook.kind = ev[i].kind == LO_CENSUS_STARTED ? LO_HOOK_PROCESS_STARTED
								    : LO_HOOK_PROCESS_EXITED;
			hook.reason = ev[i].reason;
			hook.id = ev[i].pid;
			hook.owner = ev[i].job;
			hook.code = ev[i].code;
			lo_memcpy(hook.text, ev[i].name, sizeof(hook.text) - 1);
			lo_eventhook_post(&proc_events, &hook);
		}
		if (dropped)
			proc_relist();
	}
}

/* --- thread: --- */

static void thread_add(uint64_t tid, uint64_t pid)
{
	char pname[24], tname[24];
	id_name(pid, pname, sizeof(pname));
	id_name(tid, tname, sizeof(tname));
	struct lo_registry *dir = lo_registry_lookup(thread_reg, pname);
	if (!dir) {
		dir = lo_registry_create(&host, pname);
		if (!dir)
			return;
		lo_registry_add_registry_as(&host, thread_reg, pname, dir, CLIENT_RIGHTS);
		lo_registry_release(&host, dir);   /* the entry holds it */
		dir = lo_registry_lookup(thread_reg, pname);
		if (!dir)
			return;
	}
	lo_thread_t t;
	if (lo_census_thread(census, tid, &t) != LO_OK)
		return;
	uint32_t rights = ENTRY_RIGHTS | LO_RIGHT_DESTROY;
	struct lo_process_info info;
	lo_process_t p;
	if (lo_census_process(census, pid, &p) == LO_OK) {
		if (lo_process_info(p, &info) == LO_OK)
			rights = rights_for(p, info.name);
		lo_handle_close(lo_process_handle(p));
	}
	lo_registry_add(&host, dir, tname, lo_thread_handle(t), rights);
}

static void thread_remove(uint64_t tid, uint64_t pid, bool last_of_process)
{
	char pname[24], tname[24];
	id_name(pid, pname, sizeof(pname));
	id_name(tid, tname, sizeof(tname));
	struct lo_registry *dir = lo_registry_lookup(thread_reg, pname);
	if (!dir)
		return;
	if (last_of_process)
		lo_registry_remove(&host, thread_reg, pname);   /* its entries go with it */
	else
		lo_registry_remove(&host, dir, tname);
}

static bool has_id(const struct known *k, uint32_t n, uint64_t id)
{
	for (uint32_t i = 0; i < n; i++) {
		if (k[i].id == id)
			return true;
	}
	return false;
}

static bool has_owner(const struct known *k, uint32_t n, uint64_t owner)
{
	for (uint32_t i = 0; i < n; i++) {
		if (k[i].owner == owner)
			return true;
	}
	return false;
}

/* Threads have no events: list them and name the difference. */
static void threads_relist(void)
{
	uint32_t n = list_all(LO_CENSUS_THREADS, listed);
	for (uint32_t i = 0; i < nthreads; i++) {
		if (!has_id(listed, n, threads[i].id))
			thread_remove(threads[i].id, threads[i].owner, !has_owner(listed, n, threads[i].owner));
	}
	for (uint32_t j = 0; j < n; j++) {
		if (!has_id(threads, nthreads, listed[j].id))
			thread_add(listed[j].id, listed[j].owner);
	}
	lo_memcpy(threads, listed, n * sizeof(listed[0]));
	nthreads = n;
}

/* The host's hook: before every answer, and when the census has news. */
static void refresh(void *arg)
{
	(void)arg;
	read_events();
	threads_relist();
	/* One packet per change of the census's queue (a one-shot binding). */
	lo_port_bind(host.port, lo_census_handle(census), LO_SIG_CENSUS_READABLE,
		     LO_REGISTRY_HOST_REFRESH_KEY);
}

int main(void)
{
	lo_channel_t parent = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	status_t st = lo_census_create(lo_job_self(), &census);
	if (st == LO_OK)
		st = lo_registry_host_init(&host);
	if (st != LO_OK) {
		lo_printf("procd: no census: %s\n", lo_status_name(st));
		return 1;
	}
	proc_reg = lo_registry_create(&host, "proc");
	thread_reg = lo_registry_create(&host, "thread");
	event_reg = lo_registry_create(&host, "event");
	if (!proc_reg || !thread_reg || !event_reg)
		return 1;
	/* event:proc may be subscribed to, never published to (no WRITE). */
	lo_eventhook_hub_init(&hub, &host);
	lo_registry_add_service(&host, event_reg, "proc", LO_RIGHT_READ | LO_RIGHT_WAIT | LO_RIGHT_INSPECT,
				&proc_events);
	/* Whatever started before the census: the list; after it: events. */
	read_events();
	proc_relist();
	host.refresh = refresh;
	host.refresh_arg = NULL;
	refresh(NULL);
	lo_channel_t c[3];
	st = lo_registry_connect_as(&host, proc_reg, CLIENT_RIGHTS, NULL, &c[0]);
	if (st == LO_OK)
		st = lo_registry_connect_as(&host, thread_reg, CLIENT_RIGHTS, NULL, &c[1]);
	if (st == LO_OK)
		st = lo_registry_connect_as(&host, event_reg, CLIENT_RIGHTS, NULL, &c[2]);
	lo_handle_t give[3] = { lo_channel_handle(c[0]), lo_channel_handle(c[1]), lo_channel_handle(c[2]) };
	if (st == LO_OK)
		st = lo_channel_write(parent, "procd", 5, give, 3);
	if (st != LO_OK) {
		lo_printf("procd: cannot hand out its registries: %s\n", lo_status_name(st));
		return 1;
	}
	lo_handle_close(lo_channel_handle(parent));
	for (;;)
		lo_registry_host_serve(&host, UINT64_MAX);
}
