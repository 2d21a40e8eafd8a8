/* fuzz: random, half-valid and racing system calls, to show the kernel
 * survives anything processes do, and leaks nothing.
 *
 * Two roles, one program:
 *
 *   fuzz <seed> <calls> [classes]           the supervisor (started by the
 *       test suite with the log and the image). It starts worker processes
 *       two at a time, sends each the other's threads, and with the `kill`
 *       class kills workers or single worker threads after a random number
 *       of their calls. It waits until every worker is gone, prints what
 *       ran and exits 0 (1: a worker faulted or would not end).
 *
 *   fuzz worker <seed> <calls> <classes> <slot>   a worker: four threads
 *       making <calls> calls each on ONE shared pool of handles, so they
 *       close, bind, map, write and wait on the same handles at once. It
 *       holds no handle to itself (it cannot unmap its own code), no log
 *       and no resource; everything it touches it created, except its
 *       sibling's threads. It counts calls in slot <slot> of a page it
 *       shares with the supervisor.
 *
 * Classes (a comma-separated list, or "all"), so a run can be narrowed down:
 *   random  any call number with arguments drawn from the pool, stale and
 *           guessed values, small and huge integers and pointers (valid,
 *           NULL, low, kernel, non-canonical, page-straddling, misaligned)
 *   race    the threads on the same handles: close, duplicate, wait, wait
 *           many, signal, channel write and close, timers
 *   port    port bind, queue, wait and close on the same ports
 *   vm      victim processes (never started) with large mappings (up to
 *           256 MiB), unmapped while another thread kills or closes them
 *   kill    workers and worker threads killed in the middle of their calls,
 *           workers killing their sibling's threads
 *   cycle   handles in messages: channel ends sent into each other's
 *           queues and into their own pair, ports, events and processes in
 *           messages, then closed
 * Calls that would block get short deadlines; the two calls that end the
 * caller are never made. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/spawn.h"
#include "lightos/thread.h"

#define CLASS_RANDOM 1u
#define CLASS_RACE   2u
#define CLASS_PORT   4u
#define CLASS_VM     8u
#define CLASS_KILL   16u
#define CLASS_CYCLE  32u
#define CLASSES      6
#define CLASS_ALL    63u

#define THREADS   4              /* per worker, all on one pool */
#define POOL      24             /* small: the threads keep hitting the same handles */
#define MAPS      8              /* large mappings in victim processes */
#define SCRATCH   (16 * 4096)    /* per thread */
#define CHUNK     2000           /* at most, calls per thread per worker with `kill` */

static const char *const class_names[CLASSES] = { "random", "race", "port", "vm", "kill", "cycle" };

/* --- State one worker's threads share --- */

struct mapping {
	uint32_t process;
	uint64_t addr, len;
};

static uint32_t pool[POOL];         /* handle values: live, stale or harvested */
static struct mapping maps[MAPS];   /* updated racily on purpose: only hints */
static uint32_t classes;
static uint64_t iterations;
static volatile uint64_t *counter;  /* this worker's slot in the shared page */

struct fuzzer {
	uint64_t rng;
	uint8_t *scratch;         /* a mapping only this thread's calls write */
	uint64_t calls;
};

