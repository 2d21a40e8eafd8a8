/* utest: the user-space test suite, started by init on the test command
 * line with the root resource, the log and the boot image. */
#include "lightos/startup.h"
#include "utest.h"
#include "args.h"

lo_resource_t utest_root;
lo_vmo_t utest_image;

static int failed_checks;
static int passed, failed;   /* TEST lines printed, for the DONE line */

void utest_report(const char *name, int ok)
{
	if (ok)
		passed++;
	else
		failed++;
	lo_printf("TEST %s %s\n", ok ? "ok" : "FAIL", name);
}

int utest_check(int ok, const char *what, const char *file, int line)
{
	if (!ok && failed_checks++ == 0)
		lo_printf("  check failed at %s:%d: %s\n", file, line, what);
	return ok;
}

int utest_check_status(status_t got, status_t want, const char *what, const char *file, int line)
{
	if (got != want && failed_checks++ == 0)
		lo_printf("  check failed at %s:%d: %s gave %s, expected %s\n", file, line, what,
			  lo_status_name(got), lo_status_name(want));
	return got == want;
}

status_t utest_spawn_child(const char *args, const struct lo_give *give, uint32_t n,
			   lo_process_t *child)
{
	struct lo_give all[LO_SPAWN_MAX_GIVE];
	uint32_t count = 0;
	uint32_t log = 0;
	if (lo_handle_duplicate(lo_log_handle(lo_log), LO_DEFAULT_RIGHTS_LOG, &log) == LO_OK) {
		all[count].kind = LO_STARTUP_LOG;
		all[count++].handle.value = log;
	}
	for (uint32_t i = 0; i < n && count < LO_SPAWN_MAX_GIVE; i++)
		all[count++] = give[i];
	const char *why = NULL;
	status_t st = lo_spawn_from_image(utest_image, "bin/child", args, all, count, child, &why);
	if (st != LO_OK)
		lo_printf("  spawn child '%s': %s (%s)\n", args, lo_status_name(st), why ? why : "");
	return st;
}

int utest_spawn_talking(const char *args, lo_channel_t *mine, lo_process_t *child)
{
	lo_channel_t theirs;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), mine, &theirs), LO_OK))
		return 0;
	struct lo_give give = { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) };
	if (!CHECK_ST(utest_spawn_child(args, &give, 1, child), LO_OK)) {
		lo_handle_close(lo_channel_handle(*mine));
		return 0;
	}
	return 1;
}

int utest_spawn_ready(const char *args, lo_channel_t *mine, lo_process_t *child)
{
	if (!utest_spawn_talking(args, mine, child))
		return 0;
	uint32_t observed;
	if (CHECK_ST(lo_handle_wait_one(lo_channel_handle(*mine), LO_SIG_CHANNEL_READABLE,
					lo_deadline_after_ms(10000), &observed), LO_OK))
		return 1;
	lo_process_kill(*child);
	lo_handle_close(lo_process_handle(*child));
	lo_handle_close(lo_channel_handle(*mine));
	return 0;
}

int utest_spawn_holding(lo_channel_t *mine, lo_process_t *child)
{
	return utest_spawn_ready("hold", mine, child);
}

int utest_cpus_online(lo_thread_t t)
{
	int n = 0;
	while (n < 32 && lo_thread_set_affinity(t, 1u << n) == LO_OK)
		n++;
	lo_thread_set_affinity(t, ~0u);
	return n;
}

int utest_wait_process(lo_process_t p, struct lo_process_info *info)
{
	uint32_t observed = 0;
	status_t st = lo_handle_wait_one(lo_process_handle(p), LO_SIG_PROCESS_TERMINATED,
					 lo_deadline_after_ms(5000), &observed);
	if (st != LO_OK)
		return 0;
	return lo_process_info(p, info) == LO_OK;
}

lo_handle_t utest_dup(lo_handle_t h, uint32_t rights)
{
	uint32_t out = 0;
	lo_handle_duplicate(h, rights, &out);
	return (lo_handle_t){ out };
}

void utest_sleep_ms(uint64_t ms)
{
	lo_event_t e;
	uint32_t observed;
	if (lo_event_create(lo_job_self(), &e) != LO_OK)
		return;
	lo_handle_wait_one(lo_event_handle(e), LO_SIG_EVENT_SIGNALED, lo_deadline_after_ms(ms),
			   &observed);
	lo_handle_close(lo_event_handle(e));
}

bool utest_thread_blocked(lo_thread_t t)
{
	struct lo_thread_info ti = { 0 };
	for (int i = 0; i < 2000; i++) {
		if (lo_thread_info(t, &ti) == LO_OK && ti.state == LO_THREAD_BLOCKED)
			return true;
		utest_sleep_ms(1);
	}
	return false;
}

uint32_t utest_handles_in_table(void)
{
	struct lo_handle_entry entries[16];
	uint32_t start = 0, actual = 0, next = 0, total = 0;
	do {
		if (lo_process_list_handles(lo_self, entries, 16, start, &actual, &next) != LO_OK)
			return 0;
		total += actual;
		start = next;
	} while (next);
	return total;
}

uint64_t utest_object_id(lo_handle_t h)
{
	struct lo_object_info info;
	if (lo_handle_info(h, &info) != LO_OK)
		return 0;
	return info.id;
}

