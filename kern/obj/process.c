/* Process lifetime: creation, threads joining and leaving, the end. */
#include "obj/process.h"
#include "obj/kernel_types.h"
#include "sched/thread.h"
#include "mm/uvm.h"
#include "mm/heap.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"
#include "lib/assert.h"

static uint64_t processes_alive;
static uint32_t secret_state = 0x9e3779b9u;

/* Handles, memory, address space: everything the process holds. Runs once,
 * when no thread of the process can run any more. */
static void release_resources(struct process *p)
{
	cap_table_close_all(&p->handles);
	uvm_unmap_all(p);
	addrspace_destroy(&p->as);
}

static void process_destroy(struct cap_object *obj)
{
	struct process *p = (struct process *)obj;
	/* Running threads hold references: a dying process has none left. */
	assert(p->thread_count == 0);
	if (!p->ended)
		release_resources(p);   /* never started */
	kobject_count_destroyed(LO_TYPE_PROCESS);
	__atomic_fetch_sub(&processes_alive, 1, __ATOMIC_RELAXED);
	kfree(p);
}

static const struct cap_object_ops process_ops = {
	.destroy = process_destroy,
	.on_zero_handles = NULL,
};

uint64_t process_live_count(void)
{
	return __atomic_load_n(&processes_alive, __ATOMIC_RELAXED);
}

/* Handle values should not be guessable across processes: mix the TSC into
 * a per-boot sequence (xorshift) for each table's secret. */
static uint32_t next_secret(void)
{
	uint32_t x = secret_state ^ (uint32_t)rdtsc();
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	secret_state = x;
	return x | 1;
}

status_t process_create(const char *name, struct process **out)
{
	struct process *p = kmalloc(sizeof(*p));
	if (!p)
		return LO_ERR_NO_MEMORY;
	status_t st = addrspace_create(&p->as);
	if (st != LO_OK) {
		kfree(p);
		return st;
	}
	st = cap_table_init(&p->handles, CAP_TABLE_DEFAULT_QUOTA, next_secret());
	if (st != LO_OK) {
		addrspace_destroy(&p->as);
		kfree(p);
		return st;
	}
	kobject_init(&p->obj, LO_TYPE_PROCESS, &process_ops);
	__atomic_fetch_add(&processes_alive, 1, __ATOMIC_RELAXED);
	list_init(&p->threads);
	list_init(&p->mappings);
	strlcpy(p->name, name, sizeof(p->name));
	*out = p;
	return LO_OK;
}

struct process *process_current(void)
{
	return thread_current()->process;
}

status_t process_add_thread(struct process *p, struct thread *t)
{
	status_t st = LO_OK;
	spin_lock(&p->obj.lock);
	if (p->ended)
		st = LO_ERR_BAD_STATE;
	else {
		list_push_back(&p->threads, &t->process_node);
		p->thread_count++;
	}
	spin_unlock(&p->obj.lock);
	return st;
}

static void process_release(struct process *p)
{
	cap_ref(&p->obj.cap);   /* closing handles may drop the last outside reference */
	release_resources(p);
	kobject_signal(&p->obj, 0, LO_SIG_PROCESS_TERMINATED);
	cap_unref(&p->obj.cap);
}

void process_thread_exited(struct process *p, struct thread *t)
{
	spin_lock(&p->obj.lock);
	list_remove(&t->process_node);
	bool last = --p->thread_count == 0;
	if (last && !p->ended) {
		p->ended = true;
		p->exit_reason = EXIT_NORMAL;
		p->exit_code = t->exit_code;
	}
	spin_unlock(&p->obj.lock);
	if (last)
		process_release(p);
}

void process_kill(struct process *p, enum exit_reason reason, int64_t code)
{
	spin_lock(&p->obj.lock);
	if (p->ended) {
		spin_unlock(&p->obj.lock);
		return;
	}
	p->ended = true;
	p->exit_reason = reason;
	p->exit_code = code;
	bool no_threads = p->thread_count == 0;
	for (struct list *n = p->threads.next; n != &p->threads; n = n->next) {
		struct thread *t = container_of(n, struct thread, process_node);
		if (t != thread_current())
			thread_kill(t);
	}
	spin_unlock(&p->obj.lock);
	/* With threads, the last one to exit releases everything. */
	if (no_threads)
		process_release(p);
	else if (process_current() == p)
		thread_current()->killed = true;
}
