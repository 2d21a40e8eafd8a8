/* The handle fast paths raced (docs/performance.md, "Handle fast paths"):
 * info reads an object under its table lock without a reference of its
 * own, so while it runs on a value other threads close that handle (the
 * object's last, so the object goes), replace it, move it through a
 * channel and back, and wait on it. Info must name the object the value
 * named or answer BAD_HANDLE; a waiter must end CANCELED; nothing leaks
 * (the runner checks the object counts after the test); each denial is
 * recorded once. */
#include "utest.h"
#include "lightos/thread.h"

#define OWNER_ROUNDS 4000

struct info_race {
	volatile uint64_t published;   /* handle value | low 32 bits of its object id << 32 */
	volatile int started, finished;
	int wrong;
};

static void publish(struct info_race *r, uint32_t value)
{
	uint64_t id = utest_object_id((lo_handle_t){ value });
	if (!id)
		__atomic_fetch_add(&r->wrong, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->published, value | (id << 32), __ATOMIC_RELEASE);
}

static void note(struct info_race *r, int ok)
{
	if (!ok)
		__atomic_fetch_add(&r->wrong, 1, __ATOMIC_RELAXED);
}

/* Each round makes an object, publishes its handle and ends it one way:
 * the last handle closed (the object destroyed), a channel end's last
 * handle closed (its peer told), a replace, a move through a channel. */
static void owner(void *arg)
{
	struct info_race *r = arg;
	__atomic_fetch_add(&r->started, 1, __ATOMIC_RELEASE);
	for (int round = 0; round < OWNER_ROUNDS; round++) {
		lo_event_t e;
		lo_channel_t a, b;
		uint32_t v;
		switch (round % 4) {
		case 0:
			if (lo_event_create(lo_job_self(), &e) != LO_OK)
				break;
			publish(r, lo_event_handle(e).value);
			note(r, lo_handle_close(lo_event_handle(e)) == LO_OK);
			break;
		case 1:
			if (lo_channel_create(lo_job_self(), &a, &b) != LO_OK)
				break;
			publish(r, lo_channel_handle(a).value);
			note(r, lo_handle_close(lo_channel_handle(a)) == LO_OK);
			note(r, lo_handle_close(lo_channel_handle(b)) == LO_OK);
			break;
		case 2:
			if (lo_event_create(lo_job_self(), &e) != LO_OK)
				break;
			publish(r, lo_event_handle(e).value);
			if (lo_handle_replace(lo_event_handle(e), LO_RIGHT_INSPECT, &v) != LO_OK) {
				note(r, 0);
				lo_handle_close(lo_event_handle(e));
				break;
			}
			publish(r, v);
			note(r, lo_handle_close((lo_handle_t){ v }) == LO_OK);
			break;
		case 3: {
			if (lo_event_create(lo_job_self(), &e) != LO_OK)
				break;
			if (lo_channel_create(lo_job_self(), &a, &b) != LO_OK) {
				lo_handle_close(lo_event_handle(e));
				break;
			}
			publish(r, lo_event_handle(e).value);
			lo_handle_t moved = lo_event_handle(e), back = { 0 };
			note(r, lo_channel_write(a, "h", 1, &moved, 1) == LO_OK);
			char byte;
			struct lo_channel_read_result got;
			note(r, lo_channel_read(b, &byte, 1, &back, 1, &got) == LO_OK && got.handles == 1);
			if (back.value) {
				publish(r, back.value);
				note(r, lo_handle_close(back) == LO_OK);
			}
			lo_handle_close(lo_channel_handle(a));
			lo_handle_close(lo_channel_handle(b));
			break;
		}
		}
	}
	__atomic_fetch_add(&r->finished, 1, __ATOMIC_RELEASE);
}

/* Info on whatever value is published: the object it names, or
 * BAD_HANDLE. A value whose id does not match counts only if it is still
 * the one published (a slot's generation may come round again). */
static void look(struct info_race *r)
{
	uint64_t p = __atomic_load_n(&r->published, __ATOMIC_ACQUIRE);
	if (!p)
		return;
	struct lo_object_info info;
	status_t st = lo_handle_info((lo_handle_t){ (uint32_t)p }, &info);
	if (st == LO_ERR_BAD_HANDLE)
		return;
	if (st != LO_OK) {
		note(r, 0);
		return;
	}
	if ((uint32_t)info.id != (uint32_t)(p >> 32) &&
	    __atomic_load_n(&r->published, __ATOMIC_ACQUIRE) == p)
		note(r, 0);
	note(r, info.handle_count >= 1 && info.refcount >= info.handle_count);
}

static void looker(void *arg)
{
	struct info_race *r = arg;
	__atomic_fetch_add(&r->started, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&r->finished, __ATOMIC_ACQUIRE) < 2)
		look(r);
	__atomic_fetch_add(&r->finished, 1, __ATOMIC_RELEASE);
}

