/* The census: a live view of a job tree's processes and threads.
 *
 * Listing and handles by id walk the job tree under job_lock (job.c's
 * job_walk). Events go to every census whose tree holds the process, into
 * a fixed ring inside the census: posting never allocates and never
 * waits, and a full ring only counts what it dropped, so the kernel never
 * depends on the reader. The reader lists again after a drop. */
#include "obj/census.h"
#include "obj/process.h"
#include "obj/job.h"
#include "obj/kernel_types.h"
#include "sched/thread.h"
#include "mm/heap.h"
#include "lib/string.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

struct census {
	struct kobject obj;          /* obj.lock guards the ring */
	struct job *top;             /* counted reference: the tree it sees */
	struct list node;            /* in censuses (census_lock) */
	uint32_t head, count, dropped;
	struct lo_census_event ring[LO_CENSUS_QUEUE_MAX];
};

/* Every live census. A leaf lock: inside it only a census's own lock. */
static struct spinlock census_lock = SPINLOCK_INIT("census");
static struct list censuses = { &censuses, &censuses };
static uint32_t census_live;   /* atomic: posting skips the lock when 0 */

static void census_destroy(struct cap_object *obj)
{
	struct census *c = (struct census *)obj;
	spin_lock(&census_lock);
	list_remove(&c->node);
	__atomic_fetch_sub(&census_live, 1, __ATOMIC_RELAXED);
	spin_unlock(&census_lock);
	cap_unref(&c->top->obj.cap);
	job_uncharge_memory(c->obj.job, sizeof(*c));
	kobject_count_destroyed(LO_TYPE_CENSUS);
	kobject_uncharge(&c->obj);
	kfree(c);
}

static const struct cap_object_ops census_ops = {
	.destroy = census_destroy,
	.on_zero_handles = NULL,
};

/* Is job j in top's subtree? Parents never change while j lives. */
static bool in_tree(struct job *top, struct job *j)
{
	for (; j; j = j->obj.job) {
		if (j == top)
			return true;
	}
	return false;
}

static void post(struct process *p, const struct lo_census_event *ev)
{
	if (__atomic_load_n(&census_live, __ATOMIC_ACQUIRE) == 0)
		return;
	spin_lock(&census_lock);
	for (struct list *n = censuses.next; n != &censuses; n = n->next) {
		struct census *c = container_of(n, struct census, node);
		if (!in_tree(c->top, p->obj.job))
			continue;
		spin_lock(&c->obj.lock);
		if (c->count == LO_CENSUS_QUEUE_MAX) {
			c->dropped++;
		} else {
			c->ring[(c->head + c->count) % LO_CENSUS_QUEUE_MAX] = *ev;
			c->count++;
		}
		kobject_signal_locked(&c->obj, 0, LO_SIG_CENSUS_READABLE);
		spin_unlock(&c->obj.lock);
	}
	spin_unlock(&census_lock);
}

static void event_of(struct process *p, uint32_t kind, struct lo_census_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->pid = p->obj.cap.id;
	ev->job = p->obj.job ? p->obj.job->obj.cap.id : 0;
	memcpy(ev->name, p->name, sizeof(ev->name));
}

void census_process_started(struct process *p, struct thread *first)
{
	struct lo_census_event ev;
	event_of(p, LO_CENSUS_STARTED, &ev);
	ev.tid = first->obj.cap.id;
	post(p, &ev);
}

void census_process_exited(struct process *p)
{
	struct lo_census_event ev;
	event_of(p, LO_CENSUS_EXITED, &ev);
	spin_lock(&p->obj.lock);
	ev.reason = p->exit_reason;
	ev.code = p->exit_code;
	spin_unlock(&p->obj.lock);
	post(p, &ev);
}

/* --- System calls (idl/census.idl) --- */

status_t census_create(struct job *job, struct census **census)
{
	status_t st = job_charge_objects(job, 1);
	if (st != LO_OK)
		return st;
	struct census *c = NULL;
	if ((st = job_charge_memory(job, sizeof(*c))) != LO_OK) {
		job_uncharge_objects(job, 1);
		return st;
	}
	c = kmalloc(sizeof(*c));
	if (!c) {
		job_uncharge_memory(job, sizeof(*c));
		job_uncharge_objects(job, 1);
		return LO_ERR_NO_MEMORY;
	}
	memset(c, 0, sizeof(*c));
	kobject_init(&c->obj, LO_TYPE_CENSUS, &census_ops);
	kobject_charged(&c->obj, job);
	cap_ref(&job->obj.cap);
	c->top = job;
	spin_lock(&census_lock);
	list_push_back(&censuses, &c->node);
	__atomic_fetch_add(&census_live, 1, __ATOMIC_RELEASE);
	spin_unlock(&census_lock);
	*census = c;
	return LO_OK;
}

