/* Races between CPUs that the kernel must win: each test pins the racing
 * threads to different CPUs (as far as there are CPUs; on one they still
 * run, as plain stress tests). The runner's leak check after each test
 * is part of every verdict. */
#include "utest.h"
#include "lightos/thread.h"

/* Pin t to CPU `cpu` modulo the CPUs there are. */
static void pin(lo_thread_t t, int cpu, int cpus)
{
	if (cpus > 1)
		CHECK_ST(lo_thread_set_affinity(t, 1u << (cpu % cpus)), LO_OK);
}

/* --- A job killed while a thread on another CPU creates processes in it.
 * Every process create returned must end with the kill: a process the
 * kill's walk could not yet see whole (listed before it was initialised)
 * lived on in the killed job. */
#define CREATE_MAX 48

struct creator {
	lo_job_t job;
	lo_process_t made[CREATE_MAX];
	volatile int count;
	status_t last;
};

static void create_until_refused(void *arg)
{
	struct creator *c = arg;
	while (c->count < CREATE_MAX) {
		lo_process_t p;
		status_t st = lo_process_create(c->job, "victim", 6, &p);
		if (st != LO_OK) {
			c->last = st;
			return;
		}
		c->made[c->count] = p;
		__atomic_store_n(&c->count, c->count + 1, __ATOMIC_RELEASE);
	}
	c->last = LO_OK;
}

struct killer {
	struct creator *c;
	int after;      /* kill once this many exist */
	int delay;      /* then wait this many pauses: a different point of the next create */
	status_t st;
};

static void kill_job_soon(void *arg)
{
	struct killer *k = arg;
	uint64_t until = lo_now() + 5000 * 1000000ull;
	while (__atomic_load_n(&k->c->count, __ATOMIC_ACQUIRE) < k->after && lo_now() < until)
		__asm__ volatile("pause");
	for (int i = 0; i < k->delay; i++)
		__asm__ volatile("pause");
	k->st = lo_job_kill(k->c->job);
}

static void test_job_kill_during_creation(void)
{
	int cpus = 0;
	int survivors = 0, refusals = 0;
	for (int round = 0; round < 32; round++) {
		static struct creator c;
		struct lo_job_quota q = { 8192, CREATE_MAX + 1, 4 * CREATE_MAX, 1024, 0 };
		lo_memset(&c, 0, sizeof(c));
		if (!CHECK_ST(lo_job_create(lo_job_self(), &q, &c.job), LO_OK))
			return;
		struct killer k = { &c, 1 + round % 8, (round * 211) % 6000, LO_ERR_INTERNAL };
		lo_thread_t tc, tk;
		if (!CHECK_ST(lo_thread_run(create_until_refused, &c, "creator", &tc), LO_OK))
			break;
		if (!cpus)
			cpus = utest_cpus_online(tc);
		pin(tc, 1, cpus);
		if (!CHECK_ST(lo_thread_run(kill_job_soon, &k, "killer", &tk), LO_OK)) {
			lo_job_kill(c.job);
			lo_thread_join(tc, lo_deadline_after_ms(5000));
			break;
		}
		pin(tk, 2, cpus);
		CHECK_ST(lo_thread_join(tk, lo_deadline_after_ms(10000)), LO_OK);
		CHECK_ST(lo_thread_join(tc, lo_deadline_after_ms(10000)), LO_OK);
		CHECK_ST(k.st, LO_OK);
		/* The creator stops at the kill (BAD_STATE), not at a quota. */
		if (c.last == LO_ERR_BAD_STATE)
			refusals++;
		CHECK(c.last == LO_ERR_BAD_STATE || c.last == LO_OK);
		for (int i = 0; i < c.count; i++) {
			struct lo_process_info info;
			if (CHECK_ST(lo_process_info(c.made[i], &info), LO_OK) &&
			    (info.state != LO_PROCESS_ENDED || info.exit_reason != LO_EXIT_KILLED)) {
				if (survivors++ == 0)
					lo_printf("  round %d: process %d of %d lives on in the killed job\n",
						  round, i + 1, c.count);
			}
			lo_handle_close(lo_process_handle(c.made[i]));
		}
		struct lo_job_info ji;
		CHECK_ST(lo_job_info(c.job, &ji), LO_OK);
		CHECK(ji.killed);
		lo_handle_close(lo_job_handle(c.job));
	}
	CHECK(survivors == 0);
	/* How often the kill landed mid-creation (the creator refused): shown,
	 * not required, since a busy host may run the creator's CPU alone. */
	lo_printf("  %d of 32 kills refused a creation in progress\n", refusals);
}

