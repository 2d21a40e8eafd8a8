/* child: the program the user-space suite spawns to play the other side.
 * Its argument says what to do:
 *   exit N   exit with code N
 *   crash    write to address 0 (page fault)
 *   divide   divide by zero
 *   ud2      execute an invalid opcode
 *   cli      execute a privileged instruction
 *   echo     send every message on the startup channel back, handles too,
 *            until the other end closes; then exit 0
 *   hold     say "ready" on the startup channel, then block forever
 *   hog      fill VMOs until the kernel says NO_MEMORY; exit 0 if it did
 *   handles  send the list of its handles (struct lo_handle_entry) back
 *   fpu N    check the x87/SSE state starts clean, fill it (seed N), then
 *            play 200 rounds of ping-pong on the startup channel (N odd
 *            serves), checking the registers after each; exit 0 if intact
 *   fpu-hold N  fill the x87/SSE state, say "ready", block forever
 *   fpu-clean   exit 0 if the x87/SSE state starts clean
 *   sysret-top  a syscall in the last two bytes of the user half, so the
 *            return address is the first non-canonical one
 *   sysret-rsp  a syscall with a non-canonical stack pointer
 *   unmap_loop  map a 1 GiB VMO, touch a page, unmap it, over and over; says
 *            "ready" after the first round (the parent kills it meanwhile)
 *   table-race  threads look up handles on every CPU while the main thread
 *            grows the (fresh) handle table to 1024 slots with duplicates
 *            and another thread closes and re-creates one: exit 0 if every
 *            lookup found its object or (for the closed one) no handle
 *   tlb-reader  a thread reads a mapped page in a loop; once it has, send
 *            the address, unmap the page, and exit 1 if the reader still
 *            reads after 300 ms (a stale TLB entry on its CPU); else the
 *            reader's fault ends the process
 *   spin N   N threads (the main one too) spin in user space; "ready" once
 *            all run; the parent kills the process
 *   calls N  the same, but each thread makes system calls without end
 *            (events, a channel pair, duplicates, short waits): a kill
 *            finds them inside the kernel on every CPU
 *   job-fill KIND  use up one quota of its job (memory: VMO pages, procs:
 *            processes, objects: events, handles: duplicates), send back
 *            struct job_fill_result, then wait until the parent goes;
 *            handles-race: "ready", then after a message from the
 *            parent four threads duplicate and close at once
 *   create-all  try every creation call on its job (LO_STARTUP_JOB), send
 *            back the eight statuses, exit 0
 *   exc-touch   after a message on the startup channel, write and read back
 *            EXC_TOUCH_ADDR (unmapped: its handler maps it); exit 0 if intact
 *   exc-ud2     after a message, run ud2 with eax 0; exit with eax after it
 *            (its handler skips the ud2 and sets rax)
 *   exc-fault   after a message, write to address 0
 *   exc-read-exit  read one message from the startup channel (an exception
 *            channel), keep its handles, exit 0 without answering
 *   kill-given  read one message with a process handle, try process_kill on
 *            it, send the status (status_t) back, exit 0
 *   pt-spread   map one page at PT_SPREAD_BASE + i GiB and write it, for i up
 *            to 256: every touch needs new page tables, charged to its job;
 *            dies on the fault once they are over quota (exit 0 if never)
 *   revoke-use  read one message with a handle, keep it and a duplicate of
 *            it, say "ready"; then for each message, signal through both
 *            and send the two statuses back; exit 0 when the parent goes
 *   create-loop  create and close an event in its job every 10 ms; exit with
 *            the status of the first creation that fails (the shell's
 *            `revoke` test: -41, REVOKED)
 *   nothing  (run as bin/nothing, a program granted nothing) try to create,
 *            name, open and log: exit 0 if every one failed, else 30 + the
 *            first that worked
 *   msg-fill    write 16 KiB messages on the startup channel (the parent
 *            reads none) until a write fails: exit 0 if NO_MEMORY, 70 if
 *            the queue filled first (SHOULD_WAIT), 71 otherwise */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/thread.h"
#include "fpu_state.h"
#include "lightos/registry_server.h"
#include "lightos/registry.h"
#include "names_msg.h"

/* exc-touch: an address nothing maps (tests/guest/user/test_exception.c). */
#define EXC_TOUCH_ADDR 0x0000500000000000ull
/* pt-spread: far from anything else the child maps. */
#define PT_SPREAD_BASE 0x0000100000000000ull

