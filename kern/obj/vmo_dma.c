/* DMA memory: a contiguous VMO over pinned RAM, and its physical address.
 * Allocating one needs a resource with the DMA right; learning its address
 * needs the DMA right on the VMO, which only the creator's handle has (and
 * duplicates it chooses to keep it on). Ordinary VMOs never reveal their
 * pages: they are lazily backed and may move between allocations. */
#include "obj/vmo.h"
#include "obj/kernel_types.h"
#include "mm/pmm.h"
#include "mm/layout.h"

status_t vmo_alloc_contiguous(uint64_t size, struct vmo **out)
{
	if (size == 0)
		return LO_ERR_INVALID_ARGS;
	if (size > VMO_CONTIGUOUS_MAX)
		return LO_ERR_OUT_OF_RANGE;
	uint64_t pages = PAGE_ROUND_UP(size) / PAGE_SIZE;
	uint64_t pa = pmm_alloc_pages(pages);   /* zeroed */
	if (pa == PMM_NONE)
		return LO_ERR_NO_MEMORY;
	/* Ordinary cached RAM: the devices we drive are cache coherent. */
	status_t st = vmo_wrap_physical(pa, size, false, out);
	if (st != LO_OK) {
		pmm_free_pages(pa, pages);
		return st;
	}
	(*out)->owns_pages = true;
	return LO_OK;
}
