/* Races that only several CPUs run for real (the suite runs on 1 and on 4
 * virtual CPUs; on one they still pass, as plain stress tests). */
#include "utest.h"
#include "lightos/thread.h"

#define EXIT_FAULT 3

/* A thread of a child reads a page on its CPU while the child unmaps it on
 * another: after the unmap returns the reader must fault (its CPU's TLB
 * was shot down), not read on through a stale entry. */
static void test_unmap_shoots_down_other_cpus(void)
{
	lo_channel_t mine, theirs;
	CHECK_ST(lo_channel_create(lo_job_self(), &mine, &theirs), LO_OK);
	struct lo_give give = { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) };
	lo_process_t child;
	if (!CHECK_ST(utest_spawn_child("tlb-reader", &give, 1, &child), LO_OK)) {
		lo_handle_close(lo_channel_handle(mine));
		return;
	}
	uint32_t observed;
	CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
				    lo_deadline_after_ms(10000), &observed), LO_OK);
	uint64_t addr = 0;
	struct lo_channel_read_result got;
	CHECK_ST(lo_channel_read(mine, &addr, sizeof(addr), NULL, 0, &got), LO_OK);
	struct lo_process_info info;
	CHECK(utest_wait_process(child, &info));
	/* Exit code 1: the reader read on after the unmap. */
	CHECK(info.exit_reason == EXIT_FAULT);
	CHECK(info.fault_address == addr);
	if (info.exit_reason != EXIT_FAULT)
		lo_printf("  child exit reason %u code %ld\n", info.exit_reason, info.exit_code);
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_channel_handle(mine));
}

/* Killing a process whose threads all spin in user space, on every CPU. */
static void test_kill_spinning_threads(void)
{
	for (int round = 0; round < 5; round++) {
		lo_channel_t mine;
		lo_process_t child;
		if (!utest_spawn_ready("spin 6", &mine, &child))
			return;
		CHECK_ST(lo_process_kill(child), LO_OK);
		struct lo_process_info info;
		CHECK(utest_wait_process(child, &info));
		CHECK(info.exit_reason == LO_EXIT_KILLED && info.thread_count == 0);
		lo_handle_close(lo_process_handle(child));
		lo_handle_close(lo_channel_handle(mine));
	}
}

/* Many writers on one channel end (each pinned to a CPU of its own), one
 * reader on the other: nothing lost, nothing duplicated, each writer's
 * messages in its order. */
#define WRITERS 4
#define MESSAGES 400

struct writer {
	lo_channel_t ch;
	uint32_t id;
	int failures;
};

static void write_many(void *arg)
{
	struct writer *w = arg;
	for (uint32_t seq = 0; seq < MESSAGES; seq++) {
		uint32_t msg = w->id << 16 | seq;
		status_t st;
		while ((st = lo_channel_write(w->ch, &msg, sizeof(msg), NULL, 0)) == LO_ERR_SHOULD_WAIT) {
			uint32_t observed;
			lo_handle_wait_one(lo_channel_handle(w->ch), LO_SIG_CHANNEL_WRITABLE,
					   lo_deadline_after_ms(1000), &observed);
		}
		w->failures += st != LO_OK;
	}
}

