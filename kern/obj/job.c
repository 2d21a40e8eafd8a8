/* Jobs: quotas, creation rights and group lifetime (docs/jobs.md). */
#include "obj/job.h"
#include "obj/process.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/layout.h"
#include "lib/string.h"
#include "lib/assert.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

/* Guards every job's counters, tree links and process list. A leaf: held
 * only for a few instructions, with nothing taken inside it except a
 * process's lock (job_kill). */
static struct spinlock job_lock = SPINLOCK_INIT("job");
static struct job *root_job;

/* Memory quotas are kept in bytes and shown in pages. */
static uint64_t limit_bytes(const struct job *j)
{
	return j->limit.memory_pages * PAGE_SIZE;
}

static void job_destroy(struct cap_object *obj)
{
	struct job *j = (struct job *)obj;
	/* Children, processes and charged objects all hold references: by
	 * now every charge has come back. */
	assert(list_empty(&j->children) && list_empty(&j->processes));
	assert(j->memory_bytes == 0 && j->objects_used == 0 && j->handles_used == 0 &&
	       j->processes_used == 0);
	struct job *parent = j->obj.job;
	if (parent) {
		spin_lock(&job_lock);
		list_remove(&j->child_node);
		parent->child_count--;
		/* The reserved quota goes back to the parent. */
		parent->memory_bytes -= limit_bytes(j);
		parent->processes_used -= j->limit.processes;
		parent->objects_used -= j->limit.objects;
		parent->handles_used -= j->limit.handles;
		spin_unlock(&job_lock);
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
	status_t st = LO_OK;
	uint64_t bytes = (uint64_t)count * JOB_OBJECT_BYTES;
	spin_lock(&job_lock);
	if (j->killed)
		st = LO_ERR_BAD_STATE;
	else if (j->objects_used + count > j->limit.objects)
		st = LO_ERR_NO_RESOURCES;
	else if (j->memory_bytes + bytes > limit_bytes(j))
		st = LO_ERR_NO_MEMORY;
	else {
		j->objects_used += count;
		j->memory_bytes += bytes;
	}
	spin_unlock(&job_lock);
	return st;
}

void job_uncharge_objects(struct job *j, uint32_t count)
{
	spin_lock(&job_lock);
	assert(j->objects_used >= count);
	j->objects_used -= count;
	j->memory_bytes -= (uint64_t)count * JOB_OBJECT_BYTES;
	spin_unlock(&job_lock);
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
	if (!j)
		return LO_OK;
	status_t st = LO_OK;
	spin_lock(&job_lock);
	if (j->memory_bytes + bytes > limit_bytes(j))
		st = LO_ERR_NO_MEMORY;
	else
		j->memory_bytes += bytes;
	spin_unlock(&job_lock);
	return st;
}

void job_uncharge_memory(struct job *j, uint64_t bytes)
{
	if (!j)
		return;
	spin_lock(&job_lock);
	assert(j->memory_bytes >= bytes);
	j->memory_bytes -= bytes;
	spin_unlock(&job_lock);
}

status_t job_charge_handles(struct job *j, uint32_t count)
{
	if (!j)
		return LO_OK;
	status_t st = LO_OK;
	spin_lock(&job_lock);
	if (j->handles_used + count > j->limit.handles)
		st = LO_ERR_NO_RESOURCES;
	else
		j->handles_used += count;
	spin_unlock(&job_lock);
	return st;
}

void job_uncharge_handles(struct job *j, uint32_t count)
{
	if (!j)
		return;
	spin_lock(&job_lock);
	assert(j->handles_used >= count);
	j->handles_used -= count;
	spin_unlock(&job_lock);
}

status_t job_add_process(struct job *j, struct process *p)
{
	status_t st = LO_OK;
	spin_lock(&job_lock);
	if (j->killed)
		st = LO_ERR_BAD_STATE;
	else if (j->processes_used + 1 > j->limit.processes)
		st = LO_ERR_NO_RESOURCES;
	else {
		j->processes_used++;
		list_push_back(&j->processes, &p->job_node);
	}
	spin_unlock(&job_lock);
	return st;
}

void job_remove_process(struct process *p)
{
	struct job *j = p->obj.job;
	if (!j)
		return;
	spin_lock(&job_lock);
	if (list_linked(&p->job_node)) {
		list_remove(&p->job_node);
		j->processes_used--;
	}
	spin_unlock(&job_lock);
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
			if (live) {
				cap_ref(&p->obj.cap);
				return p;
			}
		}
	}
	return NULL;
}

