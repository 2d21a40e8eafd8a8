/* Physical page allocator: one bit per 4 KiB page of RAM. */
#ifndef KERN_MM_PMM_H
#define KERN_MM_PMM_H

#include <stdint.h>
#include <stddef.h>

#define PMM_NONE ((uint64_t)0)   /* page 0 is never handed out */

struct pmm_stats {
	size_t total_pages;   /* usable RAM found in the memory map */
	size_t free_pages;
	size_t used_pages;      /* allocated, plus the kernel, boot data and the bitmap */
};

/* Build the allocator from boot_info's memory map, reserving the kernel
 * image, the multiboot information, modules and the first 1 MiB. */
void pmm_init(void);

/* One page, zeroed, or PMM_NONE when memory is exhausted. */
uint64_t pmm_alloc_page(void);
/* `count` physically contiguous pages, zeroed, or PMM_NONE. */
uint64_t pmm_alloc_pages(size_t count);
/* Free pages; freeing a page that is not allocated panics (double free). */
void pmm_free_page(uint64_t pa);
void pmm_free_pages(uint64_t pa, size_t count);

void pmm_get_stats(struct pmm_stats *out);
/* Check the bitmap against the free count; panics on a mismatch. Returns
 * the free pages. */
size_t pmm_check(void);

#endif