static void test_channel_many_writers(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct writer w[WRITERS];
	lo_thread_t threads[WRITERS];
	int started = 0;
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ a, (uint32_t)i, 0 };
		if (CHECK_ST(lo_thread_run(write_many, &w[i], "writer", &threads[i]), LO_OK))
			started++;
	}
	/* One writer per CPU, as far as there are CPUs. */
	int cpus = started ? utest_cpus_online(threads[0]) : 0;
	for (int i = 0; i < started && cpus > 1; i++)
		CHECK_ST(lo_thread_set_affinity(threads[i], 1u << (i % cpus)), LO_OK);
	uint32_t next[WRITERS] = { 0 };
	int bad = 0;
	for (int n = 0; n < started * MESSAGES; n++) {
		uint32_t msg;
		struct lo_channel_read_result got;
		status_t st;
		while ((st = lo_channel_read(b, &msg, sizeof(msg), NULL, 0, &got)) == LO_ERR_SHOULD_WAIT) {
			uint32_t observed;
			if (lo_handle_wait_one(lo_channel_handle(b), LO_SIG_CHANNEL_READABLE,
					       lo_deadline_after_ms(5000), &observed) != LO_OK)
				break;
		}
		if (st != LO_OK)
			break;
		uint32_t id = msg >> 16, seq = msg & 0xffff;
		if (id >= WRITERS || seq != next[id])
			bad++;
		else
			next[id]++;
	}
	CHECK(bad == 0);
	for (int i = 0; i < started; i++) {
		CHECK_ST(lo_thread_join(threads[i], lo_deadline_after_ms(5000)), LO_OK);
		CHECK(w[i].failures == 0);
		CHECK(next[i] == MESSAGES);
	}
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(lo_channel_handle(b));
}

/* One thread closes and re-creates a handle while another looks it up:
 * each lookup finds the object or no handle, never anything else. */
#define CLOSE_ROUNDS 3000

static volatile uint32_t racing_handle;
static volatile int racing_done, looker_started;

static void close_and_reopen(void *arg)
{
	lo_event_t e = *(lo_event_t *)arg;
	/* Start only once the looker runs: otherwise the rounds could all end
	 * before it looked even once. */
	uint64_t until = lo_now() + 5000 * 1000000ull;
	while (!looker_started && lo_now() < until)
		__asm__ volatile("pause");
	for (int i = 0; i < CLOSE_ROUNDS; i++) {
		uint32_t h;
		if (lo_handle_duplicate(lo_event_handle(e), LO_RIGHT_INSPECT | LO_RIGHT_SIGNAL, &h) != LO_OK)
			break;
		racing_handle = h;
		lo_handle_close((lo_handle_t){ h });
	}
	racing_done = 1;
}

static void test_close_vs_lookup(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	uint64_t id = utest_object_id(lo_event_handle(e));
	racing_done = 0;
	racing_handle = 0;
	looker_started = 0;
	lo_thread_t t;
	if (!CHECK_ST(lo_thread_run(close_and_reopen, &e, "closer", &t), LO_OK)) {
		lo_handle_close(lo_event_handle(e));
		return;
	}
	int found = 0, gone = 0, wrong = 0;
	looker_started = 1;
	while (!racing_done) {
		lo_handle_t h = { racing_handle };
		struct lo_object_info info;
		status_t st = lo_handle_info(h, &info);
		if (st == LO_OK && info.id == id)
			found++;
		else if (st == LO_ERR_BAD_HANDLE)
			gone++;
		else
			wrong++;
		st = lo_handle_signal(h, 0, LO_SIG_EVENT_SIGNALED);
		if (st != LO_OK && st != LO_ERR_BAD_HANDLE)
			wrong++;
	}
	CHECK(wrong == 0);
	CHECK(found + gone > 0);
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
	CHECK(info.handle_count == 1);
	lo_handle_close(lo_event_handle(e));
}

/* Lookups on every CPU while the table grows (its slot array moves and the
 * old one is freed) and a handle is closed and re-created: a fresh child
 * each round, so every round starts from a 16-slot table (child.c,
 * "table-race"). */
static void test_lookup_vs_growth_and_close(void)
{
	for (int round = 0; round < 4; round++) {
		lo_process_t child;
		if (!CHECK_ST(utest_spawn_child("table-race", NULL, 0, &child), LO_OK))
			return;
		struct lo_process_info info;
		CHECK(utest_wait_process(child, &info));
		CHECK(info.exit_reason == LO_EXIT_NORMAL);
		CHECK(info.exit_code == 0);
		if (info.exit_code != 0)
			lo_printf("  table-race round %d: exit reason %u code %ld\n", round,
				  info.exit_reason, info.exit_code);
		lo_handle_close(lo_process_handle(child));
	}
}