static uint64_t next(struct fuzzer *f)
{
	uint64_t x = f->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	f->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint32_t pick(struct fuzzer *f)
{
	return __atomic_load_n(&pool[next(f) % POOL], __ATOMIC_RELAXED);
}

/* A new value into a random slot. The value it replaces is mostly closed
 * (it may be stale, or another thread's too): handles do not pile up, and
 * objects keep reaching their last close while others use them. */
static void put(struct fuzzer *f, uint32_t v)
{
	uint32_t old = __atomic_exchange_n(&pool[next(f) % POOL], v, __ATOMIC_RELAXED);
	if (next(f) % 8)
		lo_handle_close((lo_handle_t){ old });
}

static lo_handle_t any(struct fuzzer *f)
{
	return (lo_handle_t){ pick(f) };
}

/* A deadline 0, 1 or 2 ms away: blocking calls never block for long. */
static uint64_t soon(struct fuzzer *f)
{
	return lo_now() + (next(f) % 3) * 1000000ull;
}

/* --- class random: the original fuzzer --- */

static uint64_t pointer(struct fuzzer *f)
{
	switch (next(f) % 9) {
	case 0: return 0;
	case 1: return 0x1000;                                   /* unmapped, low */
	case 2: return 0xffff800000100000ull;                    /* the kernel's direct map */
	case 3: return 0xffffffff80100000ull;                    /* the kernel image */
	case 4: return 0x8000000000000000ull;                    /* non-canonical */
	case 5: return (uint64_t)(uintptr_t)(f->scratch + SCRATCH - 1 - next(f) % 16);   /* straddles the end */
	case 6: return (uint64_t)(uintptr_t)(f->scratch + 1 + next(f) % 7);           /* misaligned */
	default: return (uint64_t)(uintptr_t)(f->scratch + (next(f) % (SCRATCH / 2)));
	}
}

static uint64_t argument(struct fuzzer *f)
{
	switch (next(f) % 10) {
	case 0: case 1: case 2: return pick(f);
	case 3: return (uint32_t)next(f);
	case 4: return next(f) % 64;
	case 5: case 6: return pointer(f);
	case 7: return next(f) % 2 ? 0xffffffffull : 0x7fffffffffffffffull;
	case 8: return 0;
	default: return next(f);
	}
}

/* Harvest handle-looking values the kernel wrote into scratch memory. */
static void harvest(struct fuzzer *f)
{
	const uint32_t *words = (const uint32_t *)f->scratch;
	for (int i = 0; i < 4; i++) {
		uint32_t v = words[next(f) % (SCRATCH / 8)];
		if (v)
			put(f, v);
	}
}

static void random_call(struct fuzzer *f)
{
	uint64_t nr = next(f) % 8 ? next(f) % LO_SYS_COUNT : next(f);
	if (nr == LO_SYS_PROCESS_EXIT || nr == LO_SYS_THREAD_EXIT)
		return;
	uint64_t a[6];
	for (int i = 0; i < 6; i++)
		a[i] = argument(f);
	int deadline = lo_syscall_deadline_arg(nr);   /* from `blocking` in the IDL */
	if (deadline >= 0)
		a[deadline] = soon(f);
	else if (lo_syscall_blocking(nr))
		return;   /* blocks with no deadline to bound it */
	lo_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	harvest(f);
}

/* --- Objects into the pool --- */

static void create_object(struct fuzzer *f)
{
	lo_event_t e;
	lo_channel_t a, b;
	lo_vmo_t v;
	lo_port_t p;
	lo_timer_t t;
	lo_process_t proc;
	lo_thread_t th;
	switch (next(f) % 8) {
	case 0:
		if (lo_event_create(lo_job_self(), &e) == LO_OK)
			put(f, e.value);
		break;
	case 1: case 2:
		if (lo_channel_create(lo_job_self(), &a, &b) == LO_OK) {
			put(f, a.value);
			put(f, b.value);
		}
		break;
	case 3:
		if (lo_vmo_create(lo_job_self(), 4096 << (next(f) % 4), &v) == LO_OK)
			put(f, v.value);
		break;
	case 4: case 5:
		if (lo_port_create(lo_job_self(), &p) == LO_OK)
			put(f, p.value);
		break;
	case 6:
		if (lo_timer_create(lo_job_self(), &t) == LO_OK) {
			lo_timer_set(t, soon(f));
			put(f, t.value);
		}
		break;
	default:
		if (lo_process_create(lo_job_self(), "victim", 6, &proc) == LO_OK) {
			put(f, proc.value);
			/* A thread that is never started: something to kill. */
			if (next(f) % 2 && lo_thread_create(proc, "v", 1, &th) == LO_OK)
				put(f, th.value);
		}
		break;
	}
}

/* --- class race: the threads on the same handles --- */

/* A pooled handle of the given type if one of a few tries finds one (the
 * pool mixes types; the races need the right one), else any. */
static uint32_t pick_type(struct fuzzer *f, uint32_t type)
{
	struct lo_object_info info;
	for (int i = 0; i < 4; i++) {
		uint32_t v = pick(f);
		if (lo_handle_info((lo_handle_t){ v }, &info) == LO_OK && info.type == type)
			return v;
	}
	return pick(f);
}

/* Map a large VMO (1 to 256 MiB) into a victim process: its unmap (or the
 * kill that ends the victim) walks many pages, a window of milliseconds
 * for another thread's kill, unmap or close. */
static void map_large(struct fuzzer *f, lo_process_t proc)
{
	lo_vmo_t v;
	uint64_t len = (1ull << 20) << (next(f) % 9);
	if (lo_vmo_create(lo_job_self(), len, &v) != LO_OK)
		return;
	struct lo_map_request req = { 0, 0, len, next(f) % 2 ? LO_MAP_WRITE : 0, 0 };
	uint64_t addr = 0;
	if (lo_process_map(proc, v, &req, &addr) == LO_OK) {
		struct mapping *m = &maps[next(f) % MAPS];
		m->process = proc.value;
		m->addr = addr;
		m->len = len;
	}
	if (next(f) % 4)
		lo_handle_close(lo_vmo_handle(v));
	else
		put(f, v.value);
}

static void unmap_large(struct fuzzer *f)
{
	struct mapping m = maps[next(f) % MAPS];
	lo_process_unmap((lo_process_t){ m.process }, m.addr, m.len);
}

/* A victim (never started) with a large mapping, into the pool. */
static void new_victim(struct fuzzer *f)
{
	lo_process_t proc;
	if (lo_process_create(lo_job_self(), "victim", 6, &proc) != LO_OK)
		return;
	map_large(f, proc);
	put(f, proc.value);
}

/* Class race: generic calls on the shared handles. */
static void race_call(struct fuzzer *f)
{
	uint32_t dup, observed;
	struct lo_object_info info;
	lo_handle_t h;
	switch (next(f) % 12) {
	case 0: case 1:
		create_object(f);
		break;
	case 2: case 3:
		lo_handle_close(any(f));
		break;
	case 4:
		h = any(f);
		if (lo_handle_info(h, &info) == LO_OK &&
		    lo_handle_duplicate(h, next(f) % 4 ? info.rights : (uint32_t)next(f), &dup) == LO_OK)
			put(f, dup);
		break;
	case 5:
		lo_handle_wait_one(any(f), next(f) % 2 ? 1u : (uint32_t)next(f), soon(f), &observed);
		break;
	case 6: {
		lo_handle_t hs[4];
		uint32_t masks[4], seen[4];
		uint32_t n = 1 + (uint32_t)(next(f) % 4);
		for (uint32_t i = 0; i < n; i++) {
			hs[i] = any(f);
			masks[i] = 1u << (next(f) % 3);
		}
		lo_handle_wait_many(hs, masks, seen, n, soon(f));
		break;
	}
	case 7:
		lo_handle_signal(any(f), 0, LO_SIG_EVENT_SIGNALED);
		break;
	case 8:
		h = any(f);
		lo_channel_write((lo_channel_t){ pick_type(f, LO_TYPE_CHANNEL) }, "race", 4, &h,
				 next(f) % 2);
		break;
	case 9:
		lo_handle_close((lo_handle_t){ pick_type(f, LO_TYPE_CHANNEL) });
		break;
	default:
		if (next(f) % 2)
			lo_timer_set((lo_timer_t){ pick(f) }, soon(f));
		else
			lo_timer_cancel((lo_timer_t){ pick(f) });
		break;
	}
}

/* Class port: bindings made, fired and torn down while the port's handles
 * are closed by the other threads. */
static void port_call(struct fuzzer *f)
{
	lo_port_t port;
	struct lo_port_packet packet;
	uint32_t dup;
	switch (next(f) % 8) {
	case 0:
		if (lo_port_create(lo_job_self(), &port) == LO_OK)
			put(f, port.value);
		break;
	case 1:
		create_object(f);
		break;
	case 2: case 3:
		lo_port_bind((lo_port_t){ pick_type(f, LO_TYPE_PORT) }, any(f),
			     next(f) % 2 ? 1u : (uint32_t)next(f), next(f));
		break;
	case 4:
		lo_handle_close((lo_handle_t){ pick_type(f, LO_TYPE_PORT) });
		break;
	case 5:
		if (next(f) % 4 == 0 &&
		    lo_handle_duplicate((lo_handle_t){ pick_type(f, LO_TYPE_PORT) },
					LO_DEFAULT_RIGHTS_PORT, &dup) == LO_OK)
			put(f, dup);
		else
			lo_handle_close((lo_handle_t){ pick_type(f, LO_TYPE_PORT) });
		break;
	case 6:
		lo_port_queue((lo_port_t){ pick_type(f, LO_TYPE_PORT) }, next(f), (uint32_t)next(f));
		break;
	default:
		lo_port_wait((lo_port_t){ pick_type(f, LO_TYPE_PORT) }, soon(f), &packet);
		break;
	}
}

/* Class vm: victims with large mappings, unmapped and killed at once. */
static void vm_call(struct fuzzer *f)
{
	switch (next(f) % 6) {
	case 0:
		new_victim(f);
		break;
	case 1:
		map_large(f, (lo_process_t){ pick_type(f, LO_TYPE_PROCESS) });
		break;
	case 2: case 3:
		unmap_large(f);
		break;
	case 4:
		lo_process_kill((lo_process_t){ pick_type(f, LO_TYPE_PROCESS) });
		break;
	default:
		lo_handle_close((lo_handle_t){ pick_type(f, LO_TYPE_PROCESS) });
		break;
	}
}

/* --- class cycle: handles in messages --- */

static void send_handles(struct fuzzer *f)
{
	lo_handle_t hs[3];
	uint32_t n = 1 + (uint32_t)(next(f) % 3);
	for (uint32_t i = 0; i < n; i++)
		hs[i] = any(f);
	lo_channel_write((lo_channel_t){ pick(f) }, "cycle", 5, hs, n);
}

/* A new pair with one end sent into its own pair or the other into a
 * pooled channel: the makings of a cycle, then whatever the others do. */
static void send_pair(struct fuzzer *f)
{
	lo_channel_t a, b;
	if (lo_channel_create(lo_job_self(), &a, &b) != LO_OK)
		return;
	lo_handle_t moved = lo_channel_handle(next(f) % 2 ? a : b);
	lo_channel_t into = next(f) % 2 ? (lo_channel_t){ pick(f) } : (moved.value == a.value ? b : a);
	lo_channel_write(into, "pair", 4, &moved, 1);
	put(f, moved.value == a.value ? b.value : a.value);
}

static void cycle_call(struct fuzzer *f)
{
	switch (next(f) % 8) {
	case 0:
		create_object(f);
		break;
	case 1: case 2: case 3:
		send_handles(f);
		break;
	case 4:
		send_pair(f);
		break;
	case 5: {
		/* Take a message: its handles go back into the pool. */
		lo_handle_t hs[4];
		char buf[16];
		struct lo_channel_read_result got;
		if (lo_channel_read((lo_channel_t){ pick(f) }, buf, sizeof(buf), hs, 4, &got) == LO_OK) {
			for (uint32_t i = 0; i < got.handles; i++)
				put(f, hs[i].value);
		}
		break;
	}
	default:
		lo_handle_close(any(f));
		break;
	}
}

/* --- class kill, inside a worker: the sibling's threads --- */

static void kill_call(struct fuzzer *f)
{
	/* Mostly something harmless: a kill every few dozen calls. */
	if (next(f) % 32 == 0)
		lo_thread_kill((lo_thread_t){ pick(f) });
	else
		race_call(f);
}

static void fuzz_call(struct fuzzer *f)
{
	uint32_t c;
	do
		c = 1u << (next(f) % CLASSES);
	while (!(classes & c));
	switch (c) {
	case CLASS_RANDOM: random_call(f); break;
	case CLASS_RACE: race_call(f); break;
	case CLASS_PORT: port_call(f); break;
	case CLASS_VM: vm_call(f); break;
	case CLASS_KILL: kill_call(f); break;
	default: cycle_call(f); break;
	}
	if (++f->calls % 16 == 0)
		__atomic_fetch_add(counter, 16, __ATOMIC_RELAXED);
}

static void fuzz_thread(void *arg)
{
	struct fuzzer *f = arg;
	for (uint64_t i = 0; i < iterations; i++)
		fuzz_call(f);
}

static uint64_t parse(const char **s)
{
	uint64_t v = 0;
	while (**s == ' ')
		(*s)++;
	while (**s >= '0' && **s <= '9')
		v = v * 10 + (uint64_t)(*(*s)++ - '0');
	return v;
}

/* "race,cycle" or "all"; an empty word means all. */
static uint32_t parse_classes(const char **s)
{
	uint32_t set = 0;
	while (**s == ' ')
		(*s)++;
	while (**s && **s != ' ') {
		const char *w = *s;
		size_t n = 0;
		while (w[n] && w[n] != ' ' && w[n] != ',')
			n++;
		if (n == 3 && !lo_strncmp(w, "all", 3))
			set |= CLASS_ALL;
		for (uint32_t i = 0; i < CLASSES; i++) {
			if (lo_strlen(class_names[i]) == n && !lo_strncmp(w, class_names[i], n))
				set |= 1u << i;
		}
		*s += n;
		if (**s == ',')
			(*s)++;
	}
	return set ? set : CLASS_ALL;
}

static void print_classes(uint32_t set, char *buf, size_t size)
{
	size_t at = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < CLASSES; i++) {
		if (set & (1u << i))
			at += (size_t)lo_snprintf(buf + at, size - at, "%s%s", at ? "," : "",
						  class_names[i]);
	}
}