static void test_info_while_handles_go(void)
{
	struct info_race r = { 0 };
	lo_thread_t t[3];
	void (*fn[3])(void *) = { owner, owner, looker };
	int started = 0;
	for (int i = 0; i < 3; i++)
		started += CHECK_ST(lo_thread_run(fn[i], &r, "inforace", &t[i]), LO_OK);
	uint64_t until = lo_now() + 120000 * 1000000ull;
	while (__atomic_load_n(&r.finished, __ATOMIC_ACQUIRE) < 2 && lo_now() < until)
		look(&r);
	for (int i = 0; i < started; i++)
		CHECK_ST(lo_thread_join(t[i], lo_deadline_after_ms(20000)), LO_OK);
	CHECK(r.wrong == 0);
}

/* A thread waits on a handle; another closes it (the close's path that
 * cancels waits) or closes a copy (the wait goes on). */
struct waiter {
	lo_handle_t h;
	volatile status_t st;
};

static void wait_on(void *arg)
{
	struct waiter *w = arg;
	uint32_t observed;
	w->st = lo_handle_wait_one(w->h, LO_SIG_EVENT_SIGNALED, lo_deadline_after_ms(5000),
				   &observed);
}

static void test_close_under_waiter(void)
{
	for (int round = 0; round < 20; round++) {
		lo_event_t e;
		if (!CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK))
			return;
		lo_handle_t copy = utest_dup(lo_event_handle(e), LO_RIGHT_WAIT | LO_RIGHT_INSPECT);
		struct waiter w = { copy, 1 };
		lo_thread_t t;
		if (!CHECK_ST(lo_thread_run(wait_on, &w, "waiter", &t), LO_OK)) {
			lo_handle_close(copy);
			lo_handle_close(lo_event_handle(e));
			return;
		}
		if (round & 1)
			utest_thread_blocked(t);
		/* The other handle goes: the wait goes on. */
		CHECK_ST(lo_handle_close(lo_event_handle(e)), LO_OK);
		CHECK(w.st == 1);
		CHECK_ST(lo_handle_close(copy), LO_OK);
		CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(20000)), LO_OK);
		/* Closed before its wait began, the wait finds a bad handle. */
		if (!CHECK(w.st == LO_ERR_CANCELED || w.st == LO_ERR_BAD_HANDLE))
			break;
		if ((round & 1) && !CHECK_ST(w.st, LO_ERR_CANCELED))
			break;
	}
}

/* How many denials of `syscall` on `handle` by this process the log holds. */
static uint32_t denials_of(uint32_t syscall, uint32_t handle)
{
	uint64_t me = utest_object_id(lo_process_handle(lo_self));
	struct lo_denial d[32];
	uint32_t actual = 0, n = 0;
	uint64_t start = 0, next = 0;
	do {
		if (lo_resource_denials(utest_root, d, 32, start, &actual, &next) != LO_OK)
			return 0;
		for (uint32_t i = 0; i < actual; i++)
			n += d[i].process_id == me && d[i].syscall == syscall && d[i].handle == handle;
		start = next;
	} while (actual);
	return n;
}

/* Each denied info and duplicate is recorded exactly once (the held
 * lookup records its own; duplicate's system-call form leaves it to the
 * dispatch). */
static void test_denial_recorded_once(void)
{
	lo_event_t e;
	if (!CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK))
		return;
	lo_handle_t weak = utest_dup(lo_event_handle(e), LO_RIGHT_WAIT);
	struct lo_object_info info;
	uint32_t d;
	for (uint32_t i = 1; i <= 3; i++) {
		CHECK_ST(lo_handle_info(weak, &info), LO_ERR_ACCESS_DENIED);
		CHECK(denials_of(LO_SYS_HANDLE_INFO, weak.value) == i);
		CHECK_ST(lo_handle_duplicate(weak, LO_RIGHT_WAIT, &d), LO_ERR_ACCESS_DENIED);
		CHECK(denials_of(LO_SYS_HANDLE_DUPLICATE, weak.value) == i);
	}
	/* Allowed calls and other errors record nothing. */
	CHECK_ST(lo_handle_duplicate(lo_event_handle(e), LO_RIGHT_WAIT | LO_RIGHT_MAP, &d),
		 LO_ERR_INVALID_ARGS);
	CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
	CHECK(denials_of(LO_SYS_HANDLE_DUPLICATE, lo_event_handle(e).value) == 0 &&
	      denials_of(LO_SYS_HANDLE_INFO, lo_event_handle(e).value) == 0);
	lo_handle_close(weak);
	lo_handle_close(lo_event_handle(e));
}

static const struct utest handlerace_tests[] = {
	{ "user.handlerace.denial_recorded_once", test_denial_recorded_once },
	{ "user.handlerace.info_while_handles_go", test_info_while_handles_go },
	{ "user.handlerace.close_under_waiter", test_close_under_waiter },
	{ 0, 0 },
};

UTEST_SUITE(handlerace_tests);
