#include "test/selftest.h"
#include "lib/printf.h"
#include "arch/x86_64/qemu.h"
#include "sched/thread.h"
#include "lib/assert.h"

static const struct ktest *const suites[] = {
	lib_tests, mm_tests, trap_tests, timer_tests, sched_tests,
	object_tests,
};

bool ktest_check(struct ktest_ctx *ctx, bool ok, const char *what,
		 const char *file, int line)
{
	if (!ok && !ctx->failed) {
		ctx->failed = true;
		kprintf("  check failed at %s:%d: %s\n", file, line, what);
	}
	return ok;
}

static void selftest_thread(void *arg)
{
	(void)arg;
	selftest_run_all();
}

void selftest_start(void)
{
	/* The tests block and switch threads, which the idle thread must not:
	 * they run in a thread of their own. */
	struct thread *t = thread_create_kernel(selftest_thread, NULL, "selftest");
	if (!t)
		panic("selftest: cannot create the test thread");
	thread_make_ready(t);
}

void selftest_run_all(void)
{
	int passed = 0, failed = 0;
	kprintf("TESTS BEGIN kernel\n");
	for (unsigned s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		for (const struct ktest *t = suites[s]; t->name; t++) {
			struct ktest_ctx ctx = { false };
			kprintf("RUN %s\n", t->name);   /* names a test that hangs */
			t->run(&ctx);
			if (ctx.failed) {
				failed++;
				kprintf("TEST FAIL %s\n", t->name);
			} else {
				passed++;
				kprintf("TEST ok %s\n", t->name);
			}
		}
	}
	kprintf("TESTS DONE passed=%d failed=%d\n", passed, failed);
	qemu_exit(failed ? QEMU_EXIT_FAILURE : QEMU_EXIT_SUCCESS);
}
