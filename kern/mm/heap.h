/* The kernel heap: kmalloc/kfree for kernel objects.
 *
 * Small sizes (up to 1 KiB) come from per-size-class slabs: one page holds a
 * header and objects of one size. Larger sizes get whole pages. kfree finds
 * the header from the pointer, so callers never pass a size. */
#ifndef KERN_MM_HEAP_H
#define KERN_MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* Zeroed memory, or NULL when memory is exhausted. */
void *kmalloc(size_t size);
void kfree(void *ptr);

struct heap_stats {
	size_t bytes_in_use;      /* live allocations, small ones rounded to their class */
	size_t allocations;       /* live allocations */
	size_t slab_pages;        /* pages held by slabs */
	size_t large_pages;       /* pages held by large allocations */
};

void heap_get_stats(struct heap_stats *out);
/* Walk every slab and check its free list and counts; panics on corruption.
 * Returns the number of slabs checked. */
size_t heap_check(void);

#endif
