/* Jobs: quotas, creation rights and group lifetime (docs/jobs.md). */
#include "obj/job.h"
#include "obj/process.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/layout.h"
#include "lib/string.h"
#include "lib/assert.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

/* Guards every job's tree links, process list and killed flag (usage
 * counters are atomics). A leaf: held for a few instructions, with nothing
 * taken inside it except a process's lock (job_terminate). */
static struct spinlock job_lock = SPINLOCK_INIT("job");
static struct job *root_job;

/* Memory quotas are kept in bytes and shown in pages. */
static uint64_t limit_bytes(const struct job *j)
{
	return j->limit.memory_pages * PAGE_SIZE;
}

/* Take n of a counter if that stays within limit; 0 when it would not. */
static bool take(uint64_t *used, uint64_t n, uint64_t limit)
{
	uint64_t old = __atomic_load_n(used, __ATOMIC_RELAXED);
	do {
		if (n > limit || old > limit - n)
			return false;
	} while (!__atomic_compare_exchange_n(used, &old, old + n, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

static void give_back(uint64_t *used, uint64_t n)
{
	uint64_t old = __atomic_fetch_sub(used, n, __ATOMIC_RELAXED);
	assert(old >= n);   /* every charge is given back once */
}

static bool killed(struct job *j)
{
	return __atomic_load_n(&j->killed, __ATOMIC_ACQUIRE);
}

/* The child's whole quota, reserved from the parent or given back to it. */
static bool reserve(struct job *parent, const struct lo_job_quota *q)
{
	if (!take(&parent->memory_bytes, q->memory_pages * PAGE_SIZE, limit_bytes(parent)))
		return false;
	if (take(&parent->processes_used, q->processes, parent->limit.processes)) {
		if (take(&parent->objects_used, q->objects, parent->limit.objects)) {
			if (take(&parent->handles_used, q->handles, parent->limit.handles))
				return true;
			give_back(&parent->objects_used, q->objects);
		}
		give_back(&parent->processes_used, q->processes);
	}
	give_back(&parent->memory_bytes, q->memory_pages * PAGE_SIZE);
	return false;
}

static void unreserve(struct job *parent, const struct lo_job_quota *q)
{
	give_back(&parent->memory_bytes, q->memory_pages * PAGE_SIZE);
	give_back(&parent->processes_used, q->processes);
	give_back(&parent->objects_used, q->objects);
	give_back(&parent->handles_used, q->handles);
}

static void job_destroy(struct cap_object *obj)
{
	struct job *j = (struct job *)obj;
	/* Children, processes and charged objects all hold references: by
	 * now every charge has come back. */
	assert(list_empty(&j->children) && list_empty(&j->processes));
	assert(j->memory_bytes == 0 && j->objects_used == 0 && j->handles_used == 0 &&
	       j->processes_used == 0);
	exception_unbind(&j->exceptions, &j->obj.lock);
	struct job *parent = j->obj.job;
	if (parent) {
		spin_lock(&job_lock);
		if (list_linked(&j->child_node)) {   /* not when its parent died first */
			list_remove(&j->child_node);
			parent->child_count--;
		}
		spin_unlock(&job_lock);
		unreserve(parent, &j->limit);
	}
	kobject_count_destroyed(LO_TYPE_JOB);
	kobject_uncharge(&j->obj);   /* drops the parent */
	kfree(j);
}

static const struct cap_object_ops job_ops = {
	.destroy = job_destroy,
	.on_zero_handles = NULL,
};

static struct job *job_alloc(void)
{
	struct job *j = kmalloc(sizeof(*j));
	if (!j)
		return NULL;
	kobject_init(&j->obj, LO_TYPE_JOB, &job_ops);
	list_init(&j->child_node);
	list_init(&j->children);
	list_init(&j->processes);
	return j;
}

struct job *job_root(void)
{
	if (!root_job) {
		root_job = job_alloc();
		if (!root_job)
			panic("job: no memory for the root job");
		/* The whole machine; the kernel keeps this reference for good. */
		struct pmm_stats s;
		pmm_get_stats(&s);
		root_job->limit.memory_pages = s.free_pages;
		root_job->limit.processes = 4096;
		root_job->limit.objects = 1u << 20;
		root_job->limit.handles = 1u << 20;
	}
	return root_job;
}

/* --- Charges --- */

status_t job_charge_objects(struct job *j, uint32_t count)
{
	if (killed(j))
		return LO_ERR_BAD_STATE;
	if (!take(&j->objects_used, count, j->limit.objects))
		return LO_ERR_NO_RESOURCES;
	if (!take(&j->memory_bytes, (uint64_t)count * JOB_OBJECT_BYTES, limit_bytes(j))) {
		give_back(&j->objects_used, count);
		return LO_ERR_NO_MEMORY;
	}
	return LO_OK;
}

void job_uncharge_objects(struct job *j, uint32_t count)
{
	give_back(&j->objects_used, count);
	give_back(&j->memory_bytes, (uint64_t)count * JOB_OBJECT_BYTES);
}

void kobject_charged(struct kobject *o, struct job *j)
{
	cap_ref(&j->obj.cap);
	o->job = j;
}

void kobject_uncharge(struct kobject *o)
{
	struct job *j = o->job;
	if (!j)
		return;
	o->job = NULL;
	job_uncharge_objects(j, 1);
	cap_unref(&j->obj.cap);
}

status_t job_charge_memory(struct job *j, uint64_t bytes)
{
	if (j && !take(&j->memory_bytes, bytes, limit_bytes(j)))
		return LO_ERR_NO_MEMORY;
	return LO_OK;
}

void job_uncharge_memory(struct job *j, uint64_t bytes)
{
	if (j)
		give_back(&j->memory_bytes, bytes);
}

status_t job_charge_handles(struct job *j, uint32_t count)
{
	if (j && !take(&j->handles_used, count, j->limit.handles))
		return LO_ERR_NO_RESOURCES;
	return LO_OK;
}

void job_handles_underflow(struct job *j)
{
	panic("job: more handles given back than charged (job %lu)", (unsigned long)j->obj.cap.id);
}

void job_uncharge_handles(struct job *j, uint32_t count)
{
	if (j)
		give_back(&j->handles_used, count);
}

/* Under the lock, so job_terminate's walk sees every process that joined. */
status_t job_add_process(struct job *j, struct process *p)
{
	status_t st = LO_OK;
	spin_lock(&job_lock);
	if (j->killed)
		st = LO_ERR_BAD_STATE;
	else if (!take(&j->processes_used, 1, j->limit.processes))
		st = LO_ERR_NO_RESOURCES;
	else
		list_push_back(&j->processes, &p->job_node);
	spin_unlock(&job_lock);
	return st;
}

void job_remove_process(struct process *p)
{
	struct job *j = p->obj.job;
	if (!j)
		return;
	spin_lock(&job_lock);
	bool linked = list_linked(&p->job_node);
	if (linked)
		list_remove(&p->job_node);
	spin_unlock(&job_lock);
	if (linked)
		give_back(&j->processes_used, 1);
}

/* The capability core's hook: a process's handle table grew or shrank. */
status_t cap_table_charge(struct cap_table *t, int32_t handles, int64_t bytes)
{
	struct job *j = container_of(t, struct process, handles)->obj.job;
	if (!j)
		return LO_OK;
	status_t st = LO_OK;
	if (handles > 0)
		st = job_charge_handles(j, (uint32_t)handles);
	else if (handles < 0)
		job_uncharge_handles(j, (uint32_t)-handles);
	if (st == LO_OK && bytes > 0) {
		st = job_charge_memory(j, (uint64_t)bytes);
		if (st != LO_OK && handles > 0)
			job_uncharge_handles(j, (uint32_t)handles);
	} else if (bytes < 0) {
		job_uncharge_memory(j, (uint64_t)-bytes);
	}
	return st;
}

/* --- Kill --- */

/* The job after j in a preorder walk of top's subtree, or NULL. */
static struct job *next_in_subtree(struct job *top, struct job *j)
{
	if (!list_empty(&j->children))
		return container_of(j->children.next, struct job, child_node);
	while (j != top) {
		struct job *parent = j->obj.job;
		if (j->child_node.next != &parent->children)
			return container_of(j->child_node.next, struct job, child_node);
		j = parent;
	}
	return NULL;
}

/* A live process in top's subtree with a reference, or NULL. job_lock held. */
static struct process *find_live_process(struct job *top)
{
	for (struct job *j = top; j; j = next_in_subtree(top, j)) {
		for (struct list *n = j->processes.next; n != &j->processes; n = n->next) {
			struct process *p = container_of(n, struct process, job_node);
			spin_lock(&p->obj.lock);
			bool live = !p->ended;
			spin_unlock(&p->obj.lock);
			/* A process whose last reference is gone (a never-started
			 * one being destroyed) is still listed until its destroy
			 * takes job_lock: never take a reference to it. */
			if (live && cap_ref_unless_dying(&p->obj.cap))
				return p;
		}
	}
	return NULL;
}

void job_walk(struct job *top, void (*fn)(struct process *p, void *arg), void *arg)
{
	spin_lock(&job_lock);
	for (struct job *j = top; j; j = next_in_subtree(top, j)) {
		for (struct list *n = j->processes.next; n != &j->processes; n = n->next)
			fn(container_of(n, struct process, job_node), arg);
	}
	spin_unlock(&job_lock);
}

static void job_terminate(struct job *top)
{
	spin_lock(&job_lock);
	for (struct job *j = top; j; j = next_in_subtree(top, j))
		__atomic_store_n(&j->killed, true, __ATOMIC_RELEASE);   /* nothing may join now */
	spin_unlock(&job_lock);
	/* One at a time, without the lock: killing takes process locks and
	 * may end in closing handles. No process can join, so this ends. */
	for (;;) {
		spin_lock(&job_lock);
		struct process *p = find_live_process(top);
		spin_unlock(&job_lock);
		if (!p)
			break;
		process_terminate(p, LO_EXIT_KILLED, -1);
		cap_unref(&p->obj.cap);
	}
	spin_lock(&job_lock);
	for (struct job *j = top; j; j = next_in_subtree(top, j))
		kobject_signal(&j->obj, 0, LO_SIG_JOB_KILLED);
	spin_unlock(&job_lock);
	/* No process is left to fault: the handlers see PEER_CLOSED. */
	exception_unbind(&top->exceptions, &top->obj.lock);
}

/* --- System calls (idl/job.idl) --- */

status_t job_create(struct job *parent, const struct lo_job_quota *quota, struct job **job)
{
	if (quota->reserved)
		return LO_ERR_INVALID_ARGS;
	if (quota->memory_pages > (UINT64_MAX / PAGE_SIZE))
		return LO_ERR_NO_RESOURCES;
	status_t st = job_charge_objects(parent, 1);
	if (st != LO_OK)
		return st;
	/* The child's whole quota comes out of what the parent has left. */
	if (!reserve(parent, quota)) {
		job_uncharge_objects(parent, 1);
		return LO_ERR_NO_RESOURCES;
	}
	struct job *j = job_alloc();
	if (!j) {
		unreserve(parent, quota);
		job_uncharge_objects(parent, 1);
		return LO_ERR_NO_MEMORY;
	}
	j->limit = *quota;
	kobject_charged(&j->obj, parent);
	spin_lock(&job_lock);
	bool dead = parent->killed;
	if (!dead) {
		parent->child_count++;
		list_push_back(&parent->children, &j->child_node);
	}
	spin_unlock(&job_lock);
	if (dead) {
		cap_unref(&j->obj.cap);   /* destroy gives everything back */
		return LO_ERR_BAD_STATE;
	}
	*job = j;
	return LO_OK;
}

status_t job_kill(struct job *job)
{
	job_terminate(job);
	return LO_OK;
}

/* The handles in the job handler's messages carry the generic part of the
 * process's and thread's default rights: EXCEPTIONS on a job is authority
 * over every process in it (it can kill them all anyway), but no
 * type-specific right, so the handler cannot bind a process's own channel. */
status_t job_exception_channel(struct job *job, struct channel **channel)
{
	return exception_bind(&job->exceptions, &job->obj.lock, &job->killed,
			      LO_RIGHTS_GENERIC_MASK, channel);
}

status_t job_info(struct job *job, struct lo_job_info *info)
{
	memset(info, 0, sizeof(*info));
	info->memory_pages_limit = job->limit.memory_pages;
	info->memory_pages_used = (__atomic_load_n(&job->memory_bytes, __ATOMIC_RELAXED) +
				   PAGE_SIZE - 1) / PAGE_SIZE;
	info->processes_limit = job->limit.processes;
	info->processes_used = (uint32_t)__atomic_load_n(&job->processes_used, __ATOMIC_RELAXED);
	info->objects_limit = job->limit.objects;
	info->objects_used = (uint32_t)__atomic_load_n(&job->objects_used, __ATOMIC_RELAXED);
	info->handles_limit = job->limit.handles;
	info->handles_used = (uint32_t)__atomic_load_n(&job->handles_used, __ATOMIC_RELAXED);
	info->killed = killed(job);
	spin_lock(&job_lock);
	info->children = job->child_count;
	spin_unlock(&job_lock);
	return LO_OK;
}