static int parse_int(const char *s)
{
	int v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static int echo(lo_channel_t ch)
{
	static char buf[65536];
	lo_handle_t handles[64];
	for (;;) {
		uint32_t observed;
		status_t st = lo_handle_wait_one(lo_channel_handle(ch),
						 LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED,
						 UINT64_MAX, &observed);
		if (st != LO_OK)
			return 1;
		struct lo_channel_read_result got;
		st = lo_channel_read(ch, buf, sizeof(buf), handles, 64, &got);
		if (st == LO_ERR_PEER_CLOSED)
			return 0;
		if (st == LO_ERR_SHOULD_WAIT)
			continue;
		if (st != LO_OK)
			return 2;
		if (lo_channel_write(ch, buf, got.bytes, handles, got.handles) != LO_OK)
			return 3;
	}
}

static volatile uint64_t reader_reads;
static volatile uint64_t reader_addr;

static void page_reader(void *arg)
{
	(void)arg;
	for (;;) {
		(void)*(volatile char *)(uintptr_t)reader_addr;
		reader_reads = reader_reads + 1;
	}
}

static int tlb_reader(lo_channel_t ch)
{
	/* lo_now maps the clock page on first use: map it now, so that it
	 * cannot take the address unmapped below and be read there. */
	(void)lo_now();
	lo_vmo_t v;
	if (lo_vmo_create(lo_job_self(), 4096, &v) != LO_OK)
		return 20;
	struct lo_map_request req = { 0, 0, 4096, LO_MAP_WRITE, 0 };
	uint64_t addr = 0;
	if (lo_process_map(lo_self, v, &req, &addr) != LO_OK)
		return 21;
	*(volatile char *)(uintptr_t)addr = 1;
	reader_addr = addr;
	lo_thread_t t;
	if (lo_thread_run(page_reader, NULL, "reader", &t) != LO_OK)
		return 22;
	/* With several CPUs, the reader keeps to CPU 1 (one CPU: refused). */
	lo_thread_set_affinity(t, 1u << 1);
	while (reader_reads < 100000)
		;
	lo_channel_write(ch, &addr, sizeof(addr), NULL, 0);
	if (lo_process_unmap(lo_self, addr, 4096) != LO_OK)
		return 23;
	/* From here every read of the reader must fault. */
	uint64_t at = reader_reads, until = lo_now() + 300 * 1000000ull;
	while (lo_now() < until)
		;
	return reader_reads > at + 2 ? 1 : 24;
}

/* table-race: lookups racing the table's growth and a close. */
#define RACE_DUPS 600
static lo_event_t race_event;
static uint64_t race_id;
static volatile uint32_t race_handle;
static volatile int race_done, race_lookers;
static volatile int race_wrong;

static void race_looker(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&race_lookers, 1, __ATOMIC_RELAXED);
	while (!race_done) {
		struct lo_object_info info;
		status_t st = lo_handle_info(lo_event_handle(race_event), &info);
		if (st != LO_OK || info.id != race_id)
			race_wrong = 1;
		st = lo_handle_info((lo_handle_t){ race_handle }, &info);
		if (st == LO_OK ? info.id != race_id : st != LO_ERR_BAD_HANDLE)
			race_wrong = 2;
	}
}

static void race_closer(void *arg)
{
	(void)arg;
	while (!race_done) {
		uint32_t h;
		if (lo_handle_duplicate(lo_event_handle(race_event), LO_RIGHT_INSPECT, &h) != LO_OK) {
			race_wrong = 3;
			break;
		}
		race_handle = h;
		if (lo_handle_close((lo_handle_t){ h }) != LO_OK)
			race_wrong = 4;
	}
}

static int table_race(void)
{
	static uint32_t dups[RACE_DUPS];
	if (lo_event_create(lo_job_self(), &race_event) != LO_OK)
		return 70;
	struct lo_object_info info;
	if (lo_handle_info(lo_event_handle(race_event), &info) != LO_OK)
		return 71;
	race_id = info.id;
	lo_thread_t t[3];
	void (*fn[3])(void *) = { race_looker, race_looker, race_closer };
	for (int i = 0; i < 3; i++) {
		if (lo_thread_run(fn[i], NULL, "racer", &t[i]) != LO_OK)
			return 72;
	}
	while (race_lookers < 2)
		__asm__ volatile("pause");
	/* Each duplicate may move the slot array; each must name the event at
	 * once, and the old values must keep working. */
	int n = 0, bad = 0;
	for (; n < RACE_DUPS; n++) {
		if (lo_handle_duplicate(lo_event_handle(race_event), LO_RIGHT_INSPECT, &dups[n]) != LO_OK)
			break;
		if (lo_handle_info((lo_handle_t){ dups[n] }, &info) != LO_OK || info.id != race_id)
			bad = 1;
	}
	for (int i = 0; i < n; i++) {
		if (lo_handle_info((lo_handle_t){ dups[i] }, &info) != LO_OK || info.id != race_id ||
		    lo_handle_close((lo_handle_t){ dups[i] }) != LO_OK)
			bad = 1;
	}
	race_done = 1;
	for (int i = 0; i < 3; i++)
		lo_thread_join(t[i], lo_deadline_after_ms(5000));
	if (n < RACE_DUPS)
		return 73;
	if (bad)
		return 74;
	if (race_wrong)
		return 74 + race_wrong;
	/* Only the event's own handle is left. */
	if (lo_handle_info(lo_event_handle(race_event), &info) != LO_OK || info.handle_count != 1)
		return 79;
	return 0;
}

