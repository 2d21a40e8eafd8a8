#include "mm/uvm.h"
#include "mm/paging.h"
#include "mm/layout.h"
#include "mm/heap.h"
#include "obj/process.h"
#include "obj/vmo.h"
#include "lib/assert.h"

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The live mapping holding addr, or NULL (one being unmapped does not
 * count: its pages are on their way out). Process lock held. */
static struct mapping *find(struct process *p, uint64_t addr)
{
	for (struct list *n = p->mappings.next; n != &p->mappings; n = n->next) {
		struct mapping *m = container_of(n, struct mapping, node);
		if (addr >= m->va && addr < m->va + m->len)
			return m->dying ? NULL : m;
	}
	return NULL;
}

/* First gap of len bytes at or above UVM_BASE, or 0. Process lock held. */
static uint64_t find_gap(struct process *p, uint64_t len)
{
	uint64_t candidate = UVM_BASE;
	for (struct list *n = p->mappings.next; n != &p->mappings; n = n->next) {
		struct mapping *m = container_of(n, struct mapping, node);
		if (candidate + len <= m->va)
			return candidate;
		if (m->va + m->len > candidate)
			candidate = m->va + m->len;
	}
	return candidate + len <= USER_TOP ? candidate : 0;
}

status_t uvm_map(struct process *p, struct vmo *vmo, uint64_t vmo_offset,
		 uint64_t len, unsigned flags, unsigned max_flags, uint64_t *va)
{
	if (len == 0 || (len & (PAGE_SIZE - 1)) || (vmo_offset & (PAGE_SIZE - 1)) ||
	    (*va & (PAGE_SIZE - 1)) || (flags & ~(VM_WRITE | VM_EXEC)))
		return LO_ERR_INVALID_ARGS;
	uint64_t mappable = vmo_mappable_size(vmo);
	if (vmo_offset > mappable || len > mappable - vmo_offset)
		return LO_ERR_OUT_OF_RANGE;
	if (*va && (*va < PAGE_SIZE || *va >= USER_TOP || len > USER_TOP - *va))
		return LO_ERR_INVALID_ARGS;
	struct mapping *m = kmalloc(sizeof(*m));
	if (!m)
		return LO_ERR_NO_MEMORY;

	status_t st = LO_OK;
	spin_lock(&p->obj.lock);
	uint32_t count = 0;
	for (struct list *n = p->mappings.next; n != &p->mappings; n = n->next) {
		struct mapping *o = container_of(n, struct mapping, node);
		count++;
		if (*va && overlaps(*va, len, o->va, o->len))
			st = LO_ERR_ALREADY_EXISTS;
	}
	if (p->ended)
		st = LO_ERR_BAD_STATE;
	else if (count >= UVM_MAX_MAPPINGS)
		st = LO_ERR_NO_RESOURCES;
	uint64_t at = *va ? *va : find_gap(p, len);
	if (st == LO_OK && !at)
		st = LO_ERR_NO_RESOURCES;
	if (st != LO_OK) {
		spin_unlock(&p->obj.lock);
		kfree(m);
		return st;
	}
	m->va = at;
	m->len = len;
	m->vmo = vmo;
	m->vmo_offset = vmo_offset;
	m->flags = flags;
	m->max_flags = max_flags;
	m->dying = false;
	cap_ref(&vmo->obj.cap);
	__atomic_fetch_add(&vmo->map_count, 1, __ATOMIC_RELAXED);
	/* Keep the list sorted by address. */
	struct list *pos = &p->mappings;
	while (pos->next != &p->mappings &&
	       container_of(pos->next, struct mapping, node)->va < at)
		pos = pos->next;
	list_insert_after(pos, &m->node);
	spin_unlock(&p->obj.lock);
	*va = at;
	return LO_OK;
}

/* Drop a mapping whose pages are gone from the page tables. */
static void free_mapping(struct mapping *m)
{
	__atomic_fetch_sub(&m->vmo->map_count, 1, __ATOMIC_RELAXED);
	cap_unref(&m->vmo->obj.cap);
	kfree(m);
}

/* The walk runs without the process lock (a big mapping takes a while), so
 * the mapping stays in the list, marked dying, until its pages are gone: no
 * new mapping can take its place meanwhile and no fault maps its pages
 * again. A teardown racing the walk waits for it span by span (the address
 * space's lock) and then the walk finds the space dead and stops: the page
 * tables went with the space. */