/* --- The worker --- */

static void seed_pool(struct fuzzer *f)
{
	for (int i = 0; i < POOL; i++)
		pool[i] = (uint32_t)next(f);
	for (int i = 0; i < POOL / 2; i++)
		create_object(f);
}

/* Its threads go to the supervisor (to be killed); the sibling's come back
 * into the pool. */
static void swap_threads(lo_channel_t ch, const lo_thread_t *threads)
{
	lo_handle_t hs[THREADS];
	uint32_t n = 0, observed;
	for (int i = 0; i < THREADS; i++) {
		if (lo_handle_duplicate(lo_thread_handle(threads[i]), LO_DEFAULT_RIGHTS_THREAD,
					&hs[n].value) == LO_OK)
			n++;
	}
	lo_channel_write(ch, "threads", 7, hs, n);
	if (lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE,
			       lo_deadline_after_ms(5000), &observed) != LO_OK)
		return;
	char buf[8];
	struct lo_channel_read_result got;
	if (lo_channel_read(ch, buf, sizeof(buf), hs, THREADS, &got) == LO_OK) {
		for (uint32_t i = 0; i < got.handles; i++)
			pool[i * (POOL / THREADS)] = hs[i].value;
	}
}

static int worker(const char *args)
{
	uint64_t seed = parse(&args);
	iterations = parse(&args);
	classes = parse_classes(&args);
	uint64_t slot = parse(&args) % 2;
	static struct fuzzer fuzzers[THREADS];
	/* Memory first, while we still hold our own process: heap, scratch,
	 * the counter page. The scratch ends in a read-only page: pointers that
	 * straddle its end must make the kernel's writes fail, not land in the
	 * next mapping (the counter page, which they used to scribble on). */
	lo_free(lo_malloc(1 << 16));
	lo_vmo_t v, guard;
	uint64_t addr = 0, guard_addr = 0, counters = 0;
	struct lo_map_request req = { 0, 0, THREADS * SCRATCH, LO_MAP_WRITE, 0 };
	if (lo_vmo_create(lo_job_self(), THREADS * SCRATCH, &v) != LO_OK || lo_process_map(lo_self, v, &req, &addr) != LO_OK)
		return 2;
	lo_handle_close(lo_vmo_handle(v));
	struct lo_map_request greq = { addr + THREADS * SCRATCH, 0, 4096, 0, 0 };
	if (lo_vmo_create(lo_job_self(), 4096, &guard) != LO_OK || lo_process_map(lo_self, guard, &greq, &guard_addr) != LO_OK)
		return 2;
	lo_handle_close(lo_vmo_handle(guard));
	static uint64_t no_counter;
	counter = &no_counter;
	lo_vmo_t page = lo_vmo_from(lo_startup_handle(LO_STARTUP_USER));
	struct lo_map_request creq = { 0, 0, 4096, LO_MAP_WRITE, 0 };
	if (page.value && lo_process_map(lo_self, page, &creq, &counters) == LO_OK)
		counter = (volatile uint64_t *)(uintptr_t)counters + slot;
	lo_handle_close(lo_vmo_handle(page));
	for (int i = 0; i < THREADS; i++) {
		fuzzers[i].rng = (seed + 1) * 0x9e3779b97f4a7c15ull + (uint64_t)i;
		fuzzers[i].scratch = (uint8_t *)(uintptr_t)(addr + (uint64_t)i * SCRATCH);
	}
	seed_pool(&fuzzers[0]);
	lo_thread_t threads[THREADS];
	threads[0] = lo_thread_from(lo_startup_handle(LO_STARTUP_THREAD_SELF));
	for (int i = 1; i < THREADS; i++) {
		if (lo_thread_run(fuzz_thread, &fuzzers[i], "fuzz", &threads[i]) != LO_OK)
			return 3;
	}
	lo_channel_t ch = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	if (ch.value) {
		if (classes & CLASS_KILL)
			swap_threads(ch, threads);
		lo_handle_close(lo_channel_handle(ch));
	}
	/* Now give up every right on ourselves (the thread handles stay
	 * outside the pool: no fuzzed call picks them). What is left of our
	 * own handles only names us to process_exit and thread_exit. */
	uint32_t bare = 0;
	if (lo_handle_replace(lo_process_handle(lo_self), 0, &bare) == LO_OK)
		lo_self = lo_process_from((lo_handle_t){ bare });
	if (lo_handle_replace(lo_thread_handle(lo_main_thread), 0, &bare) == LO_OK)
		lo_main_thread = lo_thread_from((lo_handle_t){ bare });
	fuzz_thread(&fuzzers[0]);
	for (int i = 1; i < THREADS; i++) {
		uint32_t observed;
		if (lo_handle_wait_one(lo_thread_handle(threads[i]), LO_SIG_THREAD_TERMINATED,
				       lo_deadline_after_ms(24 * 3600 * 1000ull), &observed) != LO_OK)
			return 4;
	}
	return 0;
}

