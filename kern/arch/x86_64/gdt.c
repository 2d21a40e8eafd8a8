#include "arch/x86_64/gdt.h"
#include "arch/x86_64/percpu.h"
#include "lib/string.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* One GDT and TSS per CPU: a TSS is marked busy in the GDT that loaded it,
 * and each CPU has its own interrupt stacks. */
#define IST_STACK_SIZE 8192
static uint64_t gdts[MAX_CPUS][7];
static struct tss tsses[MAX_CPUS];
static uint8_t double_fault_stacks[MAX_CPUS][IST_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t nmi_stacks[MAX_CPUS][IST_STACK_SIZE] __attribute__((aligned(16)));

struct descriptor_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

void gdt_init(int cpu)
{
	uint64_t *gdt = gdts[cpu];
	struct tss *tss = &tsses[cpu];
	gdt[0] = 0;
	gdt[1] = 0x00209a0000000000;   /* kernel code: present, DPL0, long mode */
	gdt[2] = 0x0000920000000000;   /* kernel data */
	gdt[3] = 0x0000f20000000000;   /* user data: DPL3 */
	gdt[4] = 0x0020fa0000000000;   /* user code: DPL3, long mode */

	memset(tss, 0, sizeof(*tss));
	tss->ist[IST_DOUBLE_FAULT - 1] = (uint64_t)(double_fault_stacks[cpu] + IST_STACK_SIZE);
	tss->ist[IST_NMI - 1] = (uint64_t)(nmi_stacks[cpu] + IST_STACK_SIZE);
	tss->iomap_base = sizeof(*tss);   /* no I/O bitmap: ring 3 gets no ports */

	uint64_t base = (uint64_t)tss;
	uint64_t limit = sizeof(*tss) - 1;
	gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ul << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[6] = base >> 32;

	struct descriptor_ptr ptr = { sizeof(gdts[cpu]) - 1, (uint64_t)gdt };
	__asm__ volatile(
		"lgdt %0\n"
		"mov %1, %%ds\n"
		"mov %1, %%es\n"
		"mov %1, %%ss\n"
		"pushq %2\n"
		"leaq 1f(%%rip), %%rax\n"
		"pushq %%rax\n"
		"lretq\n"
		"1:\n"
		"ltr %w3\n"
		: : "m"(ptr), "r"((uint64_t)SEL_KERNEL_DATA), "i"(SEL_KERNEL_CODE),
		    "r"((uint64_t)SEL_TSS)
		: "rax", "memory");
}

void tss_set_kernel_stack(uint64_t rsp0)
{
	tsses[this_cpu_id()].rsp[0] = rsp0;
}
