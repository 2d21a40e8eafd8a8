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

/* The mapping holding addr, or NULL. Process lock held. */
static struct mapping *find(struct process *p, uint64_t addr)
{
	for (struct list *n = p->mappings.next; n != &p->mappings; n = n->next) {
		struct mapping *m = container_of(n, struct mapping, node);
		if (addr >= m->va && addr < m->va + m->len)
			return m;
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

static void unmap_pages(struct process *p, struct mapping *m)
{
	for (uint64_t off = 0; off < m->len; off += PAGE_SIZE)
		vm_unmap(&p->as, m->va + off, NULL);   /* NOT_FOUND: never faulted in */
}

static void release_mapping(struct process *p, struct mapping *m)
{
	unmap_pages(p, m);
	__atomic_fetch_sub(&m->vmo->map_count, 1, __ATOMIC_RELAXED);
	cap_unref(&m->vmo->obj.cap);
	kfree(m);
}

status_t uvm_unmap(struct process *p, uint64_t va, uint64_t len)
{
	spin_lock(&p->obj.lock);
	struct mapping *m = find(p, va);
	if (!m || m->va != va || m->len != len) {
		spin_unlock(&p->obj.lock);
		return m ? LO_ERR_INVALID_ARGS : LO_ERR_NOT_FOUND;
	}
	list_remove(&m->node);
	spin_unlock(&p->obj.lock);
	release_mapping(p, m);
	return LO_OK;
}

status_t uvm_protect(struct process *p, uint64_t va, uint64_t len, unsigned flags)
{
	if (flags & ~(VM_WRITE | VM_EXEC))
		return LO_ERR_INVALID_ARGS;
	spin_lock(&p->obj.lock);
	struct mapping *m = find(p, va);
	status_t st = LO_OK;
	if (!m || m->va != va || m->len != len) {
		st = m ? LO_ERR_INVALID_ARGS : LO_ERR_NOT_FOUND;
	} else if (flags & ~m->max_flags) {
		st = LO_ERR_ACCESS_DENIED;
	} else {
		m->flags = flags;
		for (uint64_t off = 0; off < m->len; off += PAGE_SIZE) {
			if (vm_query(&p->as, m->va + off, NULL, NULL))
				vm_protect(&p->as, m->va + off, flags | VM_USER |
					   (m->vmo->uncached ? VM_NOCACHE : 0));
		}
	}
	spin_unlock(&p->obj.lock);
	return st;
}

bool uvm_handle_fault(struct process *p, uint64_t addr, bool write, bool exec)
{
	if (addr >= USER_TOP)
		return false;
	spin_lock(&p->obj.lock);
	struct mapping *m = find(p, addr);
	bool ok = m && (!write || (m->flags & VM_WRITE)) && (!exec || (m->flags & VM_EXEC));
	uint64_t page_va = PAGE_ROUND_DOWN(addr);
	if (ok && !vm_query(&p->as, page_va, NULL, NULL)) {
		uint64_t pa;
		ok = vmo_get_page(m->vmo, m->vmo_offset + (page_va - m->va), &pa) == LO_OK;
		if (ok) {
			unsigned flags = m->flags | VM_USER | (m->vmo->uncached ? VM_NOCACHE : 0);
			ok = vm_map(&p->as, page_va, pa, flags) == LO_OK;
		}
	} else if (ok) {
		/* Mapped already and allowed: another thread raced us here. */
		ok = true;
	}
	spin_unlock(&p->obj.lock);
	return ok;
}

void uvm_unmap_all(struct process *p)
{
	for (;;) {
		spin_lock(&p->obj.lock);
		struct list *n = list_pop_front(&p->mappings);
		spin_unlock(&p->obj.lock);
		if (!n)
			break;
		release_mapping(p, container_of(n, struct mapping, node));
	}
}