/* --- The supervisor --- */

struct work {
	lo_process_t process;
	lo_channel_t channel;
	lo_handle_t threads[THREADS];
	uint32_t nthreads;
	uint64_t kill_at;         /* calls after which something is killed (0: never) */
	uint32_t action;          /* 0 the process, 1 one thread */
};

static struct {
	uint64_t workers, killed, threads_killed, failed, calls;
} stats;

static status_t start_worker(lo_vmo_t image, lo_vmo_t page, uint64_t seed, uint64_t calls,
			     const char *cls, uint32_t slot, struct work *w)
{
	lo_channel_t theirs;
	uint32_t dup = 0;
	lo_memset(w, 0, sizeof(*w));
	status_t st = lo_channel_create(lo_job_self(), &w->channel, &theirs);
	if (st != LO_OK)
		return st;
	st = lo_handle_duplicate(lo_vmo_handle(page), LO_DEFAULT_RIGHTS_VMO, &dup);
	if (st != LO_OK) {
		lo_handle_close(lo_channel_handle(theirs));
		return st;
	}
	struct lo_give give[2] = {
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
		{ LO_STARTUP_USER, { dup } },
	};
	char args[96];
	lo_snprintf(args, sizeof(args), "worker %lu %lu %s %u", seed, calls, cls, slot);
	const char *why = NULL;
	st = lo_spawn_from_image(image, "bin/fuzz", args, give, 2, &w->process, &why);
	if (st != LO_OK)
		lo_printf("fuzz: starting a worker: %s (%s)\n", lo_status_name(st), why ? why : "");
	else
		stats.workers++;
	return st;
}

