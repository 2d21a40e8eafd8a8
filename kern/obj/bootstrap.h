/* The bootstrap block: what init finds at the top of its stack (rdi points
 * to it). It lists the handles the kernel installed in init's table and
 * carries the kernel command line. Documented in docs/bootstrap.md. */
#ifndef KERN_OBJ_BOOTSTRAP_H
#define KERN_OBJ_BOOTSTRAP_H

#include <stdint.h>

struct process;
struct thread;

#define LO_BOOTSTRAP_MAGIC   0x544f4f424f4c0001ull   /* "LOBOOT", version 1 */
#define LO_BOOTSTRAP_MAX     16
#define LO_BOOTSTRAP_CMDLINE 256

enum lo_bootstrap_kind {
	LO_BOOT_PROCESS_SELF  = 1,   /* init's own process */
	LO_BOOT_THREAD_SELF   = 2,   /* init's first thread */
	LO_BOOT_ROOT_RESOURCE = 3,   /* authority over all device resources */
	LO_BOOT_LOG           = 4,   /* the kernel console */
	LO_BOOT_IMAGE         = 5,   /* the boot image (GRUB module "image"), read-only VMO */
};

struct lo_bootstrap_entry {
	uint32_t kind;      /* enum lo_bootstrap_kind */
	uint32_t handle;
};

struct lo_bootstrap {
	uint64_t magic;
	uint32_t count;
	uint32_t reserved;
	struct lo_bootstrap_entry entries[LO_BOOTSTRAP_MAX];
	char cmdline[LO_BOOTSTRAP_CMDLINE];
};

/* Create the bootstrap objects, install their handles in init's table and
 * describe them in *boot. */
void bootstrap_fill(struct lo_bootstrap *boot, struct process *init, struct thread *first);

#endif