/* Handles in flight while the receiving end closes on another CPU: every
 * handle ends up either received or destroyed with the queue (the runner
 * checks no object is left over). */
struct sender {
	lo_channel_t ch;
	lo_event_t e;
	int sent;
};

static void send_handles(void *arg)
{
	struct sender *s = arg;
	for (int i = 0; i < 200; i++) {
		uint32_t h;
		if (lo_handle_duplicate(lo_event_handle(s->e), LO_RIGHT_TRANSFER | LO_RIGHT_WAIT, &h) != LO_OK)
			break;
		lo_handle_t hh = { h };
		status_t st = lo_channel_write(s->ch, "h", 1, &hh, 1);
		if (st != LO_OK) {
			lo_handle_close(hh);   /* not sent: still ours */
			if (st == LO_ERR_PEER_CLOSED)
				break;
			continue;
		}
		s->sent++;
	}
}

static void test_transfer_vs_close(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	for (int round = 0; round < 10; round++) {
		lo_channel_t a, b;
		if (!CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK))
			break;
		struct sender s = { a, e, 0 };
		lo_thread_t t;
		if (!CHECK_ST(lo_thread_run(send_handles, &s, "sender", &t), LO_OK)) {
			lo_handle_close(lo_channel_handle(a));
			lo_handle_close(lo_channel_handle(b));
			break;
		}
		/* Take a few, then close with the rest still queued or in flight. */
		for (int i = 0; i < round * 3; i++) {
			char c;
			lo_handle_t got_h[1];
			struct lo_channel_read_result got;
			if (lo_channel_read(b, &c, 1, got_h, 1, &got) == LO_OK && got.handles == 1)
				lo_handle_close(got_h[0]);
		}
		lo_handle_close(lo_channel_handle(b));
		CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
		lo_handle_close(lo_channel_handle(a));
	}
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
	CHECK(info.handle_count == 1);
	lo_handle_close(lo_event_handle(e));
}

static volatile int spin_stop;

static void spin_until_stopped(void *arg)
{
	(void)arg;
	while (!spin_stop)
		__asm__ volatile("pause");
}

/* A thread spinning until spin_stop; returns the CPUs online (0: no thread). */
static int run_spinner(const char *name, lo_thread_t *t)
{
	spin_stop = 0;
	if (!CHECK_ST(lo_thread_run(spin_until_stopped, NULL, name, t), LO_OK))
		return 0;
	return utest_cpus_online(*t);
}

/* A thread pinned to CPU k gets there and stays there, for every k. */
static void test_affinity_pins_thread(void)
{
	lo_thread_t t;
	int n = run_spinner("pinned", &t);
	if (!n)
		return;
	CHECK(n >= 1 && n <= 16);
	CHECK_ST(lo_thread_set_affinity(t, 0), LO_ERR_INVALID_ARGS);
	lo_handle_t weak = utest_dup(lo_thread_handle(t), LO_RIGHT_INSPECT);
	CHECK_ST(lo_thread_set_affinity(lo_thread_from(weak), 1), LO_ERR_ACCESS_DENIED);
	lo_handle_close(weak);
	for (int k = 0; k < n; k++) {
		CHECK_ST(lo_thread_set_affinity(t, 1u << k), LO_OK);
		struct lo_thread_info info;
		int there = 0;
		uint64_t until = lo_now() + 2000 * 1000000ull;
		while (!there && lo_now() < until) {
			if (lo_thread_info(t, &info) == LO_OK && info.state == LO_THREAD_RUNNING && info.cpu == (uint32_t)k)
				there = 1;
		}
		if (n == 1)
			there = lo_thread_info(t, &info) == LO_OK && info.cpu == 0;
		CHECK(there);
		int away = 0;
		for (int i = 0; i < 200; i++) {
			if (lo_thread_info(t, &info) == LO_OK && info.cpu != (uint32_t)k)
				away++;
		}
		CHECK(away == 0);
	}
	lo_printf("  %d CPUs\n", n);
	spin_stop = 1;
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
}

