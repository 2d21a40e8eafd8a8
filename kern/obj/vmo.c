/* VMO core: lazily backed pages and copies. The system calls on VMOs
 * (vmo_read, vmo_write, ...) build on these. */
#include "obj/vmo.h"
#include "obj/kernel_types.h"
#include "obj/syscall_support.h"
#include "mm/pmm.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "lib/string.h"
#include "lib/assert.h"
#include "obj/resource.h"
#include "obj/job.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

static uint64_t committed_total;

static void vmo_destroy(struct cap_object *obj)
{
	struct vmo *v = (struct vmo *)obj;
	assert(v->map_count == 0);   /* every mapping holds a reference */
	if (!v->physical) {
		for (uint64_t i = 0; i < v->page_slots; i++) {
			if (v->pages[i])
				pmm_free_page(v->pages[i]);
		}
		__atomic_fetch_sub(&committed_total, v->committed, __ATOMIC_RELAXED);
		job_uncharge_memory(v->obj.job, v->committed * PAGE_SIZE);
	}
	kfree(v->pages);
	kobject_count_destroyed(LO_TYPE_VMO);
	kobject_uncharge(kobject_of(obj));
	kfree(v);
}

static const struct cap_object_ops vmo_ops = {
	.destroy = vmo_destroy,
	.on_zero_handles = NULL,
};

uint64_t vmo_mappable_size(const struct vmo *v)
{
	return PAGE_ROUND_UP(v->size);
}

uint64_t vmo_committed_pages(void)
{
	return __atomic_load_n(&committed_total, __ATOMIC_RELAXED);
}

status_t vmo_alloc(uint64_t size, struct vmo **vmo)
{
	if (size > LO_VMO_MAX_SIZE)
		return LO_ERR_OUT_OF_RANGE;
	struct vmo *v = kmalloc(sizeof(*v));
	if (!v)
		return LO_ERR_NO_MEMORY;
	v->page_slots = PAGE_ROUND_UP(size) / PAGE_SIZE;
	if (v->page_slots) {
		v->pages = kmalloc(v->page_slots * sizeof(uint64_t));
		if (!v->pages) {
			kfree(v);
			return LO_ERR_NO_MEMORY;
		}
	}
	kobject_init(&v->obj, LO_TYPE_VMO, &vmo_ops);
	v->size = size;
	*vmo = v;
	return LO_OK;
}

status_t vmo_wrap_physical(uint64_t pa, uint64_t size, bool uncached, struct vmo **out)
{
	if ((pa & (PAGE_SIZE - 1)) || size == 0 || size > LO_VMO_MAX_SIZE || pa + size < pa)
		return LO_ERR_INVALID_ARGS;
	struct vmo *v = kmalloc(sizeof(*v));
	if (!v)
		return LO_ERR_NO_MEMORY;
	kobject_init(&v->obj, LO_TYPE_VMO, &vmo_ops);
	v->size = size;
	v->physical = true;
	v->uncached = uncached;
	v->phys_base = pa;
	*out = v;
	return LO_OK;
}

/* With v->obj.lock held. */
static status_t page_locked(struct vmo *v, uint64_t offset, bool commit, uint64_t *pa)
{
	if (offset >= vmo_mappable_size(v))
		return LO_ERR_OUT_OF_RANGE;
	if (v->physical) {
		*pa = v->phys_base + PAGE_ROUND_DOWN(offset);
		return LO_OK;
	}
	uint64_t i = offset / PAGE_SIZE;
	if (!v->pages[i]) {
		if (!commit) {
			*pa = 0;
			return LO_OK;
		}
		/* The page counts against the job that made the VMO. */
		if (job_charge_memory(v->obj.job, PAGE_SIZE) != LO_OK)
			return LO_ERR_NO_MEMORY;
		uint64_t page = pmm_alloc_page();
		if (page == PMM_NONE) {
			job_uncharge_memory(v->obj.job, PAGE_SIZE);
			return LO_ERR_NO_MEMORY;
		}
		v->pages[i] = page;
		v->committed++;
		__atomic_fetch_add(&committed_total, 1, __ATOMIC_RELAXED);
	}
	*pa = v->pages[i];
	return LO_OK;
}

status_t vmo_get_page(struct vmo *v, uint64_t offset, uint64_t *pa)
{
	spin_lock(&v->obj.lock);
	status_t st = page_locked(v, offset, true, pa);
	spin_unlock(&v->obj.lock);
	return st;
}

static bool range_ok(struct vmo *v, uint64_t offset, uint64_t len)
{
	return offset <= v->size && len <= v->size - offset;
}

/* Copy in chunks that never cross a page, under the lock, through kernel
 * memory only (user copies go through a bounce buffer outside the lock, so
 * a fault on the user side can never need this VMO's lock). */
