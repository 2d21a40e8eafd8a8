/* Thread system calls (idl/thread.idl). Threads themselves live in
 * kern/sched/thread.c, next to the scheduler. */
#include "sched/thread.h"
#include "obj/process.h"
#include "obj/job.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "obj/kernel_types.h"
#include "lib/string.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

#define THREAD_KSTACK_BYTES ((uint64_t)KSTACK_PAGES * PAGE_SIZE)

/* --- System calls (idl/thread.idl) --- */

status_t thread_create(struct process *process, const void *name, uint32_t name_len,
			 struct thread **thread)
{
	char buf[LO_THREAD_NAME_MAX];
	bytes_to_str(buf, sizeof(buf), name, name_len);
	/* Charged to the process's job: one object, and its kernel stack. */
	struct job *job = process->obj.job;
	status_t st = LO_OK;
	if (job) {
		st = job_charge_objects(job, 1);
		if (st == LO_OK && (st = job_charge_memory(job, THREAD_KSTACK_BYTES)) != LO_OK)
			job_uncharge_objects(job, 1);
		if (st != LO_OK)
			return st;
	}
	st = thread_create_user(process, buf, thread);
	if (st != LO_OK && job) {
		job_uncharge_memory(job, THREAD_KSTACK_BYTES);
		job_uncharge_objects(job, 1);
	} else if (job) {
		kobject_charged(&(*thread)->obj, job);
	}
	return st;
}

status_t thread_start(struct thread *thread, uint64_t entry, uint64_t stack,
			uint64_t arg0, uint64_t arg1)
{
	return thread_start_user(thread, entry, stack, arg0, arg1);
}

status_t thread_exit(struct thread *thread, cap_handle_t thread_handle, rights_t thread_rights)
{
	(void)thread_rights;
	if (thread != thread_current())
		return LO_ERR_INVALID_ARGS;   /* only a thread's own handle */
	/* The handle named only this thread: it goes with it, so a thread that
	 * was given a handle to itself leaves nothing behind. */
	cap_close(&thread->process->handles, thread_handle);
	/* This call does not return to the dispatch: drop its reference here
	 * (the scheduler's own keeps the thread alive until it is gone). */
	cap_unref(&thread->obj.cap);
	thread_exit_current(0);
}

status_t thread_kill(struct thread *thread)
{
	thread_request_kill(thread);
	return LO_OK;
}

status_t thread_info(struct thread *thread, struct lo_thread_info *info)
{
	info->state = thread->state;
	info->cpu = (uint32_t)thread->cpu;
	info->exit_code = thread->exit_code;
	return LO_OK;
}

status_t thread_set_affinity(struct thread *thread, uint32_t cpu_mask)
{
	return thread_set_cpu_mask(thread, cpu_mask);
}

status_t thread_list(struct process *process, struct lo_thread_entry *entries, uint32_t max,
		     uint32_t start, uint32_t *actual, uint32_t *next)
{
	uint32_t index = 0, n = 0;
	bool more = false;
	spin_lock(&process->obj.lock);
	for (struct list *l = process->threads.next; l != &process->threads; l = l->next, index++) {
		if (index < start)
			continue;
		if (n == max) {
			more = true;
			break;
		}
		struct thread *t = container_of(l, struct thread, process_node);
		entries[n].object_id = t->obj.cap.id;
		entries[n].state = __atomic_load_n(&t->state, __ATOMIC_RELAXED);
		entries[n].cpu = (uint32_t)t->cpu;
		memcpy(entries[n].name, t->name, sizeof(entries[n].name));
		n++;
	}
	spin_unlock(&process->obj.lock);
	*actual = n;
	*next = more ? start + n : 0;
	return LO_OK;
}