/* The worker's threads, then the sibling's threads to the worker. */
static void collect_threads(struct work *w)
{
	uint32_t observed;
	char buf[8];
	struct lo_channel_read_result got;
	if (lo_handle_wait_one(lo_channel_handle(w->channel), LO_SIG_CHANNEL_READABLE,
			       lo_deadline_after_ms(10000), &observed) == LO_OK &&
	    lo_channel_read(w->channel, buf, sizeof(buf), w->threads, THREADS, &got) == LO_OK)
		w->nthreads = got.handles;
}

static void give_sibling_threads(struct work *to, const struct work *from)
{
	lo_handle_t hs[THREADS];
	uint32_t n = 0;
	for (uint32_t i = 0; i < from->nthreads; i++) {
		if (lo_handle_duplicate(from->threads[i], LO_DEFAULT_RIGHTS_THREAD, &hs[n].value) == LO_OK)
			n++;
	}
	lo_channel_write(to->channel, "sibling", 7, hs, n);
}

static int terminated(lo_process_t p, uint64_t deadline)
{
	uint32_t observed;
	return lo_handle_wait_one(lo_process_handle(p), LO_SIG_PROCESS_TERMINATED, deadline,
				  &observed) == LO_OK;
}

/* Let the workers run; kill what was chosen when its count is reached;
 * wait until both are gone. */
