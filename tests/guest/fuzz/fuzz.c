/* fuzz: random and half-valid system calls, to show the kernel survives
 * anything a process does. Arguments: "<seed> <iterations>". It starts with
 * no handle to its own process or thread (so it cannot unmap its own code),
 * no log and no resource; everything it touches it created itself. Two
 * threads fuzz at once. Exit code: 0.
 *
 * Each call: a number (mostly valid, sometimes anything), and six
 * arguments drawn from: handles it holds, stale and guessed values, small
 * and huge integers, and pointers (valid scratch memory, NULL, low
 * unmapped, kernel, non-canonical, straddling the end of a mapping,
 * misaligned). Calls the IDL marks `blocking` get short deadlines; the two calls
 * that end the caller are never made. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/thread.h"

#define POOL      64
#define SCRATCH   (16 * 4096)

struct fuzzer {
	uint64_t rng;
	uint32_t pool[POOL];      /* handle values seen: live, stale or harvested */
	uint8_t *scratch;         /* a mapping only the fuzzer's calls write */
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
	case 0: case 1: case 2: return f->pool[next(f) % POOL];
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
			f->pool[next(f) % POOL] = v;
	}
}

static void fuzz_call(struct fuzzer *f)
{
	uint64_t nr = next(f) % 8 ? next(f) % LO_SYS_COUNT : next(f);
	if (nr == LO_SYS_PROCESS_EXIT || nr == LO_SYS_THREAD_EXIT)
		return;
	uint64_t a[6];
	for (int i = 0; i < 6; i++)
		a[i] = argument(f);
	/* Blocking calls wait at most a few milliseconds. */
	uint64_t soon = lo_now() + (next(f) % 3) * 1000000ull;
	int deadline = lo_syscall_deadline_arg(nr);   /* from `blocking` in the IDL */
	if (deadline >= 0)
		a[deadline] = soon;
	else if (lo_syscall_blocking(nr))
		return;   /* blocks with no deadline to bound it */
	lo_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	f->calls++;
	harvest(f);
}

/* Objects to play with, so valid handles exist from the start. */
static void seed_pool(struct fuzzer *f)
{
	int n = 0;
	lo_event_t e;
	lo_channel_t a, b;
	lo_vmo_t v;
	lo_port_t p;
	lo_timer_t t;
	lo_process_t proc;
	if (lo_event_create(lo_job_self(), &e) == LO_OK)
		f->pool[n++] = e.value;
	if (lo_channel_create(lo_job_self(), &a, &b) == LO_OK) {
		f->pool[n++] = a.value;
		f->pool[n++] = b.value;
	}
	if (lo_vmo_create(lo_job_self(), 8192, &v) == LO_OK)
		f->pool[n++] = v.value;
	if (lo_port_create(lo_job_self(), &p) == LO_OK)
		f->pool[n++] = p.value;
	if (lo_timer_create(lo_job_self(), &t) == LO_OK)
		f->pool[n++] = t.value;
	if (lo_process_create(lo_job_self(), "victim", 6, &proc) == LO_OK)
		f->pool[n++] = proc.value;
	while (n < POOL)
		f->pool[n++] = (uint32_t)next(f);
}

static uint64_t iterations;
static lo_event_t second_done;   /* the second thread signals it at its end */

static void fuzz_thread(void *arg)
{
	struct fuzzer *f = arg;
	seed_pool(f);
	for (uint64_t i = 0; i < iterations; i++)
		fuzz_call(f);
}

static void second_thread(void *arg)
{
	fuzz_thread(arg);
	lo_handle_signal(lo_event_handle(second_done), 0, LO_SIG_EVENT_SIGNALED);
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

int main(void)
{
	const char *args = lo_startup_args();
	uint64_t seed = parse(&args);
	iterations = parse(&args);
	/* Memory first, while we still hold our own process: scratch and heap. */
	lo_free(lo_malloc(1 << 16));
	static struct fuzzer fuzzers[2];
	lo_vmo_t v;
	uint64_t addr = 0;
	struct lo_map_request req = { 0, 0, 2 * SCRATCH, LO_MAP_WRITE, 0 };
	if (lo_vmo_create(lo_job_self(), 2 * SCRATCH, &v) != LO_OK || lo_process_map(lo_self, v, &req, &addr) != LO_OK)
		return 2;
	lo_handle_close(lo_vmo_handle(v));
	for (int i = 0; i < 2; i++) {
		fuzzers[i].rng = (seed + 1) * 0x9e3779b97f4a7c15ull + (uint64_t)i;
		fuzzers[i].scratch = (uint8_t *)(uintptr_t)(addr + (uint64_t)i * SCRATCH);
	}
	lo_thread_t second;
	if (lo_event_create(lo_job_self(), &second_done) != LO_OK ||
	    lo_thread_run(second_thread, &fuzzers[1], "fuzz2", &second) != LO_OK)
		return 3;
	/* Now give up every right on ourselves: what is left of our own
	 * handles only names us to process_exit and thread_exit. */
	uint32_t bare = 0;
	if (lo_handle_replace(lo_process_handle(lo_self), 0, &bare) == LO_OK)
		lo_self = lo_process_from((lo_handle_t){ bare });
	if (lo_handle_replace(lo_thread_handle(lo_main_thread), 0, &bare) == LO_OK)
		lo_main_thread = lo_thread_from((lo_handle_t){ bare });
	lo_handle_close(lo_thread_handle(second));
	fuzz_thread(&fuzzers[0]);
	/* The event is outside the pool: no fuzzed call can close it. */
	uint32_t observed;
	if (lo_handle_wait_one(lo_event_handle(second_done), LO_SIG_EVENT_SIGNALED,
			       lo_deadline_after_ms(4 * 3600 * 1000ull), &observed) != LO_OK)
		return 4;
	return 0;
}
