/* bench_smp: what crossing CPUs costs. Started by init on the "bench smp"
 * command line (make bench boots it on 2 virtual CPUs, plain TCG only:
 * under -icount QEMU runs the vCPUs one at a time, and a waiting CPU
 * burns the whole budget). Prints the same BENCH lines as bench.c, in TSC
 * cycles per operation:
 *   thread_round_trip_same_cpu / _cross_cpu   channel ping-pong between two
 *       threads pinned to one CPU, or to two
 *   event_round_trip_same_cpu / _cross_cpu    two events, each side blocked
 *       in turn: across CPUs every wake is a reschedule IPI to a halted CPU
 *   unmap_alone / unmap_shootdown   map, touch and unmap a page, with no
 *       other CPU holding the address space, or with a thread of the same
 *       process running on the other CPU (a TLB shootdown per unmap)
 *   null_calls_1_process / _2_processes   null system calls per process,
 *       N processes at once on N CPUs (per-call time: flat means scaling)
 * "calls N" runs one of the processes of the last case. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/spawn.h"
#include "lightos/thread.h"
#include "measure.h"

#define ITERS 400

static uint64_t samples[ITERS];

static void report(const char *name, int n)
{
	sort_samples(samples, n);
	lo_printf(BENCH_LINE, name, samples[n / 2], samples[0], n);
}

static lo_thread_t self;   /* our own thread (LO_STARTUP_THREAD_SELF) */

/* The CPUs online: set_affinity refuses a mask with none. */
static uint32_t cpus(void)
{
	uint32_t n = 0;
	while (n < 32 && lo_thread_set_affinity(self, 1u << n) == LO_OK)
		n++;
	lo_thread_set_affinity(self, ~0u);
	return n ? n : 1;
}

/* --- Ping-pong between two pinned threads: over a channel, or two events. */
struct side {
	lo_channel_t ch;
	lo_event_t mine, theirs;
	int events;
	int first;   /* times the round trips */
};

static void wait_sig(lo_handle_t h, uint32_t sig)
{
	uint32_t observed;
	lo_handle_wait_one(h, sig, UINT64_MAX, &observed);
}

static void one_trip(struct side *s, int send_first)
{
	uint32_t msg = 0;
	struct lo_channel_read_result got;
	if (send_first) {
		if (s->events)
			lo_handle_signal(lo_event_handle(s->theirs), 0, LO_SIG_EVENT_SIGNALED);
		else
			lo_channel_write(s->ch, &msg, sizeof(msg), NULL, 0);
	}
	if (s->events) {
		wait_sig(lo_event_handle(s->mine), LO_SIG_EVENT_SIGNALED);
		lo_handle_signal(lo_event_handle(s->mine), LO_SIG_EVENT_SIGNALED, 0);
	} else {
		wait_sig(lo_channel_handle(s->ch), LO_SIG_CHANNEL_READABLE);
		lo_channel_read(s->ch, &msg, sizeof(msg), NULL, 0, &got);
	}
	if (!send_first) {
		if (s->events)
			lo_handle_signal(lo_event_handle(s->theirs), 0, LO_SIG_EVENT_SIGNALED);
		else
			lo_channel_write(s->ch, &msg, sizeof(msg), NULL, 0);
	}
}

static void run_side(void *arg)
{
	struct side *s = arg;
	int total = ITERS + ITERS / 10;
	for (int i = 0; i < total; i++) {
		uint64_t t0 = tsc();
		one_trip(s, s->first);
		if (s->first && i >= ITERS / 10)
			samples[i - ITERS / 10] = tsc() - t0;
	}
}

static void ping_pong(const char *name, int events, uint32_t cpu_a, uint32_t cpu_b)
{
	struct side a = { { 0 }, { 0 }, { 0 }, events, 1 }, b = { { 0 }, { 0 }, { 0 }, events, 0 };
	lo_event_t e1, e2;
	if (lo_channel_create(lo_job_self(), &a.ch, &b.ch) != LO_OK ||
	    lo_event_create(lo_job_self(), &e1) != LO_OK || lo_event_create(lo_job_self(), &e2) != LO_OK)
		return;
	a.mine = b.theirs = e1;
	a.theirs = b.mine = e2;
	lo_thread_t ta, tb;
	if (lo_thread_run(run_side, &b, "pong", &tb) != LO_OK)
		return;
	lo_thread_set_affinity(tb, 1u << cpu_b);
	if (lo_thread_run(run_side, &a, "ping", &ta) == LO_OK) {
		lo_thread_set_affinity(ta, 1u << cpu_a);
		lo_thread_join(ta, UINT64_MAX);
	}
	lo_thread_join(tb, UINT64_MAX);
	report(name, ITERS);
	lo_handle_close(lo_channel_handle(a.ch));
	lo_handle_close(lo_channel_handle(b.ch));
	lo_handle_close(lo_event_handle(e1));
	lo_handle_close(lo_event_handle(e2));
}

