/* Kernel self-tests, run on the "test" command line. Each test reports one
 * line over serial, "TEST ok <name>" or "TEST FAIL <name>: <why>", and the
 * run ends with "TESTS DONE passed=N failed=M" and leaves QEMU.
 * scripts/qemu_test.py turns these lines into TAP. */
#ifndef KERN_TEST_SELFTEST_H
#define KERN_TEST_SELFTEST_H

#include <stdbool.h>

struct ktest_ctx {
	bool failed;
};

/* Record a failed check (first failure's text is printed). */
bool ktest_check(struct ktest_ctx *ctx, bool ok, const char *what,
		 const char *file, int line);

#define CHECK(ctx, cond) ktest_check((ctx), (cond), #cond, __FILE__, __LINE__)

struct ktest {
	const char *name;
	void (*run)(struct ktest_ctx *ctx);
};

/* Start the self-tests in a kernel thread of their own. */
void selftest_start(void);
__attribute__((noreturn)) void selftest_run_all(void);

/* Test lists, one per file under kern/test/. */
extern const struct ktest mm_tests[];
extern const struct ktest trap_tests[];
extern const struct ktest timer_tests[];
extern const struct ktest lib_tests[];
extern const struct ktest sched_tests[];
extern const struct ktest object_tests[];

#endif