static void unmap_and_free(struct process *p, struct mapping *m)
{
	vm_unmap_range(&p->as, m->va, m->len);   /* LO_ERR_BAD_STATE: torn down, nothing left */
	spin_lock(&p->obj.lock);
	list_remove(&m->node);
	spin_unlock(&p->obj.lock);
	free_mapping(m);
}

status_t uvm_unmap(struct process *p, uint64_t va, uint64_t len)
{
	spin_lock(&p->obj.lock);
	struct mapping *m = find(p, va);
	status_t st = LO_OK;
	if (p->ended)
		st = LO_ERR_BAD_STATE;
	else if (!m)
		st = LO_ERR_NOT_FOUND;
	else if (m->va != va || m->len != len)
		st = LO_ERR_INVALID_ARGS;
	else
		m->dying = true;
	spin_unlock(&p->obj.lock);
	if (st == LO_OK)
		unmap_and_free(p, m);
	return st;
}

status_t uvm_protect(struct process *p, uint64_t va, uint64_t len, unsigned flags)
{
	if (flags & ~(VM_WRITE | VM_EXEC))
		return LO_ERR_INVALID_ARGS;
	/* The process lock is held across the walk so a fault cannot map a
	 * page with the old flags behind it. */
	spin_lock(&p->obj.lock);
	struct mapping *m = find(p, va);
	status_t st = LO_OK;
	if (p->ended) {
		st = LO_ERR_BAD_STATE;
	} else if (!m || m->va != va || m->len != len) {
		st = m ? LO_ERR_INVALID_ARGS : LO_ERR_NOT_FOUND;
	} else if (flags & ~m->max_flags) {
		st = LO_ERR_ACCESS_DENIED;
	} else {
		m->flags = flags;
		vm_protect_range(&p->as, m->va, m->len,
				 flags | (m->vmo->uncached ? VM_NOCACHE : 0));
	}
	spin_unlock(&p->obj.lock);
	return st;
}

/* Whether a present page's flags already allow the access. */
static bool pte_allows(unsigned pte_flags, bool write, bool exec)
{
	return (pte_flags & VM_USER) && (!write || (pte_flags & VM_WRITE)) &&
	       (!exec || (pte_flags & VM_EXEC));
}

enum uvm_fault uvm_handle_fault(struct process *p, uint64_t addr, bool write, bool exec)
{
	if (addr >= USER_TOP)
		return UVM_FAULT_DENIED;
	spin_lock(&p->obj.lock);
	struct mapping *m = find(p, addr);
	bool ok = m && (!write || (m->flags & VM_WRITE)) && (!exec || (m->flags & VM_EXEC));
	uint64_t page_va = PAGE_ROUND_DOWN(addr);
	enum uvm_fault r = UVM_FAULT_DENIED;
	unsigned pte_flags;
	if (!ok) {
		r = UVM_FAULT_DENIED;
	} else if (vm_query(&p->as, page_va, NULL, &pte_flags)) {
		/* Mapped already: another thread raced us here, or a stale TLB
		 * entry. Only worth a retry if the entry allows the access. */
		r = pte_allows(pte_flags, write, exec) ? UVM_FAULT_PRESENT : UVM_FAULT_DENIED;
	} else {
		uint64_t pa;
		if (vmo_get_page(m->vmo, m->vmo_offset + (page_va - m->va), &pa) == LO_OK) {
			unsigned flags = m->flags | VM_USER | (m->vmo->uncached ? VM_NOCACHE : 0);
			if (vm_map(&p->as, page_va, pa, flags) == LO_OK)
				r = UVM_FAULT_MAPPED;
		}
	}
	spin_unlock(&p->obj.lock);
	return r;
}

/* The process has ended (no new mapping can come). Mappings another thread
 * is unmapping right now are left to it. */
void uvm_unmap_all(struct process *p)
{
	for (;;) {
		spin_lock(&p->obj.lock);
		struct mapping *m = NULL;
		for (struct list *n = p->mappings.next; n != &p->mappings && !m; n = n->next) {
			struct mapping *o = container_of(n, struct mapping, node);
			if (!o->dying)
				m = o;
		}
		if (m)
			m->dying = true;
		spin_unlock(&p->obj.lock);
		if (!m)
			break;
		unmap_and_free(p, m);
	}
}
