/* The ways into and out of the kernel: a system call whose return address
 * or stack pointer is not a canonical user address, thread starts with
 * such values, and EFLAGS.AC set by the user. */
#include "utest.h"

#define NON_CANONICAL 0x0000800000000000ull

static void check_gp_kill(const char *mode, uint64_t rip)
{
	lo_process_t child;
	if (!CHECK_ST(utest_spawn_child(mode, NULL, 0, &child), LO_OK))
		return;
	struct lo_process_info info = { 0 };
	CHECK(utest_wait_process(child, &info));
	if (!CHECK(info.exit_reason == LO_EXIT_FAULT && info.fault_vector == 13))
		lo_printf("  %s: reason %u code %ld vector %lu rip %lx\n", mode, info.exit_reason,
			  (long)info.exit_code, info.fault_vector, info.fault_rip);
	if (rip)
		CHECK(info.fault_rip == rip);
	lo_handle_close(lo_process_handle(child));
}

/* The system call returns to 0x800000000000: the process ends with a
 * general-protection fault there; the kernel carries on. */
static void test_syscall_returns_to_non_canonical(void)
{
	check_gp_kill("sysret-top", NON_CANONICAL);
	check_gp_kill("sysret-top", NON_CANONICAL);
}

/* A system call made with a non-canonical stack pointer is not returned
 * from: the process ends with a general-protection fault. */
static void test_syscall_with_non_canonical_stack(void)
{
	check_gp_kill("sysret-rsp", 0);
}

static void test_thread_start_non_canonical(void)
{
	lo_thread_t t;
	if (!CHECK_ST(lo_thread_create(lo_self, "t", 1, &t), LO_OK))
		return;
	static const uint64_t bad[] = {
		NON_CANONICAL, NON_CANONICAL + 0x1000, 0xffff7fffffffffffull,
		0xffff800000000000ull, 0xffffffff80000000ull, ~0ull,
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_ST(lo_thread_start(t, bad[i], 0x100000, 0, 0), LO_ERR_INVALID_ARGS);
		CHECK_ST(lo_thread_start(t, 0x400000, bad[i], 0, 0), LO_ERR_INVALID_ARGS);
	}
	struct lo_thread_info ti;
	CHECK_ST(lo_thread_info(t, &ti), LO_OK);
	CHECK(ti.state == LO_THREAD_NEW);   /* still not started */
	lo_handle_close(lo_thread_handle(t));
}

static void set_ac(int on)
{
	uint64_t f;
	__asm__ volatile("pushfq; pop %0" : "=r"(f));
	f = on ? f | (1ull << 18) : f & ~(1ull << 18);
	__asm__ volatile("push %0; popfq" : : "r"(f) : "cc", "memory");
}

static uint64_t ac_now(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; pop %0" : "=r"(f));
	return f & (1ull << 18);
}

/* With AC set the kernel still refuses bad pointers (the copies do not
 * run with SMAP off), copies to good ones work, and AC comes back set. */
static void test_user_ac_flag(void)
{
	status_t bad_kernel, bad_null, good;
	uint64_t now = 0, ac_after;
	set_ac(1);
	bad_kernel = lo_clock_get(lo_clock, (uint64_t *)0xffffffff80100000ull);
	bad_null = lo_clock_get(lo_clock, (uint64_t *)8);
	good = lo_clock_get(lo_clock, &now);
	ac_after = ac_now();
	set_ac(0);
	CHECK_ST(bad_kernel, LO_ERR_FAULT);
	CHECK_ST(bad_null, LO_ERR_FAULT);
	CHECK_ST(good, LO_OK);
	CHECK(now != 0);
	CHECK(ac_after != 0);
}

static const struct utest entry_tests[] = {
	{ "user.entry_syscall_returns_to_non_canonical", test_syscall_returns_to_non_canonical },
	{ "user.entry_syscall_with_non_canonical_stack", test_syscall_with_non_canonical_stack },
	{ "user.entry_thread_start_non_canonical", test_thread_start_non_canonical },
	{ "user.entry_user_ac_flag", test_user_ac_flag },
	{ 0, 0 },
};

UTEST_SUITE(entry_tests);