static volatile uint64_t spinners_running;

static void spinner(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&spinners_running, 1, __ATOMIC_RELAXED);
	for (;;)
		__asm__ volatile("pause");
}

static int spin_threads(lo_channel_t ch, int n)
{
	for (int i = 1; i < n; i++) {
		lo_thread_t t;
		if (lo_thread_run(spinner, NULL, "spinner", &t) != LO_OK)
			return 30;
	}
	while (__atomic_load_n(&spinners_running, __ATOMIC_RELAXED) < (uint64_t)(n - 1))
		;
	lo_channel_write(ch, "ready", 5, NULL, 0);
	spinner(NULL);
	return 31;
}

/* One thread's endless round of calls: objects made, used and closed,
 * a message through its own pair, a wait that times out at once. */
static void caller(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&spinners_running, 1, __ATOMIC_RELAXED);
	for (;;) {
		lo_event_t e;
		lo_channel_t a, b;
		uint32_t h = 0, observed;
		if (lo_event_create(lo_job_self(), &e) == LO_OK) {
			lo_handle_duplicate(lo_event_handle(e), LO_RIGHT_SIGNAL | LO_RIGHT_WAIT, &h);
			lo_handle_signal((lo_handle_t){ h }, 0, LO_SIG_EVENT_SIGNALED);
			lo_handle_wait_one(lo_event_handle(e), LO_SIG_EVENT_SIGNALED, lo_deadline_after_ms(0),
					   &observed);
			lo_handle_close((lo_handle_t){ h });
			lo_handle_close(lo_event_handle(e));
		}
		if (lo_channel_create(lo_job_self(), &a, &b) == LO_OK) {
			char msg[32] = "x";
			struct lo_channel_read_result got;
			lo_channel_write(a, msg, sizeof(msg), NULL, 0);
			lo_channel_read(b, msg, sizeof(msg), NULL, 0, &got);
			lo_handle_close(lo_channel_handle(a));
			lo_handle_close(lo_channel_handle(b));
		}
	}
}

static int call_threads(lo_channel_t ch, int n)
{
	for (int i = 1; i < n; i++) {
		lo_thread_t t;
		if (lo_thread_run(caller, NULL, "caller", &t) != LO_OK)
			return 30;
	}
	while (__atomic_load_n(&spinners_running, __ATOMIC_RELAXED) < (uint64_t)(n - 1))
		;
	lo_channel_write(ch, "ready", 5, NULL, 0);
	caller(NULL);
	return 31;
}

static int block_forever(void)
{
	lo_event_t never;
	uint32_t observed;
	lo_event_create(lo_job_self(), &never);
	lo_handle_wait_one(lo_event_handle(never), LO_SIG_EVENT_SIGNALED, UINT64_MAX, &observed);
	return 4;
}

static int ping_pong_once(lo_channel_t ch, int serve)
{
	char c = 'p';
	uint32_t observed;
	struct lo_channel_read_result got;
	if (serve && lo_channel_write(ch, &c, 1, NULL, 0) != LO_OK)
		return 0;
	if (lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE, UINT64_MAX,
			       &observed) != LO_OK)
		return 0;
	if (lo_channel_read(ch, &c, 1, NULL, 0, &got) != LO_OK)
		return 0;
	if (!serve && lo_channel_write(ch, &c, 1, NULL, 0) != LO_OK)
		return 0;
	return 1;
}

/* Each round blocks until the other side has run, so two children on one
 * channel strictly take turns. */
static int fpu_ping_pong(lo_channel_t ch, uint64_t seed)
{
	int r = fx_check_clean();
	if (r)
		return 10 + r;
	fx_load(seed);
	struct fx_image ref, now;
	fx_save(&ref);
	for (int round = 0; round < 200; round++) {
		if (!ping_pong_once(ch, seed & 1))
			return 40;
		fx_save(&now);
		if (!fx_same(&ref, &now))
			return 20;
		if (!ymm_high_matches(seed))
			return 21;
	}
	r = fx_check_loaded(seed);
	return r ? 30 + r : 0;
}

/* Map one executable page at the top of the user half with `code` at its
 * end, and jump to it with `rax` as the system-call number. */
static int run_at_top(const uint8_t *code, uint32_t len, uint64_t rax)
{
	const uint64_t page = 0x00007ffffffff000ull;
	lo_vmo_t vmo;
	uint64_t at = 0;
	if (lo_vmo_create(lo_job_self(), 4096, &vmo) != LO_OK ||
	    lo_vmo_write(vmo, code, 4096 - len, len) != LO_OK)
		return 50;
	struct lo_map_request req = { page, 0, 4096, LO_MAP_EXEC, 0 };
	if (lo_process_map(lo_self, vmo, &req, &at) != LO_OK || at != page)
		return 51;
	uint64_t entry = page + 4096 - len;
	__asm__ volatile("jmp *%0" : : "r"(entry), "a"(rax) : "memory");
	return 52;
}

