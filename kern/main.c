/* kmain: bring the machine up, then hand over to user space (or, on the
 * test command line, run the kernel self-tests). */
#include <stdint.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/multiboot.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/paging.h"
#include "mm/heap.h"
#include "mm/kstack.h"
#include "sched/clock.h"
#include "sched/thread.h"
#include "arch/x86_64/syscall.h"
#include "lib/printf.h"
#include "lib/assert.h"
#include "start_init.h"

/* The self-tests' entry (kern/test/): linked into kernel-ktest.elf only,
 * so the shipped kernel carries no test code. */
__attribute__((weak)) void selftest_start(void);

static const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case MEM_USABLE: return "usable";
	case MEM_ACPI: return "ACPI";
	case MEM_NVS: return "ACPI NVS";
	case MEM_BAD: return "bad";
	default: return "reserved";
	}
}

static void print_boot_summary(void)
{
	kprintf("memory map:\n");
	for (size_t i = 0; i < boot_info.region_count; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		kprintf("  %016lx-%016lx %s\n", r->base, r->base + r->length - 1,
			mem_type_name(r->type));
	}
	struct pmm_stats ps;
	pmm_get_stats(&ps);
	kprintf("pages: %zu usable, %zu free (%zu MiB), %zu used\n", ps.total_pages,
		ps.free_pages, ps.free_pages * PAGE_SIZE >> 20, ps.used_pages);
	kprintf("kernel: %p-%p, page tables %lu pages\n", (void *)_text_start,
		(void *)_kernel_end, paging_table_pages());
	kprintf("cpu: smep=%d smap=%d nx=%d\n", cpu_features.smep, cpu_features.smap,
		cpu_features.nx);
	kprintf("fpu: %s, xcr0=%lx, save area %u bytes\n",
		fpu_uses_xsave ? "xsave" : "fxsave", fpu_xcr0, fpu_area_size);
	for (size_t i = 0; i < boot_info.module_count; i++)
		kprintf("module: %s at 0x%lx (%lu bytes)\n", boot_info.modules[i].name,
			boot_info.modules[i].start,
			boot_info.modules[i].end - boot_info.modules[i].start);
	if (boot_info.fb.addr)
		kprintf("framebuffer: %ux%u, %u bpp at 0x%lx\n", boot_info.fb.width,
			boot_info.fb.height, boot_info.fb.bpp, boot_info.fb.addr);
}

/* The exception report check: write to an unmapped kernel address. */
__attribute__((noinline)) static void fault_on_purpose(void)
{
	kprintf("writing to an unmapped address on purpose\n");
	*(volatile uint64_t *)0xdead0000ul = 1;
}

/* The stack-guard check: a kernel thread that recurses without end must
 * hit its guard page and be reported, not overwrite memory below. */
static volatile uint64_t recursion_limit = ~0ull;   /* volatile: the compiler cannot see the end */

__attribute__((noinline)) static uint64_t recurse_forever(uint64_t depth)
{
	volatile char pad[256];
	pad[0] = (char)depth;
	if (depth >= recursion_limit)
		return pad[0];
	return recurse_forever(depth + 1) + pad[0];
}

static void overflow_on_purpose(void *arg)
{
	(void)arg;
	kprintf("recursing without end on purpose\n");
	recurse_forever(0);
}

void kmain(uint32_t magic, uint32_t info_pa)
{
	percpu_init(0);   /* first: spinlocks (kprintf's too) read the CPU id */
	serial_init();
	kprintf("\nLightOS booting\n");
	gdt_init(0);
	idt_init();
	sched_init();
	pic_init();
	multiboot_parse(magic, info_pa);
	kprintf("command line: '%s'\n", boot_info.cmdline);
	cpu_features_init();
	pmm_init();
	paging_init();
	kstack_init();
	syscall_init();
	smp_init_interrupts();
	clock_init();
	irq_enable();
	smp_start_aps(0);
	print_boot_summary();
	smp_print_cpus();

	if (cmdline_has("test-exception"))
		fault_on_purpose();
	if (cmdline_has("test-overflow"))
		thread_make_ready(thread_create_kernel(overflow_on_purpose, NULL, "overflow"));
	if (cmdline_has("ktest")) {
		if (!selftest_start)   /* weak: linked only into kernel-ktest.elf */
			panic("ktest: this kernel has no self-tests (boot build/kernel-ktest.elf)");
		selftest_start();
	}
	else if (!cmdline_has("test-overflow"))
		start_init();
	sched_idle_loop();
}
