/* The fixed set of handles init starts with. */
#include "obj/bootstrap.h"
#include "obj/process.h"
#include "obj/kernel_types.h"
#include "sched/thread.h"
#include "arch/x86_64/multiboot.h"
#include "lib/string.h"
#include "lib/assert.h"

static void add(struct lo_bootstrap *boot, struct process *init, uint32_t kind,
		struct cap_object *obj, rights_t rights)
{
	assert(boot->count < LO_BOOTSTRAP_MAX);
	cap_handle_t h;
	if (cap_install(&init->handles, obj, rights, &h) != LO_OK)
		panic("bootstrap: cannot install handle kind %u", kind);
	boot->entries[boot->count].kind = kind;
	boot->entries[boot->count].handle = h;
	boot->count++;
}

void bootstrap_fill(struct lo_bootstrap *boot, struct process *init, struct thread *first)
{
	memset(boot, 0, sizeof(*boot));
	boot->magic = LO_BOOTSTRAP_MAGIC;
	strlcpy(boot->cmdline, boot_info.cmdline, sizeof(boot->cmdline));
	add(boot, init, LO_BOOT_PROCESS_SELF, &init->obj.cap, LO_RIGHTS_ALL);
	add(boot, init, LO_BOOT_THREAD_SELF, &first->obj.cap, LO_RIGHTS_ALL);
}