static void job_kill(struct job *top)
{
	spin_lock(&job_lock);
	for (struct job *j = top; j; j = next_in_subtree(top, j))
		j->killed = true;   /* no process or object may join from now on */
	spin_unlock(&job_lock);
	/* One at a time, without the lock: killing takes process locks and
	 * may end in closing handles. No process can join, so this ends. */
	for (;;) {
		spin_lock(&job_lock);
		struct process *p = find_live_process(top);
		spin_unlock(&job_lock);
		if (!p)
			break;
		process_kill(p, EXIT_KILLED, -1);
		cap_unref(&p->obj.cap);
	}
	spin_lock(&job_lock);
	for (struct job *j = top; j; j = next_in_subtree(top, j))
		kobject_signal(&j->obj, 0, LO_SIG_JOB_KILLED);
	spin_unlock(&job_lock);
}

/* --- System calls (idl/job.idl) --- */

status_t k_job_create(struct job *parent, const struct lo_job_quota *quota, struct job **job)
{
	if (quota->reserved)
		return LO_ERR_INVALID_ARGS;
	if (quota->memory_pages > (UINT64_MAX / PAGE_SIZE))
		return LO_ERR_NO_RESOURCES;
	status_t st = job_charge_objects(parent, 1);
	if (st != LO_OK)
		return st;
	struct job *j = job_alloc();
	if (!j) {
		job_uncharge_objects(parent, 1);
		return LO_ERR_NO_MEMORY;
	}
	j->limit = *quota;
	uint64_t bytes = quota->memory_pages * PAGE_SIZE;
	spin_lock(&job_lock);
	/* The child's whole quota comes out of what the parent has left. */
	bool room = !parent->killed &&
		    parent->memory_bytes + bytes <= limit_bytes(parent) &&
		    (uint64_t)parent->processes_used + quota->processes <= parent->limit.processes &&
		    (uint64_t)parent->objects_used + quota->objects <= parent->limit.objects &&
		    (uint64_t)parent->handles_used + quota->handles <= parent->limit.handles;
	if (room) {
		parent->memory_bytes += bytes;
		parent->processes_used += quota->processes;
		parent->objects_used += quota->objects;
		parent->handles_used += quota->handles;
		parent->child_count++;
		list_push_back(&parent->children, &j->child_node);
	}
	spin_unlock(&job_lock);
	if (!room) {
		kobject_count_destroyed(LO_TYPE_JOB);
		kfree(j);
		job_uncharge_objects(parent, 1);
		return parent->killed ? LO_ERR_BAD_STATE : LO_ERR_NO_RESOURCES;
	}
	kobject_charged(&j->obj, parent);
	*job = j;
	return LO_OK;
}

status_t k_job_kill(struct job *job)
{
	job_kill(job);
	return LO_OK;
}

status_t k_job_info(struct job *job, struct lo_job_info *info)
{
	memset(info, 0, sizeof(*info));
	spin_lock(&job_lock);
	info->memory_pages_limit = job->limit.memory_pages;
	info->memory_pages_used = (job->memory_bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	info->processes_limit = job->limit.processes;
	info->processes_used = job->processes_used;
	info->objects_limit = job->limit.objects;
	info->objects_used = job->objects_used;
	info->handles_limit = job->limit.handles;
	info->handles_used = job->handles_used;
	info->killed = job->killed;
	info->children = job->child_count;
	spin_unlock(&job_lock);
	return LO_OK;
}
