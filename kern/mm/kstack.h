/* Kernel stacks for threads, each mapped in its own window of the kernel
 * half with an unmapped guard page below it: an overflow faults (and the
 * double-fault handler, on its own stack, reports it) instead of silently
 * overwriting whatever memory lies below. */
#ifndef KERN_MM_KSTACK_H
#define KERN_MM_KSTACK_H

#include <stdint.h>
#include "status.h"

#define KSTACK_PAGES   4                      /* 16 KiB usable */
#define KSTACK_BASE    0xffffff0000000000ul   /* PML4 slot 510 */
#define KSTACK_SLOTS   4096                   /* threads alive at once */

struct kstack {
	uint64_t top;        /* initial stack pointer (virtual) */
	uint64_t pa;         /* the physical pages */
	uint32_t slot;
};

/* Reserve the window's page-table slot; at boot, before address spaces. */
void kstack_init(void);
status_t kstack_alloc(struct kstack *out);
void kstack_free(struct kstack *ks);

#endif