/* job-fill handles-race: four threads duplicate into the job's handle
 * quota at once, then close and duplicate again at its edge; each keeps
 * what it holds at the end. */
#define FILL_RACE_THREADS 4
#define FILL_RACE_MAX 256
static struct {
	lo_handle_t from;
	volatile int go, done;
	uint32_t held[FILL_RACE_THREADS];
	int wrong;
} fill_race;

static void fill_racer(void *arg)
{
	int me = (int)(uintptr_t)arg;
	uint32_t mine[FILL_RACE_MAX];
	uint32_t n = 0;
	while (!__atomic_load_n(&fill_race.go, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
	for (int round = 0; round < 2000; round++) {
		status_t st = LO_OK;
		while (n < FILL_RACE_MAX &&
		       (st = lo_handle_duplicate(fill_race.from, LO_RIGHT_INSPECT, &mine[n])) == LO_OK)
			n++;
		if (st != LO_ERR_NO_RESOURCES)
			__atomic_fetch_add(&fill_race.wrong, 1, __ATOMIC_RELAXED);
		/* Give one or two back: the others race for them. */
		for (int k = 0; k < 1 + (round & 1) && n > 0; k++) {
			if (lo_handle_close((lo_handle_t){ mine[--n] }) != LO_OK)
				__atomic_fetch_add(&fill_race.wrong, 1, __ATOMIC_RELAXED);
		}
	}
	while (n < FILL_RACE_MAX && lo_handle_duplicate(fill_race.from, LO_RIGHT_INSPECT, &mine[n]) == LO_OK)
		n++;
	fill_race.held[me] = n;
	__atomic_fetch_add(&fill_race.done, 1, __ATOMIC_RELEASE);
	if (me == 0)
		return;
	/* Stay: a thread that ends may give back handles of its own. */
	uint32_t observed;
	lo_handle_wait_one(fill_race.from, LO_SIG_CHANNEL_PEER_CLOSED, UINT64_MAX, &observed);
}

static int job_fill_race(lo_channel_t ch)
{
	struct { status_t st; uint32_t count; } r = { LO_ERR_NO_RESOURCES, 0 };
	fill_race.from = lo_channel_handle(ch);
	for (int i = 1; i < FILL_RACE_THREADS; i++) {
		lo_thread_t t;
		if (lo_thread_run(fill_racer, (void *)(uintptr_t)i, "filler", &t) != LO_OK)
			return 97;
	}
	/* "ready", then the parent's "go": every process of the job races
	 * at once. */
	if (lo_channel_write(ch, "ready", 5, NULL, 0) != LO_OK)
		return 95;
	uint32_t observed;
	char go[2];
	struct lo_channel_read_result got;
	if (lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE, UINT64_MAX, &observed) != LO_OK ||
	    lo_channel_read(ch, go, sizeof(go), NULL, 0, &got) != LO_OK)
		return 96;
	__atomic_store_n(&fill_race.go, 1, __ATOMIC_RELEASE);
	fill_racer((void *)0);
	while (__atomic_load_n(&fill_race.done, __ATOMIC_ACQUIRE) < FILL_RACE_THREADS)
		__asm__ volatile("pause");
	for (int i = 0; i < FILL_RACE_THREADS; i++)
		r.count += fill_race.held[i];
	if (fill_race.wrong)
		r.st = LO_ERR_INTERNAL;
	lo_channel_write(ch, &r, sizeof(r), NULL, 0);
	lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_PEER_CLOSED, UINT64_MAX, &observed);
	return 0;
}

/* Use up one quota of our job; report how far we got and why we stopped;
 * keep it all until the parent is gone (or kills our job). */
static int job_fill(lo_channel_t ch, const char *kind)
{
	struct { status_t st; uint32_t count; } r = { LO_OK, 0 };
	lo_job_t job = lo_job_self();
	if (!lo_strcmp(kind, "handles-race"))
		return job_fill_race(ch);
	while (r.st == LO_OK && r.count < 100000) {
		if (!lo_strcmp(kind, "memory")) {
			lo_vmo_t v;
			r.st = lo_vmo_create(job, 1ull << 30, &v);
			for (uint64_t off = 0; r.st == LO_OK && off < (1ull << 30); off += 4096) {
				r.st = lo_vmo_write(v, "x", off, 1);
				r.count += r.st == LO_OK;
			}
			continue;
		} else if (!lo_strcmp(kind, "procs")) {
			lo_process_t p;
			r.st = lo_process_create(job, "filler", 6, &p);
		} else if (!lo_strcmp(kind, "objects")) {
			lo_event_t e;
			r.st = lo_event_create(job, &e);
		} else if (!lo_strcmp(kind, "handles")) {
			uint32_t dup;
			r.st = lo_handle_duplicate(lo_channel_handle(ch), LO_RIGHT_INSPECT, &dup);
		} else {
			return 98;
		}
		r.count += r.st == LO_OK;
	}
	lo_channel_write(ch, &r, sizeof(r), NULL, 0);
	uint32_t observed;
	lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_PEER_CLOSED, UINT64_MAX, &observed);
	return 0;
}

