/* The scheduler across CPUs (kern/sched/sched.c): a woken thread runs at
 * once even when every CPU is busy, nobody starves, load spreads over the
 * CPUs, a pinned thread never moves, and a thread dies when killed from
 * another CPU whatever it is doing. On one CPU they still pass (the spread
 * and the pinning are then trivial). Times are in clock ticks (1 ms). */
#include "utest.h"
#include "lightos/thread.h"

static void nothing(void *arg)
{
	(void)arg;
}

static int cpu_count(void)
{
	static int n;
	lo_thread_t t;
	if (!n && lo_thread_run(nothing, NULL, "probe", &t) == LO_OK) {
		n = utest_cpus_online(t);
		lo_thread_join(t, lo_deadline_after_ms(5000));
	}
	return n ? n : 1;
}

/* Busy threads: spin (counting) until told to stop. */
#define MAX_SPINNERS 24

struct spinner {
	volatile uint64_t count;
	lo_thread_t thread;
};

static struct spinner spinners[MAX_SPINNERS];
static volatile int spinners_stop;

static void spin(void *arg)
{
	struct spinner *s = arg;
	while (!spinners_stop)
		s->count++;
}

static int start_spinners(int n, uint32_t mask)
{
	spinners_stop = 0;
	int started = 0;
	for (int i = 0; i < n && i < MAX_SPINNERS; i++) {
		spinners[i].count = 0;
		if (!CHECK_ST(lo_thread_run(spin, &spinners[i], "spinner", &spinners[i].thread), LO_OK))
			break;
		if (mask)
			CHECK_ST(lo_thread_set_affinity(spinners[i].thread, mask), LO_OK);
		started++;
	}
	return started;
}

static void stop_spinners(int n)
{
	spinners_stop = 1;
	for (int i = 0; i < n; i++)
		CHECK_ST(lo_thread_join(spinners[i].thread, lo_deadline_after_ms(10000)), LO_OK);
}

/* --- Wake-up latency under load: two busy threads per CPU, and a thread
 * woken by an event must still run within a tick or two, not after a
 * 10-tick slice of each thread queued before it. */
#define WAKE_ROUNDS 20

static lo_event_t wake_go, wake_ack;
static volatile uint64_t woke_at;

static void wake_waiter(void *arg)
{
	(void)arg;
	for (int i = 0; i < WAKE_ROUNDS; i++) {
		uint32_t observed;
		if (lo_handle_wait_one(lo_event_handle(wake_go), LO_SIG_EVENT_SIGNALED,
				       lo_deadline_after_ms(10000), &observed) != LO_OK)
			return;
		woke_at = lo_now();
		lo_handle_signal(lo_event_handle(wake_go), LO_SIG_EVENT_SIGNALED, 0);
		lo_handle_signal(lo_event_handle(wake_ack), 0, LO_SIG_EVENT_SIGNALED);
	}
}

static void test_wake_latency_under_load(void)
{
	int n = start_spinners(2 * cpu_count(), 0);
	CHECK_ST(lo_event_create(lo_job_self(), &wake_go), LO_OK);
	CHECK_ST(lo_event_create(lo_job_self(), &wake_ack), LO_OK);
	lo_thread_t waiter;
	uint64_t ticks[WAKE_ROUNDS];
	int rounds = 0;
	if (CHECK_ST(lo_thread_run(wake_waiter, NULL, "waiter", &waiter), LO_OK)) {
		for (; rounds < WAKE_ROUNDS; rounds++) {
			utest_sleep_ms(3);   /* the waiter blocks meanwhile */
			uint64_t start = lo_now();
			lo_handle_signal(lo_event_handle(wake_go), 0, LO_SIG_EVENT_SIGNALED);
			uint32_t observed;
			if (!CHECK_ST(lo_handle_wait_one(lo_event_handle(wake_ack), LO_SIG_EVENT_SIGNALED,
							 lo_deadline_after_ms(10000), &observed), LO_OK))
				break;
			lo_handle_signal(lo_event_handle(wake_ack), LO_SIG_EVENT_SIGNALED, 0);
			ticks[rounds] = (woke_at - start) / 1000000;
		}
		CHECK_ST(lo_thread_join(waiter, lo_deadline_after_ms(10000)), LO_OK);
	}
	stop_spinners(n);
	/* Sorted: the median and the worst. A vCPU the host did not run for a
	 * while can delay one round; a missing preemption delays them all. */
	for (int i = 1; i < rounds; i++)
		for (int k = i; k > 0 && ticks[k - 1] > ticks[k]; k--) {
			uint64_t x = ticks[k];
			ticks[k] = ticks[k - 1];
			ticks[k - 1] = x;
		}
	if (rounds) {
		lo_printf("  wake latency with %d busy threads: median %lu ticks, worst %lu\n", n,
			  ticks[rounds / 2], ticks[rounds - 1]);
		CHECK(ticks[rounds / 2] <= 2);
	}
	CHECK(rounds == WAKE_ROUNDS);
	lo_handle_close(lo_event_handle(wake_go));
	lo_handle_close(lo_event_handle(wake_ack));
}