/* --- Unmap with and without another CPU holding the address space. */
static volatile int spin_stop, spinning;

static void spin(void *arg)
{
	(void)arg;
	spinning = 1;
	while (!spin_stop)
		__asm__ volatile("pause");
}

static void unmaps(const char *name, lo_vmo_t v)
{
	for (int i = 0; i < ITERS + ITERS / 10; i++) {
		uint64_t t0 = tsc(), addr = 0;
		struct lo_map_request req = { 0, 0, 4096, LO_MAP_WRITE, 0 };
		if (lo_process_map(lo_self, v, &req, &addr) != LO_OK)
			return;
		*(volatile char *)addr = 1;
		lo_process_unmap(lo_self, addr, 4096);
		if (i >= ITERS / 10)
			samples[i - ITERS / 10] = tsc() - t0;
	}
	report(name, ITERS);
}

static void tlb_cases(uint32_t ncpu)
{
	lo_vmo_t v;
	if (lo_vmo_create(lo_job_self(), 4096, &v) != LO_OK)
		return;
	lo_thread_set_affinity(self, 1);   /* CPU 0; the spinner on CPU 1 */
	unmaps("unmap_alone", v);
	if (ncpu > 1) {
		spin_stop = spinning = 0;
		lo_thread_t t;
		if (lo_thread_run(spin, NULL, "spinner", &t) == LO_OK) {
			lo_thread_set_affinity(t, 2);
			while (!spinning)   /* on CPU 1, with our address space loaded */
				__asm__ volatile("pause");
			unmaps("unmap_shootdown", v);
			spin_stop = 1;
			lo_thread_join(t, UINT64_MAX);
		}
	}
	lo_thread_set_affinity(self, ~0u);
	lo_handle_close(lo_vmo_handle(v));
}

/* --- N processes making null calls at once. */
#define CALLS 20000

static int calls_child(void)
{
	lo_channel_t ch = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	char go;
	struct lo_channel_read_result got;
	wait_sig(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE);
	lo_channel_read(ch, &go, 1, NULL, 0, &got);
	for (int i = 0; i < CALLS; i++)
		lo_system_null();
	return 0;
}

static void parallel_calls(const char *name, lo_vmo_t image, int n)
{
	lo_channel_t mine[4];
	lo_process_t child[4];
	int started = 0;
	for (int i = 0; i < n; i++) {
		lo_channel_t theirs;
		if (lo_channel_create(lo_job_self(), &mine[i], &theirs) != LO_OK)
			break;
		struct lo_give g = { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) };
		if (lo_spawn_from_image(image, "bin/bench_smp", "calls", &g, 1, &child[i], NULL) != LO_OK) {
			lo_handle_close(lo_channel_handle(mine[i]));
			break;
		}
		started++;
	}
	uint64_t t0 = tsc();
	for (int i = 0; i < started; i++)
		lo_channel_write(mine[i], "g", 1, NULL, 0);
	for (int i = 0; i < started; i++)
		wait_sig(lo_process_handle(child[i]), LO_SIG_PROCESS_TERMINATED);
	uint64_t per_call = (tsc() - t0) / CALLS;
	samples[0] = per_call;
	if (started == n)
		report(name, 1);
	for (int i = 0; i < started; i++) {
		lo_handle_close(lo_process_handle(child[i]));
		lo_handle_close(lo_channel_handle(mine[i]));
	}
}

int main(void)
{
	if (!lo_strcmp(lo_startup_args(), "calls"))
		return calls_child();
	lo_vmo_t image = lo_vmo_from(lo_startup_handle(LO_STARTUP_IMAGE));
	self = lo_thread_from(lo_startup_handle(LO_STARTUP_THREAD_SELF));
	uint32_t n = cpus();
	lo_printf("BENCH begin (%u CPUs)\n", n);
	ping_pong("thread_round_trip_same_cpu", 0, 0, 0);
	ping_pong("event_round_trip_same_cpu", 1, 0, 0);
	if (n > 1) {
		ping_pong("thread_round_trip_cross_cpu", 0, 0, 1);
		ping_pong("event_round_trip_cross_cpu", 1, 0, 1);
	}
	tlb_cases(n);
	parallel_calls("null_calls_1_process", image, 1);
	if (n > 1)
		parallel_calls("null_calls_2_processes", image, 2);
	lo_printf("BENCH end\n");
	uint32_t observed;
	lo_handle_wait_one(lo_log_handle(lo_log), LO_SIG_LOG_DRAINED, lo_deadline_after_ms(5000),
			   &observed);
	return 0;
}