static void watch(struct work *w, volatile uint64_t *counters, uint64_t limit_ms, int strict)
{
	uint64_t give_up = lo_deadline_after_ms(limit_ms);
	for (;;) {
		int pending = 0;
		for (int i = 0; i < 2; i++) {
			if (!w[i].kill_at)
				continue;
			if (terminated(w[i].process, 0)) {
				w[i].kill_at = 0;
			} else if (counters[i] < w[i].kill_at) {
				pending = 1;
			} else if (w[i].action == 0 || !w[i].nthreads) {
				lo_process_kill(w[i].process);
				stats.killed++;
				w[i].kill_at = 0;
			} else {
				lo_thread_kill((lo_thread_t){ w[i].threads[w[i].kill_at % w[i].nthreads].value });
				stats.threads_killed++;
				w[i].kill_at = 0;
			}
		}
		if (!pending)
			break;
		terminated(w[0].process, lo_deadline_after_ms(1));   /* a short sleep */
	}
	for (int i = 0; i < 2; i++) {
		if (!terminated(w[i].process, give_up)) {
			lo_printf("fuzz: worker did not end in %lu ms; killed\n", limit_ms);
			stats.failed++;
			lo_process_kill(w[i].process);
			terminated(w[i].process, lo_deadline_after_ms(10000));
		}
		struct lo_process_info info;
		if (lo_process_info(w[i].process, &info) != LO_OK)
			continue;
		if (info.exit_reason == LO_EXIT_FAULT) {
			stats.failed++;
			lo_printf("fuzz: worker faulted: vector %lu address 0x%lx rip 0x%lx\n",
				  info.fault_vector, info.fault_address, info.fault_rip);
		} else if (strict && (info.exit_reason != LO_EXIT_NORMAL || info.exit_code != 0)) {
			stats.failed++;
			lo_printf("fuzz: worker ended with reason %u code %ld\n", info.exit_reason,
				  info.exit_code);
		}
	}
}

