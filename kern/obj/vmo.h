/* Virtual memory objects: memory that can be read, written and mapped.
 *
 * An ordinary VMO is backed lazily: a page is allocated (zeroed) the first
 * time it is written or mapped in. A physical VMO names a fixed range of
 * physical memory (device MMIO) carved from a resource; its pages are never
 * allocated or freed. */
#ifndef KERN_OBJ_VMO_H
#define KERN_OBJ_VMO_H

#include <stdint.h>
#include <stdbool.h>
#include "status.h"
#include "obj/kobject.h"
#include "k_objects.h"   /* generated: the system calls this object implements */


struct vmo {
	struct kobject obj;          /* obj.lock guards the fields below */
	uint64_t size;               /* bytes, exactly as created or set */
	uint64_t *pages;             /* physical address per page, 0 = not yet backed */
	uint64_t page_slots;         /* entries in pages[] */
	uint64_t committed;          /* pages allocated */
	uint32_t map_count;          /* live mappings: size may not shrink under them */
	bool physical;
	bool uncached;
	uint64_t phys_base;
};

/* A new VMO, charged to no job (the kernel's own); vmo_create() (the call)
 * in k_objects.h */
status_t vmo_alloc(uint64_t size, struct vmo **vmo);
status_t vmo_wrap_physical(uint64_t pa, uint64_t size, bool uncached, struct vmo **out);

/* Physical page behind `offset` (page-aligned), allocating it if needed. */
status_t vmo_get_page(struct vmo *v, uint64_t offset, uint64_t *pa);

/* Copy between the VMO and kernel memory. Reads of unbacked pages give zeros. */
status_t vmo_read_kernel(struct vmo *v, uint64_t offset, void *dst, uint64_t len);
status_t vmo_write_kernel(struct vmo *v, uint64_t offset, const void *src, uint64_t len);
/* Copy between the VMO and the current process's user memory. */

/* vmo_set_size(): prototype in the generated k_objects.h */

/* The size rounded up to whole pages: what a mapping may cover. */
uint64_t vmo_mappable_size(const struct vmo *v);

/* Pages allocated by all VMOs, for leak checks. */
uint64_t vmo_committed_pages(void);

#endif
