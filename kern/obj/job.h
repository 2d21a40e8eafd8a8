/* Jobs: a tree of groups of processes, each with quotas and the rights to
 * create objects (docs/jobs.md).
 *
 * Every process belongs to one job, and every object a process creates
 * through a system call is charged to the job named in that call: one
 * object and JOB_OBJECT_BYTES of memory, plus the memory it grows into
 * later (VMO pages, page tables, queued channel messages). The charged job is recorded
 * in the object (kobject.job, a counted reference) so the charge goes back
 * to the same job when the object dies.
 *
 * A child job's quota is reserved whole from its parent's remaining quota
 * when it is created and returned when it dies, so a charge needs room in
 * its own job only: every ancestor has already set that room aside. */
#ifndef KERN_OBJ_JOB_H
#define KERN_OBJ_JOB_H

#include <stdint.h>
#include <stdbool.h>
#include "status.h"
#include "obj/kobject.h"
#include "obj/kernel_types.h"
#include "obj/exception.h"
#include "lib/list.h"

/* What one kernel object costs its job's memory quota, whatever its type:
 * more than any object struct (page-sized parts are charged on their own). */
#define JOB_OBJECT_BYTES 512

struct job {
	struct kobject obj;          /* obj.job: the parent (NULL for the root) */
	struct lo_job_quota limit;   /* fixed at creation */
	/* Usage, changed with atomic compare-and-swap against the limit (a
	 * charge needs room in this job only: no lock, a few instructions). */
	uint64_t memory_bytes;       /* used, with the whole quota of each child */
	uint64_t processes_used, objects_used, handles_used;
	bool killed;                 /* set once, under job_lock */
	/* Its exception handler (obj/exception.h), guarded by obj.lock. */
	struct exception_binding exceptions;
	/* Guarded by job_lock (job.c): */
	struct list child_node;      /* in the parent's children */
	struct list children;
	struct list processes;       /* live processes (struct process.job_node) */
	uint32_t child_count;
};

/* The root job: created at boot with the machine's memory, handed to init. */
struct job *job_root(void);

/* Charge a new object to job (counts toward objects and memory); the
 * object then records it with kobject_charged(). NO_RESOURCES, NO_MEMORY,
 * or BAD_STATE for a killed job. */
status_t job_charge_objects(struct job *job, uint32_t count);
void job_uncharge_objects(struct job *job, uint32_t count);
/* Record the charged job in o (takes a reference); kobject_uncharge() at
 * destroy gives the charge back and drops it. */
void kobject_charged(struct kobject *o, struct job *job);
void kobject_uncharge(struct kobject *o);

/* Memory in bytes (VMO pages, messages): NO_MEMORY when over quota.
 * A NULL job (kernel-made objects) is never charged. */
status_t job_charge_memory(struct job *job, uint64_t bytes);
void job_uncharge_memory(struct job *job, uint64_t bytes);

/* Handles held by the job's processes. */
status_t job_charge_handles(struct job *job, uint32_t count);
void job_uncharge_handles(struct job *job, uint32_t count);
/* One handle, inline (every duplicate and close; kern/cap_hooks.h): the
 * same as job_charge_handles(j, 1) and job_uncharge_handles(j, 1). */
static inline bool job_take_handle(struct job *j)
{
	uint64_t old = __atomic_load_n(&j->handles_used, __ATOMIC_RELAXED);
	do {
		if (old >= j->limit.handles)
			return false;
	} while (!__atomic_compare_exchange_n(&j->handles_used, &old, old + 1, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return true;
}

__attribute__((noreturn, cold)) void job_handles_underflow(struct job *j);   /* a charge given back twice */

static inline void job_give_back_handle(struct job *j)
{
	if (__builtin_expect(__atomic_fetch_sub(&j->handles_used, 1, __ATOMIC_RELAXED) == 0, 0))
		job_handles_underflow(j);
}

struct process;
/* A process joins its job (counts toward processes; BAD_STATE once killed)
 * and leaves it when it ends. */
status_t job_add_process(struct job *job, struct process *p);
void job_remove_process(struct process *p);
/* Call fn(p, arg) for every process listed in top's subtree, under the job
 * lock: fn may take a process's lock, nothing else, and must not sleep. */
void job_walk(struct job *top, void (*fn)(struct process *p, void *arg), void *arg);

#endif
