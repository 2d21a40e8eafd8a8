/* The rights-denial log: every ACCESS_DENIED from a handle check, kept in
 * a bounded ring (oldest entries are overwritten). */
#include "obj/denials.h"
#include "obj/syscall_support.h"
#include "obj/process.h"
#include "sched/thread.h"
#include "sched/spinlock.h"
#include "lib/string.h"

static struct denial ring[DENIAL_LOG_SIZE];
static uint64_t recorded;   /* denials ever recorded */
static struct spinlock denial_lock = SPINLOCK_INIT("denials");

void record_denial(uint32_t syscall_number, cap_handle_t handle, rights_t required, rights_t held)
{
	struct thread *t = thread_current();
	spin_lock(&denial_lock);
	struct denial *d = &ring[recorded % DENIAL_LOG_SIZE];
	d->process_id = t->process ? t->process->obj.cap.id : 0;
	d->syscall = syscall_number;
	d->handle = handle;
	d->required = required;
	d->held = held;
	/* A running process's identity is fixed: no lock needed to read it. */
	if (t->process)
		memcpy(d->program, t->process->identity.path, sizeof(d->program));
	else
		d->program[0] = 0;
	recorded++;
	spin_unlock(&denial_lock);
}

uint64_t denials_recorded(void)
{
	return __atomic_load_n(&recorded, __ATOMIC_RELAXED);
}

bool denial_get(uint64_t index, struct denial *out)
{
	bool ok;
	spin_lock(&denial_lock);
	ok = index < recorded && recorded - index <= DENIAL_LOG_SIZE;
	if (ok)
		*out = ring[index % DENIAL_LOG_SIZE];
	spin_unlock(&denial_lock);
	return ok;
}
