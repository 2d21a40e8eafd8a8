/* Exceptions in the kernel are caught: an instruction listed in the
 * exception table resumes at its fixup and the vector is recorded. This is
 * the mechanism user-copy uses to survive bad pointers. */
#include "test/selftest.h"
#include "arch/x86_64/trap.h"
#include "mm/layout.h"
#include <stdint.h>

static void test_invalid_opcode(struct ktest_ctx *ctx)
{
	trap_last_recovered_vector = ~0ull;
	int reached_fixup = 0;
	__asm__ volatile(
		"1: ud2\n"
		"   jmp 3f\n"
		"2: movl $1, %0\n"
		"3:\n"
		".pushsection .extable, \"a\"\n"
		".quad 1b, 2b\n"
		".popsection\n"
		: "+m"(reached_fixup) : : "memory");
	CHECK(ctx, reached_fixup == 1);
	CHECK(ctx, trap_last_recovered_vector == VEC_INVALID_OP);
}

static void test_divide_error(struct ktest_ctx *ctx)
{
	trap_last_recovered_vector = ~0ull;
	int reached_fixup = 0;
	__asm__ volatile(
		"   xorl %%ecx, %%ecx\n"
		"   movl $1, %%eax\n"
		"   xorl %%edx, %%edx\n"
		"1: divl %%ecx\n"
		"   jmp 3f\n"
		"2: movl $1, %0\n"
		"3:\n"
		".pushsection .extable, \"a\"\n"
		".quad 1b, 2b\n"
		".popsection\n"
		: "+m"(reached_fixup) : : "rax", "rcx", "rdx", "memory");
	CHECK(ctx, reached_fixup == 1);
	CHECK(ctx, trap_last_recovered_vector == VEC_DIVIDE);
}

/* Read one byte at `addr`; true if it faulted (and was recovered). */
bool probe_read_faults(uint64_t addr)
{
	int faulted = 0;
	__asm__ volatile(
		"1: movb (%1), %%al\n"
		"   jmp 3f\n"
		"2: movl $1, %0\n"
		"3:\n"
		".pushsection .extable, \"a\"\n"
		".quad 1b, 2b\n"
		".popsection\n"
		: "+m"(faulted) : "r"(addr) : "rax", "memory");
	return faulted;
}

/* Write one byte at `addr` (value unchanged); true if it faulted. */
bool probe_write_faults(uint64_t addr)
{
	int faulted = 0;
	__asm__ volatile(
		"   movb (%1), %%al\n"
		"1: movb %%al, (%1)\n"
		"   jmp 3f\n"
		"2: movl $1, %0\n"
		"3:\n"
		".pushsection .extable, \"a\"\n"
		".quad 1b, 2b\n"
		".popsection\n"
		: "+m"(faulted) : "r"(addr) : "rax", "memory");
	return faulted;
}

static void test_page_fault(struct ktest_ctx *ctx)
{
	trap_last_recovered_vector = ~0ull;
	/* Low memory is not mapped in the kernel's tables. */
	CHECK(ctx, probe_read_faults(0x1000));
	CHECK(ctx, trap_last_recovered_vector == VEC_PAGE_FAULT);
}

const struct ktest trap_tests[] = {
	{ "trap.invalid_opcode_recovered", test_invalid_opcode },
	{ "trap.divide_error_recovered", test_divide_error },
	{ "trap.page_fault_recovered", test_page_fault },
	{ 0, 0 },
};
