#include "mm/tlb.h"
#include "mm/paging.h"
#include "mm/layout.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "sched/spinlock.h"

/* Above this many pages a whole flush is cheaper than page by page. */
#define FLUSH_ALL_PAGES 32

static struct spinlock shoot_lock = SPINLOCK_INIT("tlb");

/* The request in flight; written under shoot_lock before any CPU is
 * asked, read by the asked CPUs until they clear their tlb_pending. */
static struct {
	uint64_t pml4_pa;     /* user addresses: flush only if this is loaded */
	uint64_t va;
	uint64_t pages;
	bool kernel;          /* global kernel pages: flush everywhere */
	bool leave;           /* the space is gone: load the kernel's tables */
} req;

static uint64_t shootdowns;

static void flush_local(bool kernel, uint64_t pml4_pa, uint64_t va, uint64_t pages, bool leave)
{
	if (!kernel && read_cr3() != pml4_pa)
		return;   /* not loaded here: the switch away flushed it */
	if (leave) {
		write_cr3(kernel_as.pml4_pa);
		return;
	}
	if (!kernel && pages > FLUSH_ALL_PAGES) {
		write_cr3(pml4_pa);
		return;
	}
	for (uint64_t i = 0; i < pages; i++)
		invlpg(va + i * PAGE_SIZE);
}

void tlb_poll(void)
{
	struct cpu *c = this_cpu();
	if (!__atomic_load_n(&c->tlb_pending, __ATOMIC_ACQUIRE))
		return;
	flush_local(req.kernel, req.pml4_pa, req.va, req.pages, req.leave);
	__atomic_store_n(&c->tlb_pending, false, __ATOMIC_RELEASE);
}

/* Ask every CPU in `targets` (never this one) and wait until all flushed. */
static void send(uint64_t targets)
{
	struct cpu *self = this_cpu();
	targets &= ~(1ul << self->id);
	for (int i = 0; i < cpu_count; i++) {
		if ((targets & (1ul << i)) && __atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&cpus[i].tlb_pending, true, __ATOMIC_RELEASE);
			lapic_send_ipi(cpus[i].apic_id, VEC_IPI_TLB);
		}
	}
	for (int i = 0; i < cpu_count; i++) {
		while (__atomic_load_n(&cpus[i].tlb_pending, __ATOMIC_ACQUIRE))
			cpu_relax();
	}
	__atomic_fetch_add(&shootdowns, 1, __ATOMIC_RELAXED);
}

static uint64_t targets_of(struct addrspace *as, bool kernel)
{
	/* The page-table write before the mask read: a CPU that sets its bit
	 * after this read loads the space after the write (addrspace_activate
	 * sets the bit before it reads pml4_pa). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (kernel)
		return ~0ul;
	return __atomic_load_n(&as->cpus, __ATOMIC_SEQ_CST);
}

static void shoot(struct addrspace *as, uint64_t pml4_pa, uint64_t va, uint64_t pages,
		  bool kernel, bool leave)
{
	flush_local(kernel, pml4_pa, va, pages, leave);
	if (__atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE) < 2)
		return;
	uint64_t targets = targets_of(as, kernel) & ~(1ul << this_cpu_id());
	if (!targets)
		return;
	spin_lock(&shoot_lock);
	req.pml4_pa = pml4_pa;
	req.va = va;
	req.pages = pages;
	req.kernel = kernel;
	req.leave = leave;
	send(targets);
	spin_unlock(&shoot_lock);
}

void tlb_shootdown(struct addrspace *as, uint64_t va, uint64_t pages)
{
	if (pages)
		shoot(as, as->pml4_pa, va, pages, va >= USER_TOP, false);
}

void tlb_release(struct addrspace *as, uint64_t pml4_pa)
{
	shoot(as, pml4_pa, 0, 0, false, true);
}

uint64_t tlb_shootdown_count(void)
{
	return __atomic_load_n(&shootdowns, __ATOMIC_RELAXED);
}