/* --- No starvation: two threads that wake each other without end (each
 * wake-up preempts) share CPU 0 with a busy thread, which must still get
 * its turns: a woken thread's slice is not renewed. */
static volatile int pingers_stop;
static lo_event_t ping_a, ping_b;

struct pinger {
	lo_event_t mine, theirs;
	uint64_t rounds;
};

static void ping(void *arg)
{
	struct pinger *p = arg;
	while (!pingers_stop) {
		uint32_t observed;
		lo_handle_signal(lo_event_handle(p->theirs), 0, LO_SIG_EVENT_SIGNALED);
		if (lo_handle_wait_one(lo_event_handle(p->mine), LO_SIG_EVENT_SIGNALED,
				       lo_deadline_after_ms(100), &observed) == LO_OK)
			lo_handle_signal(lo_event_handle(p->mine), LO_SIG_EVENT_SIGNALED, 0);
		p->rounds++;
	}
}

static void test_no_starvation(void)
{
	int n = start_spinners(1, 1);
	CHECK_ST(lo_event_create(lo_job_self(), &ping_a), LO_OK);
	CHECK_ST(lo_event_create(lo_job_self(), &ping_b), LO_OK);
	struct pinger a = { ping_a, ping_b, 0 }, b = { ping_b, ping_a, 0 };
	lo_thread_t ta, tb;
	pingers_stop = 0;
	CHECK_ST(lo_thread_run(ping, &a, "ping", &ta), LO_OK);
	CHECK_ST(lo_thread_set_affinity(ta, 1), LO_OK);
	CHECK_ST(lo_thread_run(ping, &b, "pong", &tb), LO_OK);
	CHECK_ST(lo_thread_set_affinity(tb, 1), LO_OK);
	utest_sleep_ms(50);
	uint64_t before = spinners[0].count, ping_before = a.rounds;
	utest_sleep_ms(300);
	uint64_t after = spinners[0].count, ping_after = a.rounds;
	pingers_stop = 1;
	CHECK_ST(lo_thread_join(ta, lo_deadline_after_ms(10000)), LO_OK);
	CHECK_ST(lo_thread_join(tb, lo_deadline_after_ms(10000)), LO_OK);
	stop_spinners(n);
	lo_printf("  in 300 ms: busy thread %lu loops, ping-pong %lu rounds\n", after - before,
		  ping_after - ping_before);
	CHECK(after > before);
	CHECK(ping_after > ping_before);
	lo_handle_close(lo_event_handle(ping_a));
	lo_handle_close(lo_event_handle(ping_b));
}

/* --- Load spreads: one busy thread per CPU, all started here, end up on
 * different CPUs (placement on idle CPUs, stealing). */
static void test_load_spreads(void)
{
	int cpus = cpu_count();
	int n = start_spinners(cpus, 0);
	int best = 0;
	uint64_t until = lo_now() + 2000 * 1000000ull;
	while (best < n && lo_now() < until) {
		uint32_t seen = 0;
		for (int i = 0; i < n; i++) {
			struct lo_thread_info info;
			if (lo_thread_info(spinners[i].thread, &info) == LO_OK && info.cpu < 32)
				seen |= 1u << info.cpu;
		}
		int distinct = 0;
		for (; seen; seen &= seen - 1)
			distinct++;
		if (distinct > best)
			best = distinct;
		utest_sleep_ms(5);
	}
	stop_spinners(n);
	lo_printf("  %d busy threads on %d CPUs: at best on %d different CPUs\n", n, cpus, best);
	CHECK(best == n);
}

/* --- A pinned thread never migrates: one thread pinned to each CPU and
 * two more to CPU 0, whose queue the other CPUs then keep trying to steal
 * from. Each pinned thread asks, as it runs, where it runs. */
struct pinned {
	lo_thread_t self;
	uint32_t cpu;
	volatile int ready;
	uint64_t looks, away;
};

static volatile int pinned_stop;

static void run_pinned(void *arg)
{
	struct pinned *p = arg;
	while (!p->ready)
		__asm__ volatile("pause");
	while (!pinned_stop) {
		struct lo_thread_info info;
		if (lo_thread_info(p->self, &info) == LO_OK) {
			p->looks++;
			p->away += info.cpu != p->cpu;
		}
	}
}

