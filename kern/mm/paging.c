#include "mm/paging.h"
#include "obj/job.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/tlb.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/multiboot.h"
#include "lib/string.h"
#include "lib/assert.h"

#define PTE_P     (1ul << 0)
#define PTE_W     (1ul << 1)
#define PTE_U     (1ul << 2)
#define PTE_PWT   (1ul << 3)
#define PTE_PCD   (1ul << 4)
#define PTE_PS    (1ul << 7)
#define PTE_G     (1ul << 8)
#define PTE_NX    (1ul << 63)
#define PTE_ADDR  0x000ffffffffff000ul

#define LARGE_PAGE (2ul << 20)

struct addrspace kernel_as;
static uint64_t global_bit;          /* PTE_G once CR4.PGE is on */
static uint64_t table_pages;

static unsigned index_of(uint64_t va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

static bool is_canonical(uint64_t va)
{
	uint64_t top = va >> 47;
	return top == 0 || top == 0x1ffff;
}

static uint64_t *table_at(uint64_t pa)
{
	return phys_to_virt(pa & PTE_ADDR);
}

static uint64_t flags_to_pte(uint64_t va, unsigned flags)
{
	uint64_t pte = PTE_P;
	if (flags & VM_WRITE)
		pte |= PTE_W;
	if (!(flags & VM_EXEC))
		pte |= PTE_NX;
	if (flags & VM_USER)
		pte |= PTE_U;
	if (flags & VM_NOCACHE)
		pte |= PTE_PCD | PTE_PWT;
	if (va >= USER_TOP)
		pte |= global_bit;
	return pte;
}

static unsigned pte_to_flags(uint64_t pte)
{
	unsigned flags = 0;
	if (pte & PTE_W)
		flags |= VM_WRITE;
	if (!(pte & PTE_NX))
		flags |= VM_EXEC;
	if (pte & PTE_U)
		flags |= VM_USER;
	if (pte & PTE_PCD)
		flags |= VM_NOCACHE;
	return flags;
}

/* A page-table page charged to `job` (NULL: no one), counted in
 * table_pages; PMM_NONE when the charge or the page cannot be had. */
static uint64_t table_alloc(struct job *job)
{
	if (job_charge_memory(job, PAGE_SIZE) != LO_OK)
		return PMM_NONE;
	uint64_t pa = pmm_alloc_page();
	if (pa == PMM_NONE) {
		job_uncharge_memory(job, PAGE_SIZE);
		return PMM_NONE;
	}
	__atomic_fetch_add(&table_pages, 1, __ATOMIC_RELAXED);
	return pa;
}

/* The level-1 entry for `va`, creating tables on the way when `create`,
 * each charged a page to `charge` (NULL: no one). NULL when a table is
 * missing (or cannot be allocated or charged) or a large page covers `va`. */
static uint64_t *walk(uint64_t pml4_pa, uint64_t va, bool create, struct job *charge)
{
	uint64_t *table = table_at(pml4_pa);
	for (int level = 4; level > 1; level--) {
		uint64_t *e = &table[index_of(va, level)];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			/* The kernel half is shared: it must never grow here. */
			assert(level != 4 || va < USER_TOP || pml4_pa == kernel_as.pml4_pa);
			uint64_t pa = table_alloc(charge);
			if (pa == PMM_NONE)
				return NULL;
			*e = pa | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
		}
		if (*e & PTE_PS)
			return NULL;
		table = table_at(*e);
	}
	return &table[index_of(va, 1)];
}

/* One entry changed, under as->lock: every CPU that may cache it flushes. */
static void flush(struct addrspace *as, uint64_t va)
{
	tlb_shootdown(as, va, 1);
}

static status_t check_args(uint64_t va, unsigned flags)
{
	if ((va & (PAGE_SIZE - 1)) || !is_canonical(va))
		return LO_ERR_INVALID_ARGS;
	if ((flags & VM_USER) && va >= USER_TOP)
		return LO_ERR_INVALID_ARGS;
	return LO_OK;
}

