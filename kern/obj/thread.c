/* Thread system calls (idl/thread.idl). Threads themselves live in
 * kern/sched/thread.c, next to the scheduler. */
#include "sched/thread.h"
#include "obj/kernel_types.h"
#include "lib/string.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

/* --- System calls (idl/thread.idl) --- */

status_t k_thread_create(struct process *process, const void *name, uint32_t name_len,
			 struct thread **thread)
{
	char buf[THREAD_NAME_MAX];
	uint32_t n = name_len < THREAD_NAME_MAX - 1 ? name_len : THREAD_NAME_MAX - 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
	return thread_create_user(process, buf, thread);
}

status_t k_thread_start(struct thread *thread, uint64_t entry, uint64_t stack,
			uint64_t arg0, uint64_t arg1)
{
	return thread_start_user(thread, entry, stack, arg0, arg1);
}

status_t k_thread_exit(void)
{
	thread_exit(0);
}

status_t k_thread_kill(struct thread *thread)
{
	thread_kill(thread);
	return LO_OK;
}

status_t k_thread_info(struct thread *thread, struct lo_thread_info *info)
{
	info->state = thread->state;
	info->cpu = (uint32_t)thread->cpu;
	info->exit_code = thread->exit_code;
	return LO_OK;
}

status_t k_thread_set_affinity(struct thread *thread, uint32_t cpu_mask)
{
	return thread_set_affinity(thread, cpu_mask);
}