/* Every creation call on `job`, in the order of idl/job.idl's rights. */
static void try_create_all(lo_job_t job, status_t *st)
{
	lo_process_t p;
	lo_vmo_t v;
	lo_channel_t a, b;
	lo_event_t e;
	lo_port_t port;
	lo_timer_t t;
	lo_sysvar_t var;
	struct lo_job_quota q = { 1, 0, 1, 0, 0 };
	lo_job_t j;
	st[0] = lo_process_create(job, "x", 1, &p);
	st[1] = lo_vmo_create(job, 4096, &v);
	st[2] = lo_channel_create(job, &a, &b);
	st[3] = lo_event_create(job, &e);
	st[4] = lo_port_create(job, &port);
	st[5] = lo_timer_create(job, &t);
	st[6] = lo_sysvar_create(job, 1, &var);
	st[7] = lo_job_create(job, &q, &j);
}

/* With our job handle stripped of every CREATE_* right, then with no job
 * handle at all: nothing can be created. */
static int create_all(lo_channel_t ch)
{
	status_t st[16];
	uint32_t weak = 0;
	lo_handle_replace(lo_job_handle(lo_job_self()), LO_RIGHT_INSPECT | LO_RIGHT_DUPLICATE, &weak);
	try_create_all((lo_job_t){ weak }, st);
	lo_handle_close((lo_handle_t){ weak });
	try_create_all((lo_job_t){ weak }, st + 8);
	lo_channel_write(ch, st, sizeof(st), NULL, 0);
	return 0;
}

/* regserve: a registry server in its own process (test_regrights.c). Its
 * root holds "thing" (an event); the first connection to it goes to the
 * parent over the startup channel. It serves until no connection is left
 * (every client and every mount of it gone), then exits 0.
 * regdie: the same, but it exits, unanswering, at its first request. */
static int registry_server(lo_channel_t ch, int die)
{
	static struct lo_registry_host host;
	if (lo_registry_host_init(&host) != LO_OK)
		return 70;
	struct lo_registry *root = lo_registry_create(&host, "root");
	lo_event_t e;
	lo_channel_t conn;
	if (!root || lo_event_create(lo_job_self(), &e) != LO_OK ||
	    lo_registry_add(&host, root, "thing", lo_event_handle(e), LO_RIGHTS_ALL) != LO_OK ||
	    lo_registry_connect(&host, root, &conn) != LO_OK)
		return 71;
	lo_handle_t h = lo_channel_handle(conn);
	if (lo_channel_write(ch, "conn", 4, &h, 1) != LO_OK)
		return 72;
	if (die) {
		/* Wait for any request on any connection, then go. */
		struct lo_port_packet pkt;
		lo_port_wait(host.port, UINT64_MAX, &pkt);
		return 0;
	}
	while (lo_registry_host_connections(&host) > 0)
		lo_registry_host_serve(&host, lo_deadline_after_ms(20));
	return 0;
}

/* revoke-use (test_revoke.c): a holder in another process. */
static int revoke_use(lo_channel_t ch)
{
	lo_handle_t got[1];
	struct lo_channel_read_result r;
	uint32_t observed, dup = 0;
	char byte;
	if (lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE, UINT64_MAX,
			       &observed) != LO_OK ||
	    lo_channel_read(ch, &byte, 1, got, 1, &r) != LO_OK || r.handles != 1)
		return 20;
	if (lo_handle_duplicate(got[0], LO_RIGHT_SIGNAL | LO_RIGHT_DUPLICATE, &dup) != LO_OK)
		return 21;
	lo_channel_write(ch, "ready", 5, NULL, 0);
	for (;;) {
		lo_handle_wait_one(lo_channel_handle(ch),
				   LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED, UINT64_MAX,
				   &observed);
		if (lo_channel_read(ch, &byte, 1, NULL, 0, &r) != LO_OK)
			return 0;
		status_t st[2] = { lo_handle_signal(got[0], 0, 1u << 24),
				   lo_handle_signal((lo_handle_t){ dup }, 0, 1u << 25) };
		lo_channel_write(ch, st, sizeof(st), NULL, 0);
	}
}