status_t vm_map(struct addrspace *as, uint64_t va, uint64_t pa, unsigned flags)
{
	status_t st = check_args(va, flags);
	if (st != LO_OK || (pa & (PAGE_SIZE - 1)))
		return LO_ERR_INVALID_ARGS;
	spin_lock(&as->lock);
	uint64_t *pte = as->pml4_pa ? walk(as->pml4_pa, va, true, va < USER_TOP ? as->job : NULL) : NULL;
	if (!as->pml4_pa) {
		st = LO_ERR_BAD_STATE;
	} else if (!pte) {
		st = LO_ERR_NO_MEMORY;
	} else if (*pte & PTE_P) {
		st = LO_ERR_ALREADY_EXISTS;
	} else {
		*pte = pa | flags_to_pte(va, flags);
	}
	spin_unlock(&as->lock);
	return st;
}

status_t vm_unmap(struct addrspace *as, uint64_t va, uint64_t *old_pa)
{
	if (check_args(va, 0) != LO_OK)
		return LO_ERR_INVALID_ARGS;
	status_t st = LO_OK;
	spin_lock(&as->lock);
	uint64_t *pte = as->pml4_pa ? walk(as->pml4_pa, va, false, NULL) : NULL;
	if (!as->pml4_pa) {
		st = LO_ERR_BAD_STATE;
	} else if (!pte || !(*pte & PTE_P)) {
		st = LO_ERR_NOT_FOUND;
	} else {
		if (old_pa)
			*old_pa = *pte & PTE_ADDR;
		*pte = 0;
		flush(as, va);
	}
	spin_unlock(&as->lock);
	return st;
}

void vm_unmap_kernel_pages(uint64_t va, unsigned pages)
{
	spin_lock(&kernel_as.lock);
	for (unsigned i = 0; i < pages; i++) {
		uint64_t *pte = walk(kernel_as.pml4_pa, va + i * PAGE_SIZE, false, NULL);
		if (pte)
			*pte = 0;
	}
	tlb_shootdown(&kernel_as, va, pages);   /* one round for all of them */
	spin_unlock(&kernel_as.lock);
}

status_t vm_protect(struct addrspace *as, uint64_t va, unsigned flags)
{
	status_t st = check_args(va, flags);
	if (st != LO_OK)
		return st;
	spin_lock(&as->lock);
	uint64_t *pte = as->pml4_pa ? walk(as->pml4_pa, va, false, NULL) : NULL;
	if (!as->pml4_pa) {
		st = LO_ERR_BAD_STATE;
	} else if (!pte || !(*pte & PTE_P)) {
		st = LO_ERR_NOT_FOUND;
	} else {
		*pte = (*pte & PTE_ADDR) | flags_to_pte(va, flags);
		flush(as, va);
	}
	spin_unlock(&as->lock);
	return st;
}

bool vm_query(struct addrspace *as, uint64_t va, uint64_t *pa, unsigned *flags)
{
	if (!is_canonical(va))
		return false;
	bool found = false;
	spin_lock(&as->lock);
	uint64_t *table = table_at(as->pml4_pa);
	for (int level = 4; as->pml4_pa && level >= 1; level--) {
		uint64_t e = table[index_of(va, level)];
		if (!(e & PTE_P))
			break;
		if (level == 1 || (e & PTE_PS)) {
			uint64_t span = 1ul << (12 + 9 * (level - 1));
			if (pa)
				*pa = (e & PTE_ADDR & ~(span - 1)) + (va & (span - 1));
			if (flags)
				*flags = pte_to_flags(e);
			found = true;
			break;
		}
		table = table_at(e);
	}
	spin_unlock(&as->lock);
	return found;
}

/* The level-1 table covering va (a 2 MiB span), or NULL if there is none.
 * as->lock held. */
static uint64_t *leaf_table(struct addrspace *as, uint64_t va)
{
	uint64_t *table = table_at(as->pml4_pa);
	for (int level = 4; level > 1; level--) {
		uint64_t e = table[index_of(va, level)];
		if (!(e & PTE_P) || (e & PTE_PS))
			return NULL;
		table = table_at(e);
	}
	return table;
}

/* Apply `flags` (or unmap, when `unmap`) to every present page of a user
 * range, one 2 MiB span per lock hold so interrupts are never off for long;
 * spans without a table are skipped whole, so a big lazy mapping is cheap.
 * Each span rechecks that the space is still alive. */
