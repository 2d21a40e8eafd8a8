#include "mm/kstack.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/layout.h"
#include "lib/bitmap.h"
#include "lib/assert.h"
#include "sched/spinlock.h"

/* A slot is the stack plus one guard page. */
#define SLOT_SIZE ((KSTACK_PAGES + 1) * PAGE_SIZE)

static uint64_t slot_words[KSTACK_SLOTS / 64];
static struct bitmap slots = { slot_words, KSTACK_SLOTS };
static struct spinlock kstack_lock = SPINLOCK_INIT("kstack");

void kstack_init(void)
{
	/* Map and unmap one page so the window's upper tables exist in the
	 * kernel's PML4 before any address space copies the kernel half. */
	uint64_t pa = pmm_alloc_page();
	assert(pa != PMM_NONE);
	assert(vm_map(&kernel_as, KSTACK_BASE, pa, VM_WRITE) == LO_OK);
	assert(vm_unmap(&kernel_as, KSTACK_BASE, NULL) == LO_OK);
	pmm_free_page(pa);
}

status_t kstack_alloc(struct kstack *out)
{
	spin_lock(&kstack_lock);
	size_t slot = bitmap_find_clear(&slots, 0);
	if (slot != BITMAP_NONE)
		bitmap_set_range(&slots, slot, 1);
	spin_unlock(&kstack_lock);
	if (slot == BITMAP_NONE)
		return LO_ERR_NO_RESOURCES;
	uint64_t pa = pmm_alloc_pages(KSTACK_PAGES);
	if (pa == PMM_NONE) {
		spin_lock(&kstack_lock);
		bitmap_clear_range(&slots, slot, 1);
		spin_unlock(&kstack_lock);
		return LO_ERR_NO_MEMORY;
	}
	/* The slot's first page stays unmapped: the guard. */
	uint64_t base = KSTACK_BASE + slot * SLOT_SIZE + PAGE_SIZE;
	for (unsigned i = 0; i < KSTACK_PAGES; i++) {
		status_t st = vm_map(&kernel_as, base + i * PAGE_SIZE, pa + i * PAGE_SIZE, VM_WRITE);
		if (st != LO_OK) {
			while (i-- > 0)
				vm_unmap(&kernel_as, base + i * PAGE_SIZE, NULL);
			pmm_free_pages(pa, KSTACK_PAGES);
			spin_lock(&kstack_lock);
			bitmap_clear_range(&slots, slot, 1);
			spin_unlock(&kstack_lock);
			return st;
		}
	}
	out->top = base + KSTACK_PAGES * PAGE_SIZE;
	out->pa = pa;
	out->slot = (uint32_t)slot;
	return LO_OK;
}

void kstack_free(struct kstack *ks)
{
	uint64_t base = KSTACK_BASE + ks->slot * SLOT_SIZE + PAGE_SIZE;
	/* Every CPU forgets the old translations before the slot or the
	 * pages can be used again. */
	vm_unmap_kernel_pages(base, KSTACK_PAGES);
	pmm_free_pages(ks->pa, KSTACK_PAGES);
	spin_lock(&kstack_lock);
	bitmap_clear_range(&slots, ks->slot, 1);
	spin_unlock(&kstack_lock);
}