/* --- A process killed while its threads are inside system calls on
 * every CPU: it ends, killed, with no thread left, and promptly. */
static void test_kill_vs_threads_in_calls(void)
{
	for (int round = 0; round < 6; round++) {
		lo_channel_t mine;
		lo_process_t child;
		if (!utest_spawn_ready("calls 6", &mine, &child))
			return;
		/* Let them run a while: a different point in their calls each round. */
		utest_sleep_ms((uint64_t)round * 3);
		uint64_t start = lo_now();
		CHECK_ST(lo_process_kill(child), LO_OK);
		struct lo_process_info info;
		if (CHECK(utest_wait_process(child, &info)))
			CHECK(info.exit_reason == LO_EXIT_KILLED && info.thread_count == 0);
		uint64_t ms = (lo_now() - start) / 1000000;
		if (!CHECK(ms < 2000))
			lo_printf("  the kill took %lu ms\n", ms);
		lo_handle_close(lo_process_handle(child));
		lo_handle_close(lo_channel_handle(mine));
	}
}

/* --- Three writers and three readers on one channel, each on a CPU of its
 * own: every message read exactly once, and each reader sees any one
 * writer's messages in the order they were written. */
#define RW_THREADS 3
#define RW_MESSAGES 300

struct rw_shared {
	lo_channel_t write_end, read_end;
	uint8_t seen[RW_THREADS][RW_MESSAGES];
	volatile int total;
	int failures;
};

struct rw_thread {
	struct rw_shared *s;
	uint32_t id;
	int out_of_order, duplicates, errors;
};

static void rw_write(void *arg)
{
	struct rw_thread *w = arg;
	for (uint32_t seq = 0; seq < RW_MESSAGES; seq++) {
		uint32_t msg = w->id << 16 | seq;
		status_t st;
		while ((st = lo_channel_write(w->s->write_end, &msg, sizeof(msg), NULL, 0)) ==
		       LO_ERR_SHOULD_WAIT) {
			uint32_t observed;
			lo_handle_wait_one(lo_channel_handle(w->s->write_end), LO_SIG_CHANNEL_WRITABLE,
					   lo_deadline_after_ms(200), &observed);
		}
		w->errors += st != LO_OK;
	}
}

static void rw_read(void *arg)
{
	struct rw_thread *r = arg;
	struct rw_shared *s = r->s;
	int32_t last[RW_THREADS] = { -1, -1, -1 };
	uint64_t until = lo_now() + 30000 * 1000000ull;
	while (__atomic_load_n(&s->total, __ATOMIC_ACQUIRE) < RW_THREADS * RW_MESSAGES && lo_now() < until) {
		uint32_t msg;
		struct lo_channel_read_result got;
		status_t st = lo_channel_read(s->read_end, &msg, sizeof(msg), NULL, 0, &got);
		if (st == LO_ERR_SHOULD_WAIT) {
			uint32_t observed;
			lo_handle_wait_one(lo_channel_handle(s->read_end), LO_SIG_CHANNEL_READABLE,
					   lo_deadline_after_ms(20), &observed);
			continue;
		}
		if (st != LO_OK) {
			r->errors++;
			return;
		}
		uint32_t id = msg >> 16, seq = msg & 0xffff;
		if (id >= RW_THREADS || seq >= RW_MESSAGES) {
			r->errors++;
			continue;
		}
		if ((int32_t)seq <= last[id])
			r->out_of_order++;
		last[id] = (int32_t)seq;
		if (__atomic_exchange_n(&s->seen[id][seq], 1, __ATOMIC_RELAXED))
			r->duplicates++;
		__atomic_fetch_add(&s->total, 1, __ATOMIC_RELEASE);
	}
}