int utest_find_denial(uint32_t syscall, uint32_t handle, struct lo_denial *out)
{
	uint64_t me = utest_object_id(lo_process_handle(lo_self));
	struct lo_denial d[32];
	uint32_t actual = 0;
	uint64_t start = 0, next = 0;
	int found = 0;
	do {
		if (lo_resource_denials(utest_root, d, 32, start, &actual, &next) != LO_OK)
			return 0;
		for (uint32_t i = 0; i < actual; i++) {
			if (d[i].process_id == me && d[i].syscall == syscall && d[i].handle == handle) {
				*out = d[i];
				found = 1;
			}
		}
		start = next;
	} while (actual);
	return found;
}

static void object_counts(uint64_t *counts)
{
	if (lo_resource_object_counts(utest_root, counts, LO_TYPE_COUNT) != LO_OK)
		lo_memset(counts, 0xff, sizeof(uint64_t) * LO_TYPE_COUNT);
}

/* With several CPUs an object may die a moment after the test ends: a
 * dead thread drops its last reference (and with it its process) when its
 * CPU switches away, which can be after the parent saw it exit. So give
 * the counts up to 200 ms to come back before calling a difference a
 * leak; a real leak stays. */
static lo_event_t settle_tick;     /* never signalled: a 1 ms sleep */
static bool have_settle_tick;

static void settled_counts(const uint64_t *before, uint64_t *after)
{
	for (int i = 0; i < 200; i++) {
		object_counts(after);
		bool same = true;
		for (uint32_t type = 1; type < LO_TYPE_COUNT; type++)
			same = same && after[type] == before[type];
		if (same || !have_settle_tick)
			break;
		uint32_t observed;
		lo_handle_wait_one(lo_event_handle(settle_tick), LO_SIG_EVENT_SIGNALED,
				   lo_deadline_after_ms(1), &observed);
	}
}

/* Every UTEST_SUITE(...) pointer; the linker provides the bounds. */
extern const struct utest *const __start_utest_suites[];
extern const struct utest *const __stop_utest_suites[];

/* One test, then the leak check: every type's count back where it was. */
static void run_one(const struct utest *t)
{
	uint64_t before[LO_TYPE_COUNT], after[LO_TYPE_COUNT];
	object_counts(before);
	failed_checks = 0;
	lo_printf("RUN %s\n", t->name);   /* names a test that hangs */
	t->run();
	settled_counts(before, after);
	for (uint32_t type = 1; type < LO_TYPE_COUNT; type++) {
		if (after[type] != before[type] && failed_checks++ == 0)
			lo_printf("  leak: %lu %s objects before, %lu after\n",
				  before[type], lo_type_name(type), after[type]);
	}
	utest_report(t->name, failed_checks == 0);
}

int main(void)
{
	utest_root = lo_resource_from(lo_startup_handle(LO_STARTUP_ROOT_RESOURCE));
	utest_image = lo_vmo_from(lo_startup_handle(LO_STARTUP_IMAGE));
	have_settle_tick = lo_event_create(lo_job_self(), &settle_tick) == LO_OK;
	/* "fuzz <seed> <calls> [classes]" on the command line: only the long
	 * fuzz run (args.c: the word fuzz, not a test name holding it). */
	const char *fuzz = args_option(lo_startup_args(), "fuzz");
	if (fuzz) {
		uint64_t seed = args_number(&fuzz);
		uint64_t calls = args_number(&fuzz);
		char classes[48];
		size_t n = args_word(&fuzz, classes, sizeof(classes));
		lo_printf("TESTS BEGIN fuzz\n");
		failed_checks = 0;
		uint64_t before[LO_TYPE_COUNT], after[LO_TYPE_COUNT];
		object_counts(before);
		uint64_t start = lo_now();
		utest_long_fuzz(seed, calls, n ? classes : "all");
		settled_counts(before, after);
		for (uint32_t type = 1; type < LO_TYPE_COUNT; type++)
			CHECK(after[type] == before[type]);
		lo_printf("  run took %lu s\n", (lo_now() - start) / 1000000000);
		utest_report("fuzz.long_run", failed_checks == 0);
		lo_printf("TESTS DONE passed=%d failed=%d\n", passed, failed);
		return failed ? 1 : 0;
	}
	/* Grow the heap once now, so no test sees a heap VMO appear as a leak. */
	lo_free(lo_malloc(1 << 20));
	/* "only <prefix> <rounds>" (make ONLY=...): just the tests whose names
	 * start with <prefix>, <rounds> times over. */
	const char *only = args_option(lo_startup_args(), "only");
	char prefix[64] = "";
	uint64_t rounds = 1;
	if (only) {
		args_word(&only, prefix, sizeof(prefix));
		rounds = args_number(&only);
		if (rounds == 0)
			rounds = 1;
	}
	size_t prefix_len = lo_strlen(prefix);
	lo_printf("TESTS BEGIN user\n");
	for (uint64_t round = 0; round < rounds; round++) {
		for (const struct utest *const *s = __start_utest_suites; s < __stop_utest_suites; s++) {
			for (const struct utest *t = *s; t->name; t++) {
				if (prefix_len && lo_strncmp(t->name, prefix, prefix_len) != 0)
					continue;
				run_one(t);
			}
		}
	}
	lo_printf("TESTS DONE passed=%d failed=%d\n", passed, failed);
	return failed ? 1 : 0;
}