static status_t change_range(struct addrspace *as, uint64_t va, uint64_t len,
			     bool unmap, unsigned flags)
{
	if ((va & (PAGE_SIZE - 1)) || (len & (PAGE_SIZE - 1)) ||
	    va >= USER_TOP || len > USER_TOP - va)
		return LO_ERR_INVALID_ARGS;
	uint64_t end = va + len;
	while (va < end) {
		uint64_t span_end = (va + LARGE_PAGE) & ~(LARGE_PAGE - 1);
		if (span_end > end)
			span_end = end;
		spin_lock(&as->lock);
		if (!as->pml4_pa) {
			spin_unlock(&as->lock);
			return LO_ERR_BAD_STATE;
		}
		uint64_t *table = leaf_table(as, va);
		uint64_t first = 0, last = 0;   /* changed pages: flushed once per span */
		for (; table && va < span_end; va += PAGE_SIZE) {
			uint64_t *pte = &table[index_of(va, 1)];
			if (!(*pte & PTE_P))
				continue;
			*pte = unmap ? 0 : (*pte & PTE_ADDR) | flags_to_pte(va, flags);
			if (!last)
				first = va;
			last = va + PAGE_SIZE;
		}
		if (last)
			tlb_shootdown(as, first, (last - first) / PAGE_SIZE);
		spin_unlock(&as->lock);
		va = span_end;
	}
	return LO_OK;
}

status_t vm_unmap_range(struct addrspace *as, uint64_t va, uint64_t len)
{
	return change_range(as, va, len, true, 0);
}

status_t vm_protect_range(struct addrspace *as, uint64_t va, uint64_t len, unsigned flags)
{
	return change_range(as, va, len, false, flags | VM_USER);
}

/* --- Building the kernel's tables at boot --- */

static uint64_t boot_alloc_table(void)
{
	uint64_t pa = pmm_alloc_page();
	if (pa == PMM_NONE)
		panic("paging: out of memory building the kernel page tables");
	table_pages++;
	return pa;
}

static void map_large(uint64_t va, uint64_t pa, uint64_t pte_flags)
{
	uint64_t *table = table_at(kernel_as.pml4_pa);
	for (int level = 4; level > 2; level--) {
		uint64_t *e = &table[index_of(va, level)];
		if (!(*e & PTE_P))
			*e = boot_alloc_table() | PTE_P | PTE_W;
		table = table_at(*e);
	}
	table[index_of(va, 2)] = pa | pte_flags | PTE_PS;
}

static void map_kernel_page(uint64_t va, uint64_t pa, unsigned flags)
{
	status_t st = vm_map(&kernel_as, va, pa, flags);
	if (st != LO_OK)
		panic("paging: cannot map kernel page 0x%lx (%d)", va, st);
}

static void map_image_section(char *start, char *end, unsigned flags)
{
	for (uint64_t va = (uint64_t)start; va < (uint64_t)end; va += PAGE_SIZE)
		map_kernel_page(va, va - KERNEL_VMA, flags);
}

void paging_init_cpu(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (d & (1u << 13)) {    /* PGE */
		write_cr4(read_cr4() | CR4_PGE);
		global_bit = PTE_G;
	}
}

void paging_init(void)
{
	paging_init_cpu();

	spin_init(&kernel_as.lock, "kernel_as");
	kernel_as.pml4_pa = boot_alloc_table();

	/* Slot 511 (the kernel image) exists from the start, so every address
	 * space that copies the kernel half shares it. */
	uint64_t *pml4 = table_at(kernel_as.pml4_pa);
	pml4[511] = boot_alloc_table() | PTE_P | PTE_W;

	/* Direct map of RAM: 2 MiB pages, no-execute. The 2 MiB pages that hold
	 * the kernel image use 4 KiB pages so the image's alias is read-only. */
	uint64_t top = 0;
	for (size_t i = 0; i < boot_info.region_count; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type == MEM_USABLE && r->base + r->length > top)
			top = r->base + r->length;
	}
	top = (top + LARGE_PAGE - 1) & ~(LARGE_PAGE - 1);
	uint64_t kstart = (uint64_t)_kernel_phys_start & ~(LARGE_PAGE - 1);
	uint64_t kend = ((uint64_t)_kernel_phys_end + LARGE_PAGE - 1) & ~(LARGE_PAGE - 1);
	for (uint64_t pa = 0; pa < top; pa += LARGE_PAGE) {
		if (pa >= kstart && pa < kend)
			continue;
		map_large(DIRECT_MAP_BASE + pa, pa, PTE_P | PTE_W | PTE_NX | global_bit);
	}
	for (uint64_t pa = kstart; pa < kend; pa += PAGE_SIZE) {
		bool in_image = pa >= (uint64_t)_kernel_phys_start && pa < (uint64_t)_kernel_phys_end;
		map_kernel_page(DIRECT_MAP_BASE + pa, pa, in_image ? 0 : VM_WRITE);
	}

	/* The image itself: text RX, rodata R, data and bss RW. Never W+X. */
	map_image_section(_text_start, _text_end, VM_EXEC);
	map_image_section(_rodata_start, _rodata_end, 0);
	map_image_section(_data_start, _data_end, VM_WRITE);

	write_cr3(kernel_as.pml4_pa);
}