static void test_channel_many_to_many(void)
{
	static struct rw_shared s;
	lo_memset(&s, 0, sizeof(s));
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &s.write_end, &s.read_end), LO_OK))
		return;
	struct rw_thread w[RW_THREADS], r[RW_THREADS];
	lo_thread_t tw[RW_THREADS], tr[RW_THREADS];
	int cpus = 0, nw = 0, nr = 0;
	for (int i = 0; i < RW_THREADS; i++) {
		r[i] = (struct rw_thread){ &s, (uint32_t)i, 0, 0, 0 };
		if (!CHECK_ST(lo_thread_run(rw_read, &r[i], "reader", &tr[i]), LO_OK))
			break;
		if (!cpus)
			cpus = utest_cpus_online(tr[0]);
		pin(tr[i], 2 * i + 1, cpus);
		nr++;
	}
	for (int i = 0; i < RW_THREADS && nr == RW_THREADS; i++) {
		w[i] = (struct rw_thread){ &s, (uint32_t)i, 0, 0, 0 };
		if (!CHECK_ST(lo_thread_run(rw_write, &w[i], "writer", &tw[i]), LO_OK))
			break;
		pin(tw[i], 2 * i, cpus);
		nw++;
	}
	for (int i = 0; i < nw; i++) {
		CHECK_ST(lo_thread_join(tw[i], lo_deadline_after_ms(30000)), LO_OK);
		CHECK(w[i].errors == 0);
	}
	if (nw < RW_THREADS)
		__atomic_store_n(&s.total, RW_THREADS * RW_MESSAGES, __ATOMIC_RELEASE);   /* stop the readers */
	int out_of_order = 0, duplicates = 0, errors = 0;
	for (int i = 0; i < nr; i++) {
		CHECK_ST(lo_thread_join(tr[i], lo_deadline_after_ms(35000)), LO_OK);
		out_of_order += r[i].out_of_order;
		duplicates += r[i].duplicates;
		errors += r[i].errors;
	}
	CHECK(errors == 0);
	CHECK(duplicates == 0);
	CHECK(out_of_order == 0);
	int missing = 0;
	for (int i = 0; i < RW_THREADS && nw == RW_THREADS; i++)
		for (int k = 0; k < RW_MESSAGES; k++)
			missing += !s.seen[i][k];
	if (!CHECK(missing == 0))
		lo_printf("  %d messages never read\n", missing);
	lo_handle_close(lo_channel_handle(s.write_end));
	lo_handle_close(lo_channel_handle(s.read_end));
}

/* --- Timers closed while their deadline fires. Deadlines fire on CPU 0
 * (the clock's); threads on the other CPUs make timers that are due at
 * once and close them at about the moment the tick fires them, so a
 * timer's destroy meets its running callback. ktimer_cancel once returned
 * while the callback still ran, and the freed timer's signal store and
 * lock release landed in the heap (a corrupt free list, a lock "released
 * by a CPU that does not hold it"). The ktest timer.cancel_waits_for_callback
 * checks the cancel itself; this is the stress of the whole path. */
#define TIMER_THREADS 3
#define TIMER_ROUNDS 3000

struct timer_closer {
	int seed;
	int errors;
};

static void close_timers_as_they_fire(void *arg)
{
	struct timer_closer *c = arg;
	uint32_t x = (uint32_t)c->seed * 2654435761u + 1;
	for (int i = 0; i < TIMER_ROUNDS; i++) {
		lo_timer_t t;
		if (lo_timer_create(lo_job_self(), &t) != LO_OK) {
			c->errors++;
			return;
		}
		if (lo_timer_set(t, lo_now()) != LO_OK)
			c->errors++;
		/* Close now, or after a few polls of its signal (just after the
		 * callback's store, still inside it). */
		x = x * 1103515245u + 12345;
		for (uint32_t polls = (x >> 16) % 4; polls; polls--) {
			uint32_t observed;
			lo_handle_wait_one(lo_timer_handle(t), LO_SIG_TIMER_SIGNALED, 0, &observed);
		}
		if (lo_handle_close(lo_timer_handle(t)) != LO_OK)
			c->errors++;
	}
}

static void test_timer_close_while_firing(void)
{
	struct timer_closer c[TIMER_THREADS];
	lo_thread_t t[TIMER_THREADS];
	int cpus = 0, n = 0;
	for (int i = 0; i < TIMER_THREADS; i++) {
		c[i] = (struct timer_closer){ i + 1, 0 };
		if (!CHECK_ST(lo_thread_run(close_timers_as_they_fire, &c[i], "closer", &t[i]), LO_OK))
			break;
		if (!cpus)
			cpus = utest_cpus_online(t[0]);
		pin(t[i], i + 1, cpus);
		n++;
	}
	for (int i = 0; i < n; i++) {
		CHECK_ST(lo_thread_join(t[i], lo_deadline_after_ms(60000)), LO_OK);
		CHECK(c[i].errors == 0);
	}
}

static const struct utest smp_race_tests[] = {
	{ "smp.race.job_kill_during_creation", test_job_kill_during_creation },
	{ "smp.race.kill_vs_threads_in_calls", test_kill_vs_threads_in_calls },
	{ "smp.race.channel_many_to_many", test_channel_many_to_many },
	{ "smp.race.timer_close_while_firing", test_timer_close_while_firing },
	{ 0, 0 },
};
UTEST_SUITE(smp_race_tests);
