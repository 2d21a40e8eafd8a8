/* Application processor bring-up: INIT, then two startup IPIs pointing at
 * a real-mode trampoline (trampoline.asm) copied to TRAMP_BASE, a page the
 * physical allocator never hands out (it keeps all of the first MiB). */
#include "arch/x86_64/smp.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/trap.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/paging.h"
#include "sched/clock.h"
#include "sched/thread.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "lib/assert.h"

#define TRAMP_BASE   0x8000
#define TRAMP_PARAMS 0xf00
#define AP_WAIT_MS   5000     /* TCG on a busy host can be slow to start one */

/* trampoline.asm reads these at fixed offsets. */
struct trampoline_params {
	uint32_t boot_cr3;
	uint32_t pad;
	uint64_t kernel_cr3;
	uint64_t stack;
	uint64_t entry;
	uint64_t cpu;
};

extern const char ap_trampoline_start[], ap_trampoline_end[];
extern char boot_pml4[];
extern void ap_entry64(void);

void smp_init_interrupts(void)
{
	acpi_init();
	cpus[0].online = true;
	if (!acpi_info.found || !acpi_info.ioapic_pa)
		return;
	lapic_map(acpi_info.lapic_pa);
	lapic_cpu_init();
	cpus[0].apic_id = lapic_id();
	ioapic_init(acpi_info.ioapic_pa, acpi_info.ioapic_gsi_base);
}

/* First C code of an application processor, on its idle stack, with the
 * kernel's page tables and interrupts off. */
__attribute__((noreturn)) void ap_main(uint64_t id)
{
	percpu_init((int)id);
	gdt_init((int)id);
	idt_load();
	paging_init_cpu();
	cpu_features_init();
	syscall_init();
	lapic_cpu_init();
	sched_init();
	clock_init_cpu();
	__atomic_store_n(&cpus[id].online, true, __ATOMIC_RELEASE);
	sched_idle_loop();
}

static bool start_one(int index, uint32_t apic_id)
{
	struct kstack stack;
	if (kstack_alloc(&stack) != LO_OK) {
		kprintf("smp: no stack for CPU %d\n", index);
		return false;
	}
	volatile struct trampoline_params *p = phys_to_virt(TRAMP_BASE + TRAMP_PARAMS);
	p->stack = stack.top;
	p->cpu = (uint64_t)index;
	cpus[index].apic_id = apic_id;
	__atomic_store_n(&cpu_count, index + 1, __ATOMIC_RELEASE);

	lapic_send_init(apic_id);
	pit_delay_us(10000);
	for (int sipi = 0; sipi < 2; sipi++) {
		if (__atomic_load_n(&cpus[index].online, __ATOMIC_ACQUIRE))
			break;
		lapic_send_startup(apic_id, TRAMP_BASE >> 12);
		pit_delay_us(200);
	}
	for (int ms = 0; ms < AP_WAIT_MS; ms++) {
		if (__atomic_load_n(&cpus[index].online, __ATOMIC_ACQUIRE))
			return true;
		pit_delay_us(1000);
	}
	/* It may still wake up and run on this stack: keep it. */
	kprintf("smp: CPU %d (APIC %u) did not start\n", index, apic_id);
	__atomic_store_n(&cpu_count, index, __ATOMIC_RELEASE);
	return false;
}

void smp_start_aps(int limit)
{
	if (!ioapic_active || acpi_info.cpu_count < 2)
		return;
	size_t size = (size_t)(ap_trampoline_end - ap_trampoline_start);
	assert(size <= TRAMP_PARAMS);
	memcpy(phys_to_virt(TRAMP_BASE), ap_trampoline_start, size);
	volatile struct trampoline_params *p = phys_to_virt(TRAMP_BASE + TRAMP_PARAMS);
	p->boot_cr3 = (uint32_t)virt_to_phys(boot_pml4);
	p->kernel_cr3 = kernel_as.pml4_pa;
	p->entry = (uint64_t)ap_entry64;

	int next = 1;
	for (int i = 0; i < acpi_info.cpu_count && next < MAX_CPUS; i++) {
		if (limit && next >= limit)
			break;
		if (acpi_info.apic_ids[i] == cpus[0].apic_id)
			continue;
		if (!start_one(next, acpi_info.apic_ids[i]))
			break;
		next++;
	}
}

void smp_print_cpus(void)
{
	kprintf("cpus: %d online (%s)\n", cpu_count,
		ioapic_active ? "local APIC timers, I/O APIC" : "PIT, 8259 PIC");
	for (int i = 0; i < cpu_count; i++)
		kprintf("  cpu %d: APIC id %u%s\n", i, cpus[i].apic_id, i == 0 ? " (boot)" : "");
}

void smp_stop_others(void)
{
	if (lapic_present() && cpu_count > 1)
		lapic_send_ipi_others(VEC_IPI_STOP);
}