status_t addrspace_create(struct addrspace *as, struct job *job)
{
	uint64_t pa = table_alloc(job);
	if (pa == PMM_NONE)
		return LO_ERR_NO_MEMORY;
	uint64_t *pml4 = table_at(pa);
	uint64_t *kernel_pml4 = table_at(kernel_as.pml4_pa);
	for (int i = 256; i < 512; i++)
		pml4[i] = kernel_pml4[i];
	spin_init(&as->lock, "addrspace");
	as->cpus = 0;
	as->pml4_pa = pa;
	as->job = job;
	return LO_OK;
}

/* Free a table and those below it; returns how many pages that was. */
static uint64_t free_table(uint64_t pa, int level)
{
	uint64_t *t = table_at(pa);
	uint64_t n = 1;
	if (level > 1) {
		for (int i = 0; i < 512; i++) {
			if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
				n += free_table(t[i] & PTE_ADDR, level - 1);
		}
	}
	pmm_free_page(pa & PTE_ADDR);
	__atomic_fetch_sub(&table_pages, 1, __ATOMIC_RELAXED);
	return n;
}

void addrspace_destroy(struct addrspace *as)
{
	assert(as != &kernel_as);
	/* Under the lock, so no walk is half way through these tables; then
	 * pml4_pa == 0 marks the space dead for every later call. */
	spin_lock(&as->lock);
	uint64_t pml4_pa = as->pml4_pa;
	assert(pml4_pa);
	/* Dead first, then no CPU may keep the tables loaded: one that loads
	 * the space after this store finds it dead (addrspace_activate). */
	__atomic_store_n(&as->pml4_pa, 0, __ATOMIC_SEQ_CST);
	tlb_release(as, pml4_pa);
	uint64_t *pml4 = table_at(pml4_pa);
	uint64_t pages = 1;
	for (int i = 0; i < 256; i++) {
		if (pml4[i] & PTE_P)
			pages += free_table(pml4[i] & PTE_ADDR, 3);
	}
	pmm_free_page(pml4_pa);
	__atomic_fetch_sub(&table_pages, 1, __ATOMIC_RELAXED);
	spin_unlock(&as->lock);
	job_uncharge_memory(as->job, pages * PAGE_SIZE);   /* every table it was charged */
}

void addrspace_activate(struct addrspace *as)
{
	struct cpu *c = this_cpu();
	uint64_t bit = 1ul << c->id;
	struct addrspace *old = c->as;
	/* In the mask before reading pml4_pa: a shootdown or a teardown that
	 * misses the bit wrote its change before we read (tlb.c). */
	if (old != as)
		__atomic_fetch_or(&as->cpus, bit, __ATOMIC_SEQ_CST);
	/* The last thread of a process runs on after its space is gone (it
	 * releases it): kernel tables then. */
	uint64_t pa = __atomic_load_n(&as->pml4_pa, __ATOMIC_SEQ_CST);
	if (!pa)
		pa = kernel_as.pml4_pa;
	if (read_cr3() != pa)
		write_cr3(pa);
	/* The old space lives on: it belongs to the thread that just ran
	 * here, which holds its process until it is switched out. */
	if (old && old != as)
		__atomic_fetch_and(&old->cpus, ~bit, __ATOMIC_SEQ_CST);
	c->as = as;
}

uint64_t paging_table_pages(void)
{
	return __atomic_load_n(&table_pages, __ATOMIC_RELAXED);
}
