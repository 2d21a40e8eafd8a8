/* Threads, preemption, blocking waits with deadlines, wake-ups. */
#include "test/selftest.h"
#include "sched/thread.h"
#include "obj/kernel_types.h"
#include "sched/wait.h"
#include "sched/clock.h"
#include "mm/heap.h"
#include "arch/x86_64/cpu.h"

#define TEST_TYPE 31   /* a type id no real object uses */

static void test_object_destroy(struct cap_object *obj)
{
	kobject_count_destroyed(TEST_TYPE);
	kfree(obj);
}

static const struct cap_object_ops test_object_ops = { test_object_destroy, NULL };

static struct kobject *test_object(void)
{
	struct kobject *o = kmalloc(sizeof(*o));
	if (o)
		kobject_init(o, TEST_TYPE, &test_object_ops);
	return o;
}

/* Wait for a thread to finish, bounded so a bug fails instead of hanging. */
static bool join(struct thread *t, uint64_t timeout_ms)
{
	struct wait_item item = { &t->obj, LO_SIG_THREAD_TERMINATED, 0, NULL, 0 };
	return wait_signals(&item, 1, clock_ns() + timeout_ms * 1000000ull) == LO_OK;
}

static volatile uint64_t spin_counts[2];
static volatile bool stop_spinning;

static void spinner(void *arg)
{
	uint64_t i = (uint64_t)arg;
	while (!stop_spinning)
		spin_counts[i]++;
}

/* Two threads that never block both make progress: the tick preempts. */
static void test_preemption(struct ktest_ctx *ctx)
{
	uint64_t threads_before = thread_live_count();
	stop_spinning = false;
	spin_counts[0] = spin_counts[1] = 0;
	struct thread *a = thread_create_kernel(spinner, (void *)0, "spin-a");
	struct thread *b = thread_create_kernel(spinner, (void *)1, "spin-b");
	if (!CHECK(ctx, a && b))
		return;
	thread_make_ready(a);
	thread_make_ready(b);
	uint64_t until = clock_ns() + 100 * 1000000ull;
	while (clock_ns() < until)
		sched_yield();
	stop_spinning = true;
	CHECK(ctx, join(a, 1000));
	CHECK(ctx, join(b, 1000));
	CHECK(ctx, spin_counts[0] > 0 && spin_counts[1] > 0);
	cap_unref(&a->obj.cap);
	cap_unref(&b->obj.cap);
	/* The dead threads' last references go once another thread has run
	 * on their CPUs (with several CPUs, maybe a moment after the join). */
	uint64_t settle = clock_ns() + 200 * 1000000ull;
	do
		sched_yield();
	while (thread_live_count() != threads_before && clock_ns() < settle);
	CHECK(ctx, thread_live_count() == threads_before);
}

static void test_wait_timeout(struct ktest_ctx *ctx)
{
	struct kobject *o = test_object();
	if (!CHECK(ctx, o))
		return;
	struct wait_item item = { o, 1, 0, NULL, 0 };
	uint64_t start = clock_ns();
	CHECK(ctx, wait_signals(&item, 1, start + 30 * 1000000ull) == LO_ERR_TIMED_OUT);
	uint64_t took = clock_ns() - start;
	CHECK(ctx, took >= 29 * 1000000ull && took < 500 * 1000000ull);
	/* Deadline 0 polls. */
	CHECK(ctx, wait_signals(&item, 1, 0) == LO_ERR_TIMED_OUT);
	kobject_signal(o, 0, 1);
	CHECK(ctx, wait_signals(&item, 1, 0) == LO_OK);
	CHECK(ctx, item.observed == 1);
	cap_unref(&o->cap);
	CHECK(ctx, kobject_live_count(TEST_TYPE) == 0);
}

static struct kobject *wake_target;

static void signaller(void *arg)
{
	(void)arg;
	uint64_t until = clock_ns() + 20 * 1000000ull;
	while (clock_ns() < until)
		sched_yield();
	kobject_signal(wake_target, 0, 4);
}

static void test_wake_from_other_thread(struct ktest_ctx *ctx)
{
	struct kobject *objs[3] = { test_object(), test_object(), test_object() };
	if (!CHECK(ctx, objs[0] && objs[1] && objs[2]))
		return;
	wake_target = objs[1];
	struct thread *t = thread_create_kernel(signaller, NULL, "signaller");
	thread_make_ready(t);
	struct wait_item items[3] = {
		{ objs[0], 4, 0, NULL, 0 }, { objs[1], 4, 0, NULL, 0 }, { objs[2], 4, 0, NULL, 0 },
	};
	CHECK(ctx, wait_signals(items, 3, DEADLINE_INFINITE) == LO_OK);
	CHECK(ctx, items[1].observed == 4 && items[0].observed == 0);
	CHECK(ctx, join(t, 1000));
	cap_unref(&t->obj.cap);
	for (int i = 0; i < 3; i++) {
		/* No observer may stay behind on the objects. */
		CHECK(ctx, list_empty(&objs[i]->observers));
		cap_unref(&objs[i]->cap);
	}
	CHECK(ctx, wait_signals(items, 0, 0) == LO_ERR_INVALID_ARGS);
	CHECK(ctx, wait_signals(items, LO_WAIT_MANY_MAX + 1, 0) == LO_ERR_INVALID_ARGS);
}

static void blocked_forever(void *arg)
{
	struct kobject *o = arg;
	struct wait_item item = { o, 1, 0, NULL, 0 };
	status_t st = wait_signals(&item, 1, DEADLINE_INFINITE);
	thread_exit_current(st);
}

static void test_kill_blocked(struct ktest_ctx *ctx)
{
	struct kobject *o = test_object();
	struct thread *t = thread_create_kernel(blocked_forever, o, "blocked");
	thread_make_ready(t);
	uint64_t until = clock_ns() + 10 * 1000000ull;
	while (clock_ns() < until)
		sched_yield();
	CHECK(ctx, t->state == LO_THREAD_BLOCKED);
	thread_request_kill(t);
	CHECK(ctx, join(t, 1000));
	CHECK(ctx, t->exit_code == LO_ERR_CANCELED);
	cap_unref(&t->obj.cap);
	cap_unref(&o->cap);
}

const struct ktest sched_tests[] = {
	{ "sched.preemption", test_preemption },
	{ "sched.wait_timeout", test_wait_timeout },
	{ "sched.wake_from_other_thread", test_wake_from_other_thread },
	{ "sched.kill_blocked_thread", test_kill_blocked },
	{ 0, 0 },
};
