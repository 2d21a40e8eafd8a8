#include "mm/pmm.h"
#include "mm/layout.h"
#include "arch/x86_64/multiboot.h"
#include "lib/bitmap.h"
#include "lib/string.h"
#include "lib/assert.h"
#include "lib/printf.h"
#include "sched/spinlock.h"

/* The boot page tables map the first 1 GiB; the bitmap must live there. */
#define EARLY_MAP_LIMIT (1ul << 30)

static struct bitmap pages;        /* bit set = page not available */
static size_t usable_pages;        /* pages the memory map calls usable */
static size_t free_count;
static size_t search_hint;         /* lowest page that may be free */
static struct spinlock pmm_lock = SPINLOCK_INIT("pmm");

static void reserve_range(uint64_t start, uint64_t end)
{
	uint64_t first = PAGE_ROUND_DOWN(start) / PAGE_SIZE;
	uint64_t last = PAGE_ROUND_UP(end) / PAGE_SIZE;
	if (first >= pages.nbits)
		return;
	if (last > pages.nbits)
		last = pages.nbits;
	for (uint64_t p = first; p < last; p++) {
		if (!bitmap_test(&pages, p)) {
			bitmap_set_range(&pages, p, 1);
			free_count--;
		}
	}
}

static bool overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

/* A physical range that holds nothing GRUB gave us: not the kernel, not the
 * multiboot info, not a module. */
static bool range_is_unclaimed(uint64_t start, uint64_t end)
{
	if (overlaps(start, end, (uint64_t)_kernel_phys_start, (uint64_t)_kernel_phys_end))
		return false;
	if (overlaps(start, end, boot_info.info_start, boot_info.info_end))
		return false;
	for (size_t i = 0; i < boot_info.module_count; i++) {
		if (overlaps(start, end, boot_info.modules[i].start, boot_info.modules[i].end))
			return false;
	}
	return true;
}

static uint64_t place_bitmap(size_t bytes)
{
	for (size_t i = 0; i < boot_info.region_count; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type != MEM_USABLE)
			continue;
		uint64_t start = PAGE_ROUND_UP(r->base < 0x100000 ? 0x100000 : r->base);
		uint64_t end = PAGE_ROUND_DOWN(r->base + r->length);
		if (end > EARLY_MAP_LIMIT)
			end = EARLY_MAP_LIMIT;
		for (uint64_t at = start; at + bytes <= end; at += PAGE_SIZE) {
			if (range_is_unclaimed(at, at + bytes))
				return at;
		}
	}
	panic("pmm: no room for a %zu-byte page bitmap below 1 GiB", bytes);
}

void pmm_init(void)
{
	uint64_t top = 0;
	for (size_t i = 0; i < boot_info.region_count; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type == MEM_USABLE && r->base + r->length > top)
			top = r->base + r->length;
	}
	size_t npages = PAGE_ROUND_DOWN(top) / PAGE_SIZE;
	size_t bytes = PAGE_ROUND_UP(bitmap_words(npages) * 8);
	uint64_t bitmap_pa = place_bitmap(bytes);

	bitmap_init(&pages, phys_to_virt(bitmap_pa), npages, true);
	free_count = 0;
	for (size_t i = 0; i < boot_info.region_count; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type != MEM_USABLE)
			continue;
		uint64_t first = PAGE_ROUND_UP(r->base) / PAGE_SIZE;
		uint64_t last = PAGE_ROUND_DOWN(r->base + r->length) / PAGE_SIZE;
		for (uint64_t p = first; p < last && p < npages; p++) {
			if (bitmap_test(&pages, p)) {
				bitmap_clear_range(&pages, p, 1);
				free_count++;
			}
		}
	}
	usable_pages = free_count;

	reserve_range(0, 0x100000);   /* real-mode data, BIOS, and page 0 */
	reserve_range((uint64_t)_kernel_phys_start, (uint64_t)_kernel_phys_end);
	reserve_range(boot_info.info_start, boot_info.info_end);
	for (size_t i = 0; i < boot_info.module_count; i++)
		reserve_range(boot_info.modules[i].start, boot_info.modules[i].end);
	reserve_range(bitmap_pa, bitmap_pa + bytes);
	search_hint = 0;
}

static uint64_t alloc_locked(size_t count)
{
	size_t p = count == 1 ? bitmap_find_clear(&pages, search_hint)
			      : bitmap_find_clear_run(&pages, search_hint, count, 1);
	if (p == BITMAP_NONE)
		return PMM_NONE;
	bitmap_set_range(&pages, p, count);
	free_count -= count;
	if (count == 1)
		search_hint = p + 1;
	return (uint64_t)p * PAGE_SIZE;
}

uint64_t pmm_alloc_pages(size_t count)
{
	if (count == 0)
		return PMM_NONE;
	spin_lock(&pmm_lock);
	uint64_t pa = alloc_locked(count);
	spin_unlock(&pmm_lock);
	if (pa != PMM_NONE)
		memset(phys_to_virt(pa), 0, count * PAGE_SIZE);
	return pa;
}

uint64_t pmm_alloc_page(void)
{
	return pmm_alloc_pages(1);
}

void pmm_free_pages(uint64_t pa, size_t count)
{
	assert((pa & (PAGE_SIZE - 1)) == 0);
	size_t first = pa / PAGE_SIZE;
	spin_lock(&pmm_lock);
	for (size_t p = first; p < first + count; p++) {
		if (p >= pages.nbits || !bitmap_test(&pages, p))
			panic("pmm: freeing page 0x%lx that is not allocated", (uint64_t)p * PAGE_SIZE);
	}
	bitmap_clear_range(&pages, first, count);
	free_count += count;
	if (first < search_hint)
		search_hint = first;
	spin_unlock(&pmm_lock);
}

void pmm_free_page(uint64_t pa)
{
	pmm_free_pages(pa, 1);
}

void pmm_get_stats(struct pmm_stats *out)
{
	spin_lock(&pmm_lock);
	out->total_pages = usable_pages;
	out->free_pages = free_count;
	out->used_pages = usable_pages - free_count;
	spin_unlock(&pmm_lock);
}

size_t pmm_check(void)
{
	spin_lock(&pmm_lock);
	size_t used = bitmap_count_set(&pages);
	if (pages.nbits - used != free_count)
		panic("pmm_check: %zu pages clear in the bitmap, %zu counted free",
		      pages.nbits - used, free_count);
	spin_unlock(&pmm_lock);
	return free_count;
}
