/* A small test framework for the in-guest user-space suite. Each test is a
 * function; CHECK records a failure (the first one per test is printed) and
 * the runner prints "TEST ok|FAIL <name>" for scripts/qemu_test.py. After
 * every test the kernel's live object counts must be back where they were. */
#ifndef UTEST_H
#define UTEST_H

#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/spawn.h"

struct utest {
	const char *name;
	void (*run)(void);
};

/* Print one TEST line and count it. */
void utest_report(const char *name, int ok);
int utest_check(int ok, const char *what, const char *file, int line);
int utest_check_status(status_t got, status_t want, const char *what, const char *file, int line);

#define CHECK(cond) utest_check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_ST(expr, want) utest_check_status((expr), (want), #expr, __FILE__, __LINE__)

/* Handles the suite got from init. */
extern lo_resource_t utest_root;
extern lo_vmo_t utest_image;

/* Start tests/guest/user/child.c with `args` and optional handles. */
status_t utest_spawn_child(const char *args, const struct lo_give *give, uint32_t n,
			   lo_process_t *child);
/* A child started with `args` and a channel to it (*mine, our end). 0 (and
 * a failed check) if that did not work. */
int utest_spawn_talking(const char *args, lo_channel_t *mine, lo_process_t *child);
/* The same, once the child has said it is ready (its first message; not
 * read). 0 (and a failed check, nothing left open) if that did not work. */
int utest_spawn_ready(const char *args, lo_channel_t *mine, lo_process_t *child);
/* The same for a child in "hold" mode. */
int utest_spawn_holding(lo_channel_t *mine, lo_process_t *child);
/* The CPUs online, found through t's affinity (a mask with no online CPU
 * is refused); t may then run anywhere again. */
int utest_cpus_online(lo_thread_t t);
/* Wait (up to 5 s) for a process to end; returns its info. */
int utest_wait_process(lo_process_t p, struct lo_process_info *info);
/* A duplicate of h with exactly `rights`. */
lo_handle_t utest_dup(lo_handle_t h, uint32_t rights);
/* Wait ms milliseconds (on an event nobody signals). */
void utest_sleep_ms(uint64_t ms);
/* Wait up to 2 s for thread t to block (in a wait or a call); true once it
 * has. */
bool utest_thread_blocked(lo_thread_t t);
/* How many handles this process holds (0 if they cannot be listed). */
uint32_t utest_handles_in_table(void);
/* The object id behind a handle (0 if it is not valid). */
uint64_t utest_object_id(lo_handle_t h);
/* The latest denial the kernel logged for this process's call `syscall`
 * on `handle` (0 if none). */
int utest_find_denial(uint32_t syscall, uint32_t handle, struct lo_denial *out);

/* A test file registers its table with UTEST_SUITE(table): the pointer goes
 * into the utest_suites section, which the runner walks in link order
 * (main.c, then the test_*.c files sorted by name). No table to edit. */
#define UTEST_SUITE(table) \
	static const struct utest *const table##_entry \
		__attribute__((used, section("utest_suites"))) = table

/* The long fuzz run (tests/guest/user/test_fuzz.c); classes: "all" or a
 * list such as "race,cycle". */
void utest_long_fuzz(uint64_t seed, uint64_t iterations, const char *classes);

#endif
