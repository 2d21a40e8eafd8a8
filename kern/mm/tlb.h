/* TLB shootdown. A CPU caches translations only for the address space it
 * has loaded (no PCID) and for the kernel's global pages, so after a
 * mapping is removed or weakened every CPU that may hold it must flush
 * before the page can be reused: the CPUs in the space's `cpus` mask (set
 * by addrspace_activate), or every CPU for a kernel address.
 *
 * One shootdown runs at a time. A CPU answers by interrupt, or while it
 * spins for a spinlock with interrupts off (spin_lock calls tlb_poll), so
 * a sender holding a lock never waits for a CPU that waits for it. */
#ifndef KERN_MM_TLB_H
#define KERN_MM_TLB_H

#include <stdint.h>

struct addrspace;

/* After changing `pages` entries from `va` on (under as->lock): flush them
 * here and on every other CPU that may cache them, and wait for all. */
void tlb_shootdown(struct addrspace *as, uint64_t va, uint64_t pages);
/* The space is dead (pml4_pa already 0, its old value `pml4_pa`): every
 * other CPU that still has it loaded switches to the kernel's tables. */
void tlb_release(struct addrspace *as, uint64_t pml4_pa);
/* Answer a shootdown that waits for this CPU, if any. */
void tlb_poll(void);

/* Shootdowns sent to other CPUs since boot (for tests). */
uint64_t tlb_shootdown_count(void);

#endif