static void test_pinned_never_migrates(void)
{
	int cpus = cpu_count();
	static struct pinned p[18];
	lo_thread_t t[18];
	int started = 0, n = cpus < 16 ? cpus + 2 : 18;
	pinned_stop = 0;
	for (int k = 0; k < n; k++) {
		uint32_t cpu = k < cpus ? (uint32_t)k : 0;
		p[k] = (struct pinned){ { 0 }, cpu, 0, 0, 0 };
		if (!CHECK_ST(lo_thread_run(run_pinned, &p[k], "pinned", &t[k]), LO_OK))
			break;
		CHECK_ST(lo_thread_set_affinity(t[k], 1u << cpu), LO_OK);
		p[k].self = t[k];
		p[k].ready = 1;
		started++;
	}
	utest_sleep_ms(400);
	pinned_stop = 1;
	uint64_t looks = 0, away = 0;
	for (int k = 0; k < started; k++) {
		CHECK_ST(lo_thread_join(t[k], lo_deadline_after_ms(10000)), LO_OK);
		looks += p[k].looks;
		away += p[k].away;
		CHECK(p[k].looks > 0);
	}
	lo_printf("  %d pinned threads looked %lu times, away from their CPU %lu times\n", started,
		  looks, away);
	CHECK(away == 0);
}

/* --- Kill from another CPU, whatever the victim does there: spinning in
 * user space, blocked in a wait, or queued behind another thread. */
static volatile int victim_stop;

static void spin_forever(void *arg)
{
	(void)arg;
	while (!victim_stop)
		__asm__ volatile("pause");
}

static void block_forever(void *arg)
{
	lo_event_t e = *(lo_event_t *)arg;
	uint32_t observed;
	lo_handle_wait_one(lo_event_handle(e), LO_SIG_EVENT_SIGNALED, UINT64_MAX, &observed);
}

struct killer {
	lo_thread_t victims[3];
	int failures;
};

/* Runs on CPU 0, the victims on CPU 1. */
static void kill_victims(void *arg)
{
	struct killer *k = arg;
	utest_sleep_ms(30);   /* they are where they should be */
	for (int i = 0; i < 3; i++) {
		uint64_t start = lo_now();
		status_t st = lo_thread_kill(k->victims[i]);
		uint32_t observed;
		if (st == LO_OK)
			st = lo_handle_wait_one(lo_thread_handle(k->victims[i]), LO_SIG_THREAD_TERMINATED,
						lo_deadline_after_ms(3000), &observed);
		uint64_t ms = (lo_now() - start) / 1000000;
		if (st != LO_OK || ms >= 2000) {
			lo_printf("  victim %d: %s after %lu ms\n", i, lo_status_name(st), ms);
			k->failures++;
		}
	}
}

static void test_kill_on_other_cpu(void)
{
	int cpus = cpu_count();
	uint32_t victim_cpu = cpus > 1 ? 2u : 1u, killer_cpu = 1u;
	lo_event_t never;
	CHECK_ST(lo_event_create(lo_job_self(), &never), LO_OK);
	victim_stop = 0;
	struct killer k = { { { 0 }, { 0 }, { 0 } }, 0 };
	void (*fns[3])(void *) = { block_forever, spin_forever, spin_forever };
	int started = 0;
	for (int i = 0; i < 3; i++) {
		if (!CHECK_ST(lo_thread_run(fns[i], &never, "victim", &k.victims[i]), LO_OK))
			break;
		CHECK_ST(lo_thread_set_affinity(k.victims[i], victim_cpu), LO_OK);
		started++;
	}
	lo_thread_t killer;
	if (started == 3 && CHECK_ST(lo_thread_run(kill_victims, &k, "killer", &killer), LO_OK)) {
		CHECK_ST(lo_thread_set_affinity(killer, killer_cpu), LO_OK);
		CHECK_ST(lo_thread_join(killer, lo_deadline_after_ms(20000)), LO_OK);
		CHECK(k.failures == 0);
	}
	/* Killed ones have ended: join frees their stacks. */
	victim_stop = 1;
	for (int i = 0; i < started; i++)
		CHECK_ST(lo_thread_join(k.victims[i], lo_deadline_after_ms(5000)), LO_OK);
	lo_handle_close(lo_event_handle(never));
}

static const struct utest balance_tests[] = {
	{ "sched.balance.wake_latency_under_load", test_wake_latency_under_load },
	{ "sched.balance.no_starvation", test_no_starvation },
	{ "sched.balance.load_spreads", test_load_spreads },
	{ "sched.balance.pinned_never_migrates", test_pinned_never_migrates },
	{ "sched.balance.kill_on_other_cpu", test_kill_on_other_cpu },
	{ 0, 0 },
};
UTEST_SUITE(balance_tests);