/* Ping-pong between two threads pinned to CPUs a and b: every reply
 * matches its request. Prints the mean round trip (not checked: under
 * MTTCG on a busy 2-core host it says little; docs/kernel.md). */
#define ROUND_TRIPS 2000

struct pingpong {
	lo_channel_t ch;
	int ping;          /* 1: sends first and checks the replies */
	int bad;
	uint64_t ns;
};

static int wait_readable(lo_channel_t ch)
{
	uint32_t observed;
	return lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE,
				  lo_deadline_after_ms(5000), &observed) == LO_OK;
}

static void pingpong_side(void *arg)
{
	struct pingpong *p = arg;
	uint64_t start = lo_now();
	for (uint32_t i = 0; i < ROUND_TRIPS; i++) {
		uint32_t msg = i, got_msg = ~0u;
		struct lo_channel_read_result got;
		if (p->ping && lo_channel_write(p->ch, &msg, sizeof(msg), NULL, 0) != LO_OK)
			p->bad++;
		if (!wait_readable(p->ch) ||
		    lo_channel_read(p->ch, &got_msg, sizeof(got_msg), NULL, 0, &got) != LO_OK ||
		    got_msg != i) {
			p->bad++;
			return;
		}
		if (!p->ping && lo_channel_write(p->ch, &got_msg, sizeof(got_msg), NULL, 0) != LO_OK)
			p->bad++;
	}
	p->ns = lo_now() - start;
}

static uint64_t round_trip_ns(int cpu_a, int cpu_b)
{
	lo_channel_t a, b;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK))
		return 0;
	struct pingpong ping = { a, 1, 0, 0 }, pong = { b, 0, 0, 0 };
	lo_thread_t tp, tq;
	CHECK_ST(lo_thread_run(pingpong_side, &pong, "pong", &tq), LO_OK);
	CHECK_ST(lo_thread_set_affinity(tq, 1u << cpu_b), LO_OK);
	CHECK_ST(lo_thread_run(pingpong_side, &ping, "ping", &tp), LO_OK);
	CHECK_ST(lo_thread_set_affinity(tp, 1u << cpu_a), LO_OK);
	CHECK_ST(lo_thread_join(tp, lo_deadline_after_ms(60000)), LO_OK);
	CHECK_ST(lo_thread_join(tq, lo_deadline_after_ms(60000)), LO_OK);
	CHECK(ping.bad == 0 && pong.bad == 0);
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(lo_channel_handle(b));
	return ping.ns / ROUND_TRIPS;
}

static void test_pinned_ping_pong(void)
{
	spin_stop = 1;
	lo_thread_t probe;
	if (!CHECK_ST(lo_thread_run(spin_until_stopped, NULL, "probe", &probe), LO_OK))
		return;
	int n = utest_cpus_online(probe);
	CHECK_ST(lo_thread_join(probe, lo_deadline_after_ms(5000)), LO_OK);
	uint64_t same = round_trip_ns(0, 0);
	if (n > 1) {
		uint64_t across = round_trip_ns(0, 1);
		lo_printf("  channel round trip: %lu us on one CPU, %lu us across two\n",
			  same / 1000, across / 1000);
	} else {
		lo_printf("  channel round trip: %lu us on one CPU\n", same / 1000);
	}
}

/* The interrupt controllers the kernel drives (QEMU's pc machine puts them
 * here; the kernel takes the addresses from ACPI's MADT) are not carvable
 * as MMIO, not even from the root: a driver mapping the local APIC could
 * stop every CPU's timer, one mapping the I/O APIC could reroute or mask
 * any device line. */
#define LAPIC_PA  0xfee00000ull
#define IOAPIC_PA 0xfec00000ull

static void mmio_refused(uint64_t base, uint64_t size)
{
	lo_resource_t child = { 0 };
	status_t st = lo_resource_carve(utest_root, LO_RESOURCE_MMIO, base, size, &child);
	if (!CHECK_ST(st, LO_ERR_ACCESS_DENIED))
		lo_printf("  carve MMIO base 0x%lx size 0x%lx\n", base, size);
	if (st == LO_OK)
		lo_handle_close(lo_resource_handle(child));
}