static void finish(struct work *w)
{
	lo_handle_close(lo_process_handle(w->process));
	lo_handle_close(lo_channel_handle(w->channel));
	for (uint32_t i = 0; i < w->nthreads; i++)
		lo_handle_close(w->threads[i]);
}

static int supervisor(const char *args)
{
	uint64_t seed = parse(&args);
	uint64_t calls = parse(&args);
	uint32_t set = parse_classes(&args);
	char cls[48];
	print_classes(set, cls, sizeof(cls));
	lo_vmo_t image = lo_vmo_from(lo_startup_handle(LO_STARTUP_IMAGE));
	lo_vmo_t page;
	uint64_t addr = 0;
	struct lo_map_request req = { 0, 0, 4096, LO_MAP_WRITE, 0 };
	if (lo_vmo_create(lo_job_self(), 4096, &page) != LO_OK || lo_process_map(lo_self, page, &req, &addr) != LO_OK)
		return 2;
	volatile uint64_t *counters = (volatile uint64_t *)(uintptr_t)addr;
	/* With `kill`, rounds of short-lived workers (at least 8 when the run
	 * allows); else two workers for the whole run. */
	uint64_t chunk = calls;
	if (set & CLASS_KILL) {
		chunk = calls / 8 < 100 ? 100 : calls / 8 > CHUNK ? CHUNK : calls / 8;
		chunk = chunk > calls ? calls : chunk;
	}
	if (!chunk)
		chunk = 1;
	uint64_t rounds = (calls + chunk - 1) / chunk;
	struct fuzzer rng = { (seed + 7) * 0x9e3779b97f4a7c15ull, 0, 0 };
	uint64_t start = lo_now();
	for (uint64_t r = 0; r < rounds; r++) {
		struct work w[2];
		int ok = 1;
		for (int i = 0; i < 2; i++) {
			counters[i] = 0;
			uint64_t wseed = seed * 1000003ull + r * 2 + (uint64_t)i;
			if (start_worker(image, page, wseed, chunk, cls, (uint32_t)i, &w[i]) != LO_OK) {
				ok = 0;
				if (i == 1)
					finish(&w[0]);
				break;
			}
		}
		if (!ok)
			return 3;
		if (set & CLASS_KILL) {
			collect_threads(&w[0]);
			collect_threads(&w[1]);
			give_sibling_threads(&w[0], &w[1]);
			give_sibling_threads(&w[1], &w[0]);
			for (int i = 0; i < 2; i++) {
				/* Two in three workers: a kill after some of their calls. */
				if (next(&rng) % 3) {
					w[i].kill_at = 1 + next(&rng) % (chunk * THREADS);
					w[i].action = (uint32_t)(next(&rng) % 2);
				}
			}
		}
		watch(w, counters, 4 * 3600 * 1000ull, !(set & CLASS_KILL));
		stats.calls += counters[0] + counters[1];
		finish(&w[0]);
		finish(&w[1]);
	}
	lo_printf("fuzz %lu [%s]: %lu workers (%d threads), %lu calls counted of %lu planned, "
		  "%lu workers and %lu threads killed, %lu ms\n",
		  seed, cls, stats.workers, THREADS, stats.calls, rounds * chunk * 2 * THREADS,
		  stats.killed, stats.threads_killed, (lo_now() - start) / 1000000);
	return stats.failed ? 1 : 0;
}

int main(void)
{
	const char *args = lo_startup_args();
	if (!lo_strncmp(args, "worker ", 7))
		return worker(args + 7);
	return supervisor(args);
}