/* Keep the `max` smallest ids above `after`, sorted, in out[0..*n). */
static void keep_smallest(struct lo_census_entry *out, uint32_t max, uint32_t *n,
			  const struct lo_census_entry *e)
{
	uint32_t at = *n;
	while (at > 0 && out[at - 1].id > e->id)
		at--;
	if (at == max)
		return;
	uint32_t last = *n < max ? *n : max - 1;
	for (uint32_t i = last; i > at; i--)
		out[i] = out[i - 1];
	out[at] = *e;
	if (*n < max)
		(*n)++;
}

struct list_walk {
	uint32_t kind, max, n;
	uint64_t after;
	struct lo_census_entry *out;
};

/* A started process that has not ended (its lock held). */
static bool live_started(struct process *p)
{
	return !p->ended && p->started;
}

static void list_one(struct process *p, void *arg)
{
	struct list_walk *w = arg;
	struct lo_census_entry e;
	memset(&e, 0, sizeof(e));
	spin_lock(&p->obj.lock);
	if (!live_started(p)) {
		spin_unlock(&p->obj.lock);
		return;
	}
	if (w->kind == LO_CENSUS_PROCESSES) {
		e.id = p->obj.cap.id;
		e.owner = p->obj.job->obj.cap.id;
		e.state = LO_PROCESS_RUNNING;
		memcpy(e.name, p->name, sizeof(e.name));
		if (e.id > w->after)
			keep_smallest(w->out, w->max, &w->n, &e);
	} else {
		for (struct list *n = p->threads.next; n != &p->threads; n = n->next) {
			struct thread *t = container_of(n, struct thread, process_node);
			e.id = t->obj.cap.id;
			e.owner = p->obj.cap.id;
			e.state = t->state;
			memcpy(e.name, t->name, sizeof(e.name));
			if (e.id > w->after)
				keep_smallest(w->out, w->max, &w->n, &e);
		}
	}
	spin_unlock(&p->obj.lock);
}

status_t census_list(struct census *census, uint32_t kind, uint64_t after,
		     struct lo_census_entry *entries, uint32_t max, uint32_t *actual)
{
	if (kind != LO_CENSUS_PROCESSES && kind != LO_CENSUS_THREADS)
		return LO_ERR_INVALID_ARGS;
	struct list_walk w = { kind, max, 0, after, entries };
	if (max)
		job_walk(census->top, list_one, &w);
	*actual = w.n;
	return LO_OK;
}

struct find_walk {
	uint64_t id;
	bool thread;
	struct cap_object *found;    /* with a reference */
};

static void find_one(struct process *p, void *arg)
{
	struct find_walk *w = arg;
	if (w->found)
		return;
	spin_lock(&p->obj.lock);
	if (live_started(p)) {
		if (!w->thread && p->obj.cap.id == w->id) {
			if (cap_ref_unless_dying(&p->obj.cap))
				w->found = &p->obj.cap;
		}
		for (struct list *n = p->threads.next; w->thread && n != &p->threads; n = n->next) {
			struct thread *t = container_of(n, struct thread, process_node);
			if (t->obj.cap.id == w->id && cap_ref_unless_dying(&t->obj.cap)) {
				w->found = &t->obj.cap;
				break;
			}
		}
	}
	spin_unlock(&p->obj.lock);
}

status_t census_process(struct census *census, uint64_t pid, struct process **process)
{
	struct find_walk w = { pid, false, NULL };
	job_walk(census->top, find_one, &w);
	if (!w.found)
		return LO_ERR_NOT_FOUND;
	*process = (struct process *)w.found;
	return LO_OK;
}

status_t census_thread(struct census *census, uint64_t tid, struct thread **thread)
{
	struct find_walk w = { tid, true, NULL };
	job_walk(census->top, find_one, &w);
	if (!w.found)
		return LO_ERR_NOT_FOUND;
	*thread = (struct thread *)w.found;
	return LO_OK;
}

status_t census_read(struct census *census, struct lo_census_event *events, uint32_t max,
		     uint32_t *actual, uint32_t *dropped)
{
	struct census *c = census;
	uint32_t n = 0;
	spin_lock(&c->obj.lock);
	while (n < max && c->count) {
		events[n++] = c->ring[c->head];
		c->head = (c->head + 1) % LO_CENSUS_QUEUE_MAX;
		c->count--;
	}
	*dropped = c->dropped;
	c->dropped = 0;
	if (c->count == 0)
		kobject_signal_locked(&c->obj, LO_SIG_CENSUS_READABLE, 0);
	spin_unlock(&c->obj.lock);
	*actual = n;
	return n || *dropped ? LO_OK : LO_ERR_SHOULD_WAIT;
}