static void test_apic_mmio_not_carvable(void)
{
	mmio_refused(LAPIC_PA, 0x1000);
	mmio_refused(IOAPIC_PA, 0x1000);
	mmio_refused(LAPIC_PA - 0x1000, 0x2000);    /* ends on it */
	mmio_refused(IOAPIC_PA - 0x1000, 0x2000);
	mmio_refused(0xfe000000ull, 0x1000000);     /* spans both */
	/* Page-precise: the page after the I/O APIC's is nobody's. */
	lo_resource_t child;
	if (CHECK_ST(lo_resource_carve(utest_root, LO_RESOURCE_MMIO, IOAPIC_PA + 0x1000, 0x1000,
				       &child), LO_OK))
		lo_handle_close(lo_resource_handle(child));
}

/* thread_list (what ps shows): our live threads, with names, states and
 * the CPU each runs on; a pinned spinner is seen running on its CPU. */
static void test_thread_list_shows_cpu(void)
{
	lo_thread_t t;
	int n = run_spinner("listed", &t);
	if (!n)
		return;
	uint32_t cpu = n > 1 ? 1 : 0;
	CHECK_ST(lo_thread_set_affinity(t, 1u << cpu), LO_OK);
	uint64_t id = utest_object_id(lo_thread_handle(t));
	int seen = 0;
	uint64_t until = lo_now() + 2000 * 1000000ull;
	while (!seen && lo_now() < until) {
		struct lo_thread_entry e[16];
		uint32_t actual = 0, next = 0, start = 0;
		do {
			if (!CHECK_ST(lo_thread_list(lo_self, e, 16, start, &actual, &next), LO_OK))
				break;
			for (uint32_t i = 0; i < actual; i++) {
				/* On one CPU it cannot run while we look. */
				if (e[i].object_id == id && e[i].cpu == cpu && !lo_strcmp(e[i].name, "listed") &&
				    (e[i].state == LO_THREAD_RUNNING || (n == 1 && e[i].state == LO_THREAD_RUNNABLE)))
					seen = 1;
			}
			start = next;
		} while (next);
	}
	CHECK(seen);
	/* Paged: one at a time gives the same threads. */
	struct lo_thread_entry one;
	uint32_t actual = 0, next = 0, count = 0, start = 0;
	do {
		if (!CHECK_ST(lo_thread_list(lo_self, &one, 1, start, &actual, &next), LO_OK))
			break;
		count += actual;
		start = next;
	} while (next && count < 64);
	CHECK(count >= 2);   /* this thread and "listed" */
	/* INSPECT is needed. */
	lo_process_t weak = lo_process_from(utest_dup(lo_process_handle(lo_self), LO_RIGHT_DUPLICATE));
	CHECK_ST(lo_thread_list(weak, &one, 1, 0, &actual, &next), LO_ERR_ACCESS_DENIED);
	lo_handle_close(lo_process_handle(weak));
	spin_stop = 1;
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
}

static const struct utest smp_tests[] = {
	{ "smp.thread_list_shows_cpu", test_thread_list_shows_cpu },
	{ "smp.apic_mmio_not_carvable", test_apic_mmio_not_carvable },
	{ "smp.pinned_ping_pong", test_pinned_ping_pong },
	{ "smp.affinity_pins_thread", test_affinity_pins_thread },
	{ "smp.unmap_shoots_down_other_cpus", test_unmap_shoots_down_other_cpus },
	{ "smp.kill_spinning_threads", test_kill_spinning_threads },
	{ "smp.channel_many_writers", test_channel_many_writers },
	{ "smp.close_vs_lookup", test_close_vs_lookup },
	{ "smp.lookup_vs_growth_and_close", test_lookup_vs_growth_and_close },
	{ "smp.transfer_vs_close", test_transfer_vs_close },
	{ 0, 0 },
};
UTEST_SUITE(smp_tests);
