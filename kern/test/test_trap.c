/* Exceptions in the kernel are caught: an instruction listed in the
 * exception table resumes at its fixup and the vector is recorded. This is
 * the mechanism user-copy uses to survive bad pointers. */
#include "test/selftest.h"
#include "arch/x86_64/trap.h"
#include "mm/layout.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "sched/clock.h"
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

/* Interrupts that arrive with the user's GS base loaded, as one may between
 * the swapgs and the iretq/sysretq of a return to user mode: the entry
 * must notice (the saved CS says kernel) and use the kernel's per-CPU data,
 * and the way back must leave the user's GS base loaded again. */
static void test_interrupt_with_user_gs(struct ktest_ctx *ctx)
{
	struct cpu *cpu = this_cpu();
	uint64_t user_base = rdmsr(MSR_KERNEL_GS_BASE);
	uint64_t start = clock_ticks(), seen_base = 0;
	irq_disable();
	__asm__ volatile("swapgs" ::: "memory");
	irq_enable();
	/* Timer ticks (and maybe a switch to another thread) happen here. */
	while (clock_ticks() < start + 3)
		__asm__ volatile("pause");
	irq_disable();
	seen_base = rdmsr(MSR_GS_BASE);
	__asm__ volatile("swapgs" ::: "memory");
	irq_enable();
	CHECK(ctx, seen_base == user_base);
	CHECK(ctx, this_cpu() == cpu);
	CHECK(ctx, rdmsr(MSR_KERNEL_GS_BASE) == user_base);
}

const struct ktest trap_tests[] = {
	{ "trap.invalid_opcode_recovered", test_invalid_opcode },
	{ "trap.divide_error_recovered", test_divide_error },
	{ "trap.page_fault_recovered", test_page_fault },
	{ "trap.interrupt_with_user_gs", test_interrupt_with_user_gs },
	{ 0, 0 },
};