static status_t copy_chunk(struct vmo *v, uint64_t offset, void *buf, uint64_t n, bool to_vmo)
{
	uint64_t pa;
	spin_lock(&v->obj.lock);
	status_t st = offset + n <= v->size ? page_locked(v, offset, to_vmo, &pa)
					    : LO_ERR_OUT_OF_RANGE;
	if (st == LO_OK) {
		uint64_t in_page = offset & (PAGE_SIZE - 1);
		if (to_vmo)
			memcpy((char *)phys_to_virt(pa) + in_page, buf, n);
		else if (pa)
			memcpy(buf, (char *)phys_to_virt(pa) + in_page, n);
		else
			memset(buf, 0, n);
	}
	spin_unlock(&v->obj.lock);
	return st;
}

static uint64_t chunk_len(uint64_t offset, uint64_t left, uint64_t max)
{
	uint64_t n = PAGE_SIZE - (offset & (PAGE_SIZE - 1));
	if (n > left)
		n = left;
	return n > max ? max : n;
}

status_t vmo_read_kernel(struct vmo *v, uint64_t offset, void *dst, uint64_t len)
{
	if (!range_ok(v, offset, len))
		return LO_ERR_OUT_OF_RANGE;
	for (uint64_t done = 0; done < len;) {
		uint64_t n = chunk_len(offset + done, len - done, PAGE_SIZE);
		status_t st = copy_chunk(v, offset + done, (char *)dst + done, n, false);
		if (st != LO_OK)
			return st;
		done += n;
	}
	return LO_OK;
}

status_t vmo_write_kernel(struct vmo *v, uint64_t offset, const void *src, uint64_t len)
{
	if (!range_ok(v, offset, len))
		return LO_ERR_OUT_OF_RANGE;
	for (uint64_t done = 0; done < len;) {
		uint64_t n = chunk_len(offset + done, len - done, PAGE_SIZE);
		status_t st = copy_chunk(v, offset + done, (char *)src + done, n, true);
		if (st != LO_OK)
			return st;
		done += n;
	}
	return LO_OK;
}

status_t vmo_set_size(struct vmo *vmo, uint64_t size)
{
	if (size > LO_VMO_MAX_SIZE)
		return LO_ERR_OUT_OF_RANGE;
	uint64_t slots = PAGE_ROUND_UP(size) / PAGE_SIZE;
	uint64_t *pages = NULL;
	if (!vmo->physical && slots) {
		pages = kmalloc(slots * sizeof(uint64_t));
		if (!pages)
			return LO_ERR_NO_MEMORY;
	}
	spin_lock(&vmo->obj.lock);
	if (vmo->physical || (vmo->map_count && PAGE_ROUND_UP(size) < vmo_mappable_size(vmo))) {
		spin_unlock(&vmo->obj.lock);
		kfree(pages);
		return vmo->physical ? LO_ERR_NOT_SUPPORTED : LO_ERR_BAD_STATE;
	}
	uint64_t freed = 0;
	for (uint64_t i = 0; i < vmo->page_slots; i++) {
		if (i < slots)
			pages[i] = vmo->pages[i];
		else if (vmo->pages[i]) {
			pmm_free_page(vmo->pages[i]);
			freed++;
		}
	}
	/* Bytes past the new end in its last page read as zero if it grows again. */
	uint64_t tail = size & (PAGE_SIZE - 1);
	if (tail && size < vmo->size && pages[slots - 1])
		memset((char *)phys_to_virt(pages[slots - 1]) + tail, 0, PAGE_SIZE - tail);
	uint64_t *old = vmo->pages;
	vmo->pages = pages;
	vmo->page_slots = slots;
	vmo->size = size;
	vmo->committed -= freed;
	spin_unlock(&vmo->obj.lock);
	__atomic_fetch_sub(&committed_total, freed, __ATOMIC_RELAXED);
	job_uncharge_memory(vmo->obj.job, freed * PAGE_SIZE);
	kfree(old);
	return LO_OK;
}

/* --- System calls (idl/vmo.idl) --- */

/* Charged to job: one object now; its memory as it grows. */
status_t vmo_create(struct job *job, uint64_t size, struct vmo **vmo)
{
	status_t st = job_charge_objects(job, 1);
	if (st != LO_OK)
		return st;
	st = vmo_alloc(size, vmo);
	if (st != LO_OK) {
		job_uncharge_objects(job, 1);
		return st;
	}
	kobject_charged(&(*vmo)->obj, job);
	return LO_OK;
}

status_t vmo_read(struct vmo *vmo, void *data, uint64_t offset, uint32_t len)
{
	return vmo_read_kernel(vmo, offset, data, len);
}

status_t vmo_write(struct vmo *vmo, const void *data, uint64_t offset, uint32_t len)
{
	return vmo_write_kernel(vmo, offset, data, len);
}

status_t vmo_get_size(struct vmo *vmo, uint64_t *size)
{
	*size = vmo->size;
	return LO_OK;
}

status_t vmo_create_physical(struct resource *resource, uint64_t paddr, uint64_t size,
			       struct vmo **vmo)
{
	/* Only from an MMIO resource that covers the range: carve one from the
	 * root first (the root's carve refuses RAM). */
	if (resource->kind != LO_RESOURCE_MMIO ||
	    !resource_covers(resource, LO_RESOURCE_MMIO, paddr, PAGE_ROUND_UP(size)))
		return LO_ERR_ACCESS_DENIED;
	return vmo_wrap_physical(paddr, size, true, vmo);
}
