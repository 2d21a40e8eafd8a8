/* The fixed set of handles init starts with. */
#include "obj/bootstrap.h"
#include "obj/process.h"
#include "obj/kernel_types.h"
#include "sched/thread.h"
#include "obj/resource.h"
#include "obj/log.h"
#include "obj/vmo.h"
#include "obj/job.h"
#include "obj/clock.h"
#include "mm/layout.h"
#include "arch/x86_64/multiboot.h"
#include "lib/string.h"
#include "lib/assert.h"

static void add(struct lo_startup *boot, struct process *init, uint32_t kind,
		struct cap_object *obj, rights_t rights)
{
	assert(boot->count < sizeof(boot->entries) / sizeof(boot->entries[0]));
	cap_handle_t h;
	if (cap_install(&init->handles, obj, rights, &h) != LO_OK)
		panic("bootstrap: cannot install handle kind %u", kind);
	boot->entries[boot->count].kind = kind;
	boot->entries[boot->count].handle = h;
	boot->count++;
}

void bootstrap_fill(struct lo_startup *boot, struct process *init, struct thread *first)
{
	memset(boot, 0, sizeof(*boot));
	boot->magic = LO_STARTUP_MAGIC;
	strlcpy(boot->args, boot_info.cmdline, sizeof(boot->args));
	/* Each with its type's default rights (idl/): the most any handle to
	 * such an object can hold. */
	add(boot, init, LO_STARTUP_PROCESS_SELF, &init->obj.cap, LO_DEFAULT_RIGHTS_PROCESS);
	add(boot, init, LO_STARTUP_THREAD_SELF, &first->obj.cap, LO_DEFAULT_RIGHTS_THREAD);

	struct resource *root;
	if (resource_create_root(&root) != LO_OK)
		panic("bootstrap: no memory for the root resource");
	add(boot, init, LO_STARTUP_ROOT_RESOURCE, &root->obj.cap, LO_DEFAULT_RIGHTS_RESOURCE);
	cap_unref(&root->obj.cap);

	struct log *log;
	if (log_get(&log) != LO_OK)
		panic("bootstrap: no memory for the log");
	add(boot, init, LO_STARTUP_LOG, &log->obj.cap, LO_DEFAULT_RIGHTS_LOG);
	cap_unref(&log->obj.cap);

	/* The root job (init's own) and the clock. */
	add(boot, init, LO_STARTUP_JOB, &job_root()->obj.cap, LO_DEFAULT_RIGHTS_JOB);
	add(boot, init, LO_STARTUP_CLOCK, (struct cap_object *)clock_object(), LO_DEFAULT_RIGHTS_CLOCK);

	const struct boot_module *image = NULL;
	for (size_t i = 0; i < boot_info.module_count; i++) {
		if (strcmp(boot_info.modules[i].name, "image") == 0)
			image = &boot_info.modules[i];
	}
	if (image) {
		/* The module's pages stay reserved for good: the VMO names them. */
		struct vmo *v;
		uint64_t start = PAGE_ROUND_DOWN(image->start);
		if (vmo_wrap_physical(start, image->end - start, false, &v) != LO_OK)
			panic("bootstrap: cannot wrap the boot image");
		add(boot, init, LO_STARTUP_IMAGE, &v->obj.cap, LO_RIGHT_READ | LO_RIGHT_MAP | LO_RIGHT_EXECUTE |
		    LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER | LO_RIGHT_INSPECT);
		cap_unref(&v->obj.cap);
	}
}
