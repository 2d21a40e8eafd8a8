/* 4-level paging: address spaces and map/unmap/protect/query of 4 KiB pages.
 *
 * Every address space shares the kernel half (PML4 slots 256..511), which
 * paging_init() fills once; later kernel mappings must fall inside slots
 * that already exist, so the shared entries never change. */
#ifndef KERN_MM_PAGING_H
#define KERN_MM_PAGING_H

#include <stdint.h>
#include <stdbool.h>
#include "status.h"
#include "sched/spinlock.h"

/* Mapping flags. Readable is implied; no VM_EXEC means no-execute. */
#define VM_WRITE    (1u << 0)
#define VM_EXEC     (1u << 1)
#define VM_USER     (1u << 2)
#define VM_NOCACHE  (1u << 3)

struct job;

struct addrspace {
	uint64_t pml4_pa;          /* 0 once destroyed (under lock) */
	struct spinlock lock;
	/* Charged a page for each of its page tables (the PML4 and every
	 * user-half table) while it exists; NULL: uncharged. The process that
	 * owns the space holds a reference to it until after the space dies. */
	struct job *job;
	uint64_t cpus;             /* CPUs that may have it loaded (atomic; tlb.h) */
};

extern struct addrspace kernel_as;

/* Build the final kernel page tables (W^X sections, NX direct map) and switch. */
void paging_init(void);
/* An application processor: the same paging features (global pages). */
void paging_init_cpu(void);

/* A new address space sharing the kernel half, its page tables charged to
 * job (NULL: none). LO_ERR_NO_MEMORY without memory or quota. */
status_t addrspace_create(struct addrspace *as, struct job *job);
/* Free every user-half page table (not the mapped pages: their owners do).
 * Takes the space's lock, so it waits for a walk in progress; afterwards the
 * space is dead: map/unmap/protect give LO_ERR_BAD_STATE, query false. */
void addrspace_destroy(struct addrspace *as);
/* Load `as` on this CPU (the kernel's tables if it is dead). */
void addrspace_activate(struct addrspace *as);

/* Map one page. LO_ERR_ALREADY_EXISTS if `va` is mapped, LO_ERR_NO_MEMORY
 * when a page table cannot be allocated (or charged to as->job), LO_ERR_INVALID_ARGS for unaligned
 * or non-canonical addresses or a user mapping in the kernel half. */
status_t vm_map(struct addrspace *as, uint64_t va, uint64_t pa, unsigned flags);
/* Unmap one page; the old physical address goes to *old_pa if not NULL.
 * LO_ERR_NOT_FOUND if nothing was mapped. */
status_t vm_unmap(struct addrspace *as, uint64_t va, uint64_t *old_pa);
/* Unmap `pages` kernel pages from `va` on, with one TLB shootdown. */
void vm_unmap_kernel_pages(uint64_t va, unsigned pages);
/* Change the flags of a mapped page. */
status_t vm_protect(struct addrspace *as, uint64_t va, unsigned flags);
/* Unmap / reprotect every mapped page of a page-aligned user range; pages
 * never mapped are skipped. LO_ERR_BAD_STATE once the space is destroyed. */
status_t vm_unmap_range(struct addrspace *as, uint64_t va, uint64_t len);
status_t vm_protect_range(struct addrspace *as, uint64_t va, uint64_t len, unsigned flags);
/* Look up a page: true and fills *pa / *flags when mapped. */
bool vm_query(struct addrspace *as, uint64_t va, uint64_t *pa, unsigned *flags);

/* Page-table pages currently allocated (all address spaces). */
uint64_t paging_table_pages(void);

#endif
