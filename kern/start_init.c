/* Start the first process. The kernel loads exactly one program, init, from
 * the GRUB module named "init", and gives it the bootstrap handles; every
 * later object exists because some process asked for it.
 *
 * Init starts with rdi = address of a struct lo_startup (see
 * docs/bootstrap.md) at the top of its stack, listing its handles, and
 * rsi = 0. */
#include "start_init.h"
#include "obj/log.h"
#include "elf.h"          /* the ELF parser liblightos uses too */
#include "obj/process.h"
#include "obj/vmo.h"
#include "obj/bootstrap.h"
#include "obj/job.h"
#include "sched/thread.h"
#include "mm/uvm.h"
#include "mm/paging.h"
#include "mm/layout.h"
#include "arch/x86_64/multiboot.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "lib/assert.h"

#define INIT_STACK_SIZE (64 * 1024)
#define INIT_STACK_TOP  0x00007ffffff00000ul

static const struct boot_module *find_module(const char *name)
{
	for (size_t i = 0; i < boot_info.module_count; i++) {
		if (strcmp(boot_info.modules[i].name, name) == 0)
			return &boot_info.modules[i];
	}
	return NULL;
}

_Static_assert(ELF_USER_TOP == USER_TOP, "the ELF parser's user half is the kernel's");

/* Map one checked segment: a fresh VMO holding the file bytes. */
static void load_segment(struct process *p, const uint8_t *image, const struct elf_segment *s)
{
	struct vmo *v;
	if (vmo_alloc(s->mem_size, &v) != LO_OK)
		panic("init: no memory for a segment");
	if (vmo_write_kernel(v, s->copy_to, image + s->file_offset, s->file_size) != LO_OK)
		panic("init: cannot fill a segment");
	unsigned flags = (s->writable ? VM_WRITE : 0) | (s->executable ? VM_EXEC : 0);
	uint64_t va = s->vaddr;
	status_t st = uvm_map(p, v, 0, s->mem_size, flags, flags, &va);
	if (st != LO_OK)
		panic("init: cannot map segment at 0x%lx (%d)", s->vaddr, st);
	cap_unref(&v->obj.cap);   /* the mapping holds it now */
}

/* Init is checked exactly as liblightos checks every other program. */
static uint64_t load_elf(struct process *p, const uint8_t *image, uint64_t size)
{
	static struct elf_image elf;   /* boot is single-threaded; keep it off the stack */
	const char *why = "?";
	if (elf_parse(image, size, &elf, &why) != LO_OK)
		panic("init: the init module is not a loadable x86_64 executable: %s", why);
	for (uint32_t i = 0; i < elf.segment_count; i++)
		load_segment(p, image, &elf.segments[i]);
	return elf.entry;
}

/* The stack, with the bootstrap block written at its top. */
static uint64_t build_stack(struct process *p, const struct lo_startup *boot)
{
	struct vmo *stack;
	if (vmo_alloc(INIT_STACK_SIZE, &stack) != LO_OK)
		panic("init: no memory for the stack");
	uint64_t block_offset = INIT_STACK_SIZE - PAGE_ROUND_UP(sizeof(*boot));
	vmo_write_kernel(stack, block_offset, boot, sizeof(*boot));
	uint64_t va = INIT_STACK_TOP - INIT_STACK_SIZE;
	if (uvm_map(p, stack, 0, INIT_STACK_SIZE, VM_WRITE, VM_WRITE, &va) != LO_OK)
		panic("init: cannot map the stack");
	cap_unref(&stack->obj.cap);
	return va + block_offset;
}

void start_init(void)
{
	const struct boot_module *m = find_module("init");
	if (!m)
		panic("no GRUB module named 'init': nothing to run");
	struct process *p;
	if (process_create_named(job_root(), "init", &p) != LO_OK)
		panic("init: cannot create the process");
	process_set_init(p);
	uint64_t entry = load_elf(p, phys_to_virt(m->start), m->end - m->start);

	struct thread *t;
	if (thread_create_user(p, "init", &t) != LO_OK)
		panic("init: cannot create its thread");
	struct lo_startup boot;
	bootstrap_fill(&boot, p, t);
	uint64_t block = build_stack(p, &boot);
	/* The stack pointer sits below the block, 16-byte aligned as the ABI
	 * expects at a call boundary minus the return address slot. */
	uint64_t sp = (block & ~15ul) - 8;
	/* From here on the UART belongs to the console driver: kernel
	 * messages go to the log ring, which the logger program shows. */
	log_handover();
	if (thread_start_user(t, entry, sp, block, 0) != LO_OK)
		panic("init: cannot start its thread");
	kprintf("init: started (process %lu)\n", p->obj.cap.id);
	/* The kernel keeps no reference of its own: init lives by its thread
	 * and its handles. */
	cap_unref(&t->obj.cap);
	cap_unref(&p->obj.cap);
}