/* nothing: whatever a program granted nothing tries, it cannot. */
static int try_everything(void)
{
	lo_event_t e;
	lo_channel_t a, b;
	lo_vmo_t v;
	lo_channel_t reg;
	lo_handle_t motd;
	if (lo_event_create(lo_job_self(), &e) == LO_OK)
		return 30;
	if (lo_channel_create(lo_job_self(), &a, &b) == LO_OK)
		return 31;
	if (lo_vmo_create(lo_job_self(), 4096, &v) == LO_OK)
		return 32;
	if (lo_connect_registry("files", &reg) == LO_OK)
		return 33;
	if (lo_resolve_name("files:/etc/motd", LO_RIGHT_READ, &motd) == LO_OK)
		return 34;
	if (lo_log_write(lo_log, "x", 1) == LO_OK)
		return 35;
	return 0;
}

/* A second thread that waits for ever (until the process is killed). */
static void sleeper(void *arg)
{
	(void)arg;
	lo_event_t never;
	uint32_t observed;
	if (lo_event_create(lo_job_self(), &never) == LO_OK)
		lo_handle_wait_one(lo_event_handle(never), LO_SIG_EVENT_SIGNALED, UINT64_MAX, &observed);
}

/* "ready"; on any message a second thread starts, then "go". Then it
 * holds until killed. */
static int thread_on_cue(lo_channel_t ch)
{
	char buf[8];
	uint32_t observed;
	struct lo_channel_read_result got;
	lo_thread_t t;
	lo_channel_write(ch, "ready", 5, NULL, 0);
	if (lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE, UINT64_MAX, &observed) != LO_OK ||
	    lo_channel_read(ch, buf, sizeof(buf), NULL, 0, &got) != LO_OK ||
	    lo_thread_run(sleeper, NULL, "sleeper", &t) != LO_OK)
		return 2;
	lo_channel_write(ch, "go", 2, NULL, 0);
	sleeper(NULL);
	return 0;
}

/* names (test_regkept.c): names through this process's own root, on cue.
 * Each message is a struct names_ask; each answer a struct names_answer.
 * A message of no name ends it. */
static volatile status_t names_thread_status;

static void names_open_once(void *ask)
{
	struct names_ask *a = ask;
	lo_handle_t h;
	status_t st = lo_resolve_name(a->name, a->rights, &h);

	if (st == LO_OK)
		lo_handle_close(h);
	names_thread_status = st;
}

static int names(lo_channel_t ch)
{
	for (;;) {
		struct names_ask ask;
		struct lo_channel_read_result got;
		uint32_t observed;
		lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED,
				   UINT64_MAX, &observed);
		lo_memset(&ask, 0, sizeof(ask));
		if (lo_channel_read(ch, &ask, sizeof(ask) - 1, NULL, 0, &got) != LO_OK ||
		    got.bytes <= (uint32_t)(ask.name - (char *)&ask))
			return 0;
		ask.during[sizeof(ask.during) - 1] = '\0';
		struct names_answer a = { 0, 0, 0, 0, 0 };
		lo_handle_t h;
		if (ask.kill_after_ms) {
			lo_thread_t t;
			names_thread_status = LO_ERR_CANCELED;   /* unless the open ends first */
			a.status = lo_thread_run(names_open_once, &ask, "open", &t);
			if (a.status == LO_OK) {
				uint32_t observed;
				lo_handle_wait_one(lo_thread_handle(t), LO_SIG_THREAD_TERMINATED,
						   lo_deadline_after_ms(ask.kill_after_ms), &observed);
				if (ask.during[0]) {
					a.during = lo_resolve_name(ask.during, ask.rights, &h);
					if (a.during == LO_OK)
						lo_handle_close(h);
				}
				lo_thread_kill(t);
				a.status = lo_thread_join(t, lo_deadline_after_ms(5000));
				if (a.status == LO_OK)
					a.status = names_thread_status;
			}
			a.kept = lo_registry_kept_mounts();
			lo_channel_write(ch, &a, sizeof(a), NULL, 0);
			continue;
		}
		a.status = lo_resolve_name(ask.name, ask.rights, &h);
		if (a.status == LO_OK) {
			struct lo_object_info info;
			if (lo_handle_info(h, &info) == LO_OK) {
				a.rights = info.rights;
				a.id = info.id;
			}
			lo_handle_close(h);
		}
		a.kept = lo_registry_kept_mounts();
		lo_channel_write(ch, &a, sizeof(a), NULL, 0);
	}
}

