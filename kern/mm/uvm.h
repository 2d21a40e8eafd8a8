/* User memory of a process: VMOs mapped at page-aligned addresses.
 *
 * A mapping holds a reference to its VMO. Pages are mapped in lazily, on
 * the first fault. Unmap and protect work on whole mappings (the range
 * given must be exactly one mapping); this keeps the bookkeeping small. */
#ifndef KERN_MM_UVM_H
#define KERN_MM_UVM_H

#include <stdint.h>
#include <stdbool.h>
#include "status.h"
#include "lib/list.h"

struct process;
struct vmo;

#define UVM_BASE        0x0000000000200000ul   /* lowest address handed out */
#define UVM_MAX_MAPPINGS 4096                   /* per process */

struct mapping {
	struct list node;      /* in process.mappings, sorted by address */
	uint64_t va, len;
	struct vmo *vmo;       /* counted reference */
	uint64_t vmo_offset;
	unsigned flags;        /* VM_WRITE / VM_EXEC (VM_USER implied) */
	unsigned max_flags;    /* what protect may ever grant (from the VMO handle's rights) */
	bool dying;            /* being unmapped: holds its range, serves no faults */
};

enum uvm_fault {
	UVM_FAULT_DENIED,      /* no mapping allows the access */
	UVM_FAULT_MAPPED,      /* the page is mapped now */
	UVM_FAULT_PRESENT,     /* was mapped already and allows the access */
};

/* Map len bytes of vmo from vmo_offset. *va == 0 picks a free address;
 * otherwise *va is used as given and must not overlap a mapping. */
status_t uvm_map(struct process *p, struct vmo *vmo, uint64_t vmo_offset,
		 uint64_t len, unsigned flags, unsigned max_flags, uint64_t *va);
/* Unmap / protect: LO_ERR_BAD_STATE once the process has ended. */
status_t uvm_unmap(struct process *p, uint64_t va, uint64_t len);
status_t uvm_protect(struct process *p, uint64_t va, uint64_t len, unsigned flags);
/* Resolve a fault at addr. */
enum uvm_fault uvm_handle_fault(struct process *p, uint64_t addr, bool write, bool exec);
/* Teardown, after the process has ended. */
void uvm_unmap_all(struct process *p);

#endif