int main(void)
{
	const char *args = lo_startup_args();
	lo_channel_t ch = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	if (lo_strncmp(args, "exit ", 5) == 0)
		return parse_int(args + 5);
	if (lo_strcmp(args, "names") == 0)
		return names(ch);
	if (lo_strcmp(args, "crash") == 0)
		*(volatile int *)0 = 1;
	if (lo_strcmp(args, "divide") == 0) {
		volatile int zero = 0;
		return 10 / zero;
	}
	if (lo_strcmp(args, "ud2") == 0)
		__asm__ volatile("ud2");
	if (lo_strcmp(args, "cli") == 0)
		__asm__ volatile("cli");
	if (lo_strcmp(args, "echo") == 0)
		return echo(ch);
	if (lo_strcmp(args, "revoke-use") == 0)
		return revoke_use(ch);
	if (lo_strcmp(args, "nothing") == 0)
		return try_everything();
	if (lo_strcmp(args, "create-loop") == 0) {
		for (;;) {
			lo_event_t e;
			status_t st = lo_event_create(lo_job_self(), &e);
			if (st != LO_OK)
				return st;
			lo_handle_close(lo_event_handle(e));
			lo_event_t tick;
			uint32_t observed;
			if (lo_event_create(lo_job_self(), &tick) == LO_OK) {
				lo_handle_wait_one(lo_event_handle(tick), LO_SIG_EVENT_SIGNALED,
						   lo_deadline_after_ms(10), &observed);
				lo_handle_close(lo_event_handle(tick));
			}
		}
	}
	if (lo_strcmp(args, "thread-on-cue") == 0)
		return thread_on_cue(ch);
	if (lo_strcmp(args, "hold") == 0) {
		lo_event_t never;
		uint32_t observed;
		lo_channel_write(ch, "ready", 5, NULL, 0);
		lo_event_create(lo_job_self(), &never);
		lo_handle_wait_one(lo_event_handle(never), LO_SIG_EVENT_SIGNALED, UINT64_MAX, &observed);
		return 4;
	}
	if (lo_strcmp(args, "handles") == 0) {
		struct lo_handle_entry e[16];
		uint32_t actual = 0, next = 0;
		lo_process_t self = lo_process_from(lo_startup_handle(LO_STARTUP_PROCESS_SELF));
		if (lo_process_list_handles(self, e, 16, 0, &actual, &next) != LO_OK)
			return 8;
		return lo_channel_write(ch, e, actual * (uint32_t)sizeof(e[0]), NULL, 0) == LO_OK ? 0 : 9;
	}
	if (lo_strcmp(args, "hog") == 0) {
		/* 1 GiB VMOs, one byte per page, until memory runs out. */
		for (int i = 0; i < 64; i++) {
			lo_vmo_t v;
			if (lo_vmo_create(lo_job_self(), 1ull << 30, &v) != LO_OK)
				return 5;
			for (uint64_t off = 0; off < (1ull << 30); off += 4096) {
				status_t st = lo_vmo_write(v, "x", off, 1);
				if (st == LO_ERR_NO_MEMORY)
					return 0;
				if (st != LO_OK)
					return 6;
			}
		}
		return 7;
	}
	if (lo_strncmp(args, "fpu ", 4) == 0)
		return fpu_ping_pong(ch, (uint64_t)parse_int(args + 4));
	if (lo_strncmp(args, "fpu-hold ", 9) == 0) {
		int r = fx_check_clean();
		if (r)
			return 10 + r;
		fx_load((uint64_t)parse_int(args + 9));
		lo_channel_write(ch, "ready", 5, NULL, 0);
		return block_forever();
	}
	if (lo_strcmp(args, "fpu-clean") == 0) {
		int r = fx_check_clean();
		return r ? 10 + r : 0;
	}
	if (lo_strcmp(args, "sysret-top") == 0) {
		/* syscall; it returns to 0x800000000000, which is not canonical.
		 * The number is unknown: the call itself only says BAD_SYSCALL. */
		static const uint8_t code[] = { 0x0f, 0x05 };
		return run_at_top(code, sizeof(code), 0xffff);
	}
	if (lo_strcmp(args, "sysret-rsp") == 0) {
		/* The stack pointer is non-canonical only across the call; the
		 * code after it would take its own back and carry on. */
		uint64_t bad = 0x0000800000000000ull, saved;
		__asm__ volatile("mov %%rsp, %0\n"
				 "mov %1, %%rsp\n"
				 "mov $0xffff, %%eax\n"
				 "syscall\n"
				 "mov %0, %%rsp\n"
				 : "=&r"(saved) : "r"(bad)
				 : "rax", "rcx", "r11", "memory");
		return 53;
	}
	if (lo_strcmp(args, "unmap_loop") == 0) {
		lo_vmo_t v;
		if (lo_vmo_create(lo_job_self(), 1ull << 30, &v) != LO_OK)
			return 10;
		for (int round = 0;; round++) {
			struct lo_map_request req = { 0, 0, 1ull << 30, LO_MAP_WRITE, 0 };
			uint64_t addr = 0;
			if (lo_process_map(lo_self, v, &req, &addr) != LO_OK)
				return 11;
			*(volatile char *)(uintptr_t)(addr + (uint64_t)(round % 512) * 2097152) = 1;
			if (lo_process_unmap(lo_self, addr, 1ull << 30) != LO_OK)
				return 12;
			if (round == 0)
				lo_channel_write(ch, "ready", 5, NULL, 0);
		}
	}
	if (lo_strcmp(args, "tlb-reader") == 0)
		return tlb_reader(ch);
	if (lo_strcmp(args, "table-race") == 0)
		return table_race();
	if (lo_strncmp(args, "spin ", 5) == 0)
		return spin_threads(ch, parse_int(args + 5));
	if (lo_strncmp(args, "calls ", 6) == 0)
		return call_threads(ch, parse_int(args + 6));
	if (lo_strncmp(args, "job-fill ", 9) == 0)
		return job_fill(ch, args + 9);
	if (lo_strcmp(args, "create-all") == 0)
		return create_all(ch);
	if (lo_strcmp(args, "exc-touch") == 0 || lo_strcmp(args, "exc-ud2") == 0 ||
	    lo_strcmp(args, "exc-fault") == 0) {
		char go[8];
		uint32_t observed;
		struct lo_channel_read_result got;
		if (lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE, UINT64_MAX,
				       &observed) != LO_OK ||
		    lo_channel_read(ch, go, sizeof(go), NULL, 0, &got) != LO_OK)
			return 60;
		if (args[4] == 't') {
			volatile uint64_t *p = (volatile uint64_t *)EXC_TOUCH_ADDR;
			*p = 0x1234567887654321ull;
			return *p == 0x1234567887654321ull ? 0 : 61;
		}
		if (args[4] == 'u') {
			uint32_t eax;
			__asm__ volatile("xor %%eax, %%eax\n"
					 "ud2\n"
					 : "=a"(eax) : : "memory");
			return (int)eax;
		}
		*(volatile int *)0 = 1;
		return 62;
	}
	if (lo_strcmp(args, "exc-read-exit") == 0) {
		char buf[512];
		lo_handle_t handles[4];
		uint32_t observed;
		struct lo_channel_read_result got;
		if (lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE, UINT64_MAX,
				       &observed) != LO_OK ||
		    lo_channel_read(ch, buf, sizeof(buf), handles, 4, &got) != LO_OK)
			return 63;
		return 0;   /* the handles close with us, unanswered */
	}
	if (lo_strcmp(args, "regserve") == 0 || lo_strcmp(args, "regdie") == 0)
		return registry_server(ch, args[3] == 'd');
	if (lo_strcmp(args, "pt-spread") == 0) {
		lo_vmo_t v;
		if (lo_vmo_create(lo_job_self(), 4096, &v) != LO_OK)
			return 65;
		for (uint64_t i = 0; i < 256; i++) {
			struct lo_map_request req = { PT_SPREAD_BASE + (i << 30), 0, 4096, LO_MAP_WRITE, 0 };
			uint64_t addr = 0;
			if (lo_process_map(lo_self, v, &req, &addr) != LO_OK)
				return 66;
			*(volatile uint64_t *)(uintptr_t)addr = i;
		}
		return 0;
	}
	if (lo_strcmp(args, "msg-fill") == 0) {
		static char big[16384];
		status_t st;
		do
			st = lo_channel_write(ch, big, sizeof(big), NULL, 0);
		while (st == LO_OK);
		return st == LO_ERR_NO_MEMORY ? 0 : st == LO_ERR_SHOULD_WAIT ? 70 : 71;
	}
	if (lo_strcmp(args, "kill-given") == 0) {
		char buf[8];
		lo_handle_t h[1];
		uint32_t observed;
		struct lo_channel_read_result got;
		if (lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE, UINT64_MAX,
				       &observed) != LO_OK ||
		    lo_channel_read(ch, buf, sizeof(buf), h, 1, &got) != LO_OK || got.handles != 1)
			return 64;
		status_t st = lo_process_kill(lo_process_from(h[0]));
		lo_channel_write(ch, &st, sizeof(st), NULL, 0);
		return 0;
	}
	/* test_event_consume.c: send the parent a pong event, then take each
	 * ping (user 0) and answer with a pong. */
	if (lo_strcmp(args, "event-pong") == 0) {
		lo_event_t ping = lo_event_from(lo_startup_handle(LO_STARTUP_USER));
		lo_event_t pong;
		uint32_t theirs = 0;
		if (lo_event_create(lo_job_self(), &pong) != LO_OK ||
		    lo_handle_duplicate(lo_event_handle(pong), LO_DEFAULT_RIGHTS_EVENT, &theirs) != LO_OK)
			return 64;
		lo_handle_t give[1] = { { theirs } };
		if (lo_channel_write(ch, "pong", 4, give, 1) != LO_OK)
			return 64;
		while (lo_event_consume(ping, lo_deadline_after_ms(10000)) == LO_OK)
			lo_handle_signal(lo_event_handle(pong), 0, LO_SIG_EVENT_SIGNALED);
		return 65;
	}
	lo_printf("child: unknown mode '%s'\n", args);
	return 99;
}
