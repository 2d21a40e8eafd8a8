/* Process lifetime: creation, threads joining and leaving, the end. */
#include "obj/process.h"
#include "obj/kernel_types.h"
#include "sched/thread.h"
#include "mm/uvm.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "arch/x86_64/multiboot.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/qemu.h"
#include "lib/printf.h"
#include "obj/log.h"
#include "lib/string.h"
#include "lib/assert.h"
#include "obj/job.h"
#include "obj/census.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

_Static_assert(LO_HANDLE_TABLE_MAX == CAP_TABLE_MAX_HANDLES, "the IDL's ceiling is the encoding's");

static uint32_t secret_state = 0x9e3779b9u;

/* Handles, memory, address space: everything the process holds. Runs once,
 * when no thread of the process can run any more. */
static void release_resources(struct process *p)
{
	exception_unbind(&p->exceptions, &p->obj.lock);
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
	job_remove_process(p);
	kobject_count_destroyed(LO_TYPE_PROCESS);
	kobject_uncharge(&p->obj);
	kfree(p);
}

static const struct cap_object_ops process_ops = {
	.destroy = process_destroy,
	.on_zero_handles = NULL,
};

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

status_t process_create_named(struct job *job, const char *name, struct process **out)
{
	status_t st = job_charge_objects(job, 1);
	if (st != LO_OK)
		return st;
	struct process *p = kmalloc(sizeof(*p));
	if (!p) {
		job_uncharge_objects(job, 1);
		return LO_ERR_NO_MEMORY;
	}
	list_init(&p->job_node);
	st = addrspace_create(&p->as, job);
	if (st != LO_OK) {
		job_uncharge_objects(job, 1);
		kfree(p);
		return st;
	}
	/* As many handles as the encoding allows: the job's handle quota is
	 * the limit that matters (charged by cap_table_charge). */
	st = cap_table_init(&p->handles, LO_HANDLE_TABLE_MAX, next_secret());
	if (st != LO_OK) {
		addrspace_destroy(&p->as);
		job_uncharge_objects(job, 1);
		kfree(p);
		return st;
	}
	kobject_init(&p->obj, LO_TYPE_PROCESS, &process_ops);
	kobject_charged(&p->obj, job);
	list_init(&p->threads);
	list_init(&p->mappings);
	strlcpy(p->name, name, sizeof(p->name));
	/* Join the job last, once the process is whole: from here a job kill
	 * on another CPU or a census can find it, lock it and read its state. */
	st = job_add_process(job, p);
	if (st != LO_OK) {
		cap_unref(&p->obj.cap);   /* destroy gives everything back */
		return st;
	}
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
	bool first = false;
	spin_lock(&p->obj.lock);
	if (p->ended)
		st = LO_ERR_BAD_STATE;
	else {
		list_push_back(&p->threads, &t->process_node);
		p->thread_count++;
		first = !p->started;
		p->started = true;
	}
	spin_unlock(&p->obj.lock);
	/* Before the thread can run: a census sees the start before anything
	 * the process does, and before its end. */
	if (first)
		census_process_started(p, t);
	return st;
}

static uint64_t init_process_id;

void process_set_init(struct process *p)
{
	init_process_id = p->obj.cap.id;
	p->identity.attested_by = LO_IDENTITY_KERNEL;
	strlcpy(p->identity.path, "(boot module)", sizeof(p->identity.path));
}

/* On a test or benchmark run the end of init is the end of the run: the
 * kernel leaves QEMU with init's verdict. The debug-exit port is the
 * kernel's alone (no resource can be carved over it). */
static void check_init_ended(struct process *p)
{
	if (p->obj.cap.id != init_process_id || !(cmdline_is_test_run() || cmdline_has("bench")))
		return;
	bool ok = p->exit_reason == LO_EXIT_NORMAL && p->exit_code == 0;
	/* Init waited (a while) for the logger to show everything; what it
	 * still has not shown (a logger or console driver that is stuck) goes
	 * straight to the UART, so a run never ends silently. */
	log_emergency();
	kprintf("init: ended (%s, code %ld): leaving QEMU\n", ok ? "ok" : "failure", p->exit_code);
	qemu_exit(ok ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
}

static void process_release(struct process *p)
{
	cap_ref(&p->obj.cap);   /* closing handles may drop the last outside reference */
	if (p->started)
		census_process_exited(p);   /* before TERMINATED: a waiter finds it posted */
	release_resources(p);
	job_remove_process(p);   /* an ended process no longer counts */
	/* Debug option (kernel command line "selfcheck"): check the page
	 * allocator and the heap every time a process has let everything go. */
	if (cmdline_has("selfcheck")) {
		pmm_check();
		heap_check();
	}
	kobject_signal(&p->obj, 0, LO_SIG_PROCESS_TERMINATED);
	check_init_ended(p);
	cap_unref(&p->obj.cap);
}

void process_thread_exited(struct process *p, struct thread *t)
{
	spin_lock(&p->obj.lock);
	list_remove(&t->process_node);
	bool last = --p->thread_count == 0;
	if (last && !p->ended) {
		p->ended = true;
		p->exit_reason = LO_EXIT_NORMAL;
		p->exit_code = t->exit_code;
	}
	spin_unlock(&p->obj.lock);
	if (last)
		process_release(p);
}

void process_terminate(struct process *p, uint32_t reason, int64_t code)
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
			thread_request_kill(t);
	}
	spin_unlock(&p->obj.lock);
	/* With threads, the last one to exit releases everything. */
	if (no_threads)
		process_release(p);
	else if (process_current() == p)
		thread_current()->killed = true;
}

/* --- System calls (idl/process.idl) --- */

status_t process_create(struct job *job, const void *name, uint32_t name_len,
			struct process **process)
{
	char buf[LO_PROCESS_NAME_MAX];
	bytes_to_str(buf, sizeof(buf), name, name_len);
	return process_create_named(job, buf, process);
}

static unsigned map_flags(uint32_t flags)
{
	return (flags & LO_MAP_WRITE ? VM_WRITE : 0) | (flags & LO_MAP_EXEC ? VM_EXEC : 0);
}

/* The most a mapping may ever allow, from the rights of the VMO handle. */
static unsigned max_map_flags(rights_t vmo_rights)
{
	return (vmo_rights & LO_RIGHT_WRITE ? VM_WRITE : 0) |
	       (vmo_rights & LO_RIGHT_EXECUTE ? VM_EXEC : 0);
}

status_t process_map(struct process *process, struct vmo *vmo, cap_handle_t vmo_handle,
		       rights_t vmo_rights, const struct lo_map_request *request, uint64_t *addr)
{
	(void)vmo_handle;
	if (request->flags & ~(LO_MAP_WRITE | LO_MAP_EXEC))
		return LO_ERR_INVALID_ARGS;
	if ((request->flags & LO_MAP_WRITE) && (request->flags & LO_MAP_EXEC))
		return LO_ERR_INVALID_ARGS;   /* W^X in user space too */
	unsigned flags = map_flags(request->flags);
	unsigned max = max_map_flags(vmo_rights);
	if (flags & ~max)
		return LO_ERR_ACCESS_DENIED;
	uint64_t va = request->addr;
	status_t st = uvm_map(process, vmo, request->vmo_offset, request->len, flags, max, &va);
	if (st == LO_OK)
		*addr = va;
	return st;
}

status_t process_unmap(struct process *process, uint64_t addr, uint64_t len)
{
	return uvm_unmap(process, addr, len);
}

status_t process_protect(struct process *process, uint64_t addr, uint64_t len, uint32_t flags)
{
	if (flags & ~(LO_MAP_WRITE | LO_MAP_EXEC))
		return LO_ERR_INVALID_ARGS;
	if ((flags & LO_MAP_WRITE) && (flags & LO_MAP_EXEC))
		return LO_ERR_INVALID_ARGS;
	return uvm_protect(process, addr, len, map_flags(flags));
}

status_t process_start(struct process *process, struct thread *thread, uint64_t entry,
			 uint64_t stack, struct cap_taken *arg, uint32_t nargs)
{
	status_t st = LO_OK;
	cap_handle_t value = 0;
	spin_lock(&process->obj.lock);
	bool fresh = !process->ended && process->thread_count == 0;
	spin_unlock(&process->obj.lock);
	if (!fresh || thread->started)
		st = LO_ERR_BAD_STATE;
	else if (thread->process != process)
		st = LO_ERR_INVALID_ARGS;
	if (st == LO_OK && nargs == 1) {
		st = cap_install_taken(&process->handles, &arg[0], &value);
		if (st != LO_OK)
			cap_drop_taken(&arg[0]);
	} else if (nargs == 1) {
		cap_drop_taken(&arg[0]);   /* moved handles are ours either way */
	}
	if (st != LO_OK)
		return st;
	st = thread_start_user(thread, entry, stack, value, 1);   /* rsi = 1: rdi holds a handle (docs/libos.md) */
	if (st != LO_OK && value)
		cap_close(&process->handles, value);
	return st;
}

status_t process_kill(struct process *process)
{
	process_terminate(process, LO_EXIT_KILLED, -1);
	return LO_OK;
}

status_t process_info(struct process *process, struct lo_process_info *info)
{
	spin_lock(&process->obj.lock);
	info->state = process->ended ? LO_PROCESS_ENDED : LO_PROCESS_RUNNING;
	info->exit_reason = process->exit_reason;
	info->exit_code = process->exit_code;
	info->fault_vector = process->fault_vector;
	info->fault_address = process->fault_address;
	info->fault_rip = process->fault_rip;
	info->thread_count = process->thread_count;
	memcpy(info->name, process->name, sizeof(info->name));
	spin_unlock(&process->obj.lock);
	info->handle_count = process->handles.count;
	return LO_OK;
}

status_t process_list_handles(struct process *process, struct lo_handle_entry *entries,
				uint32_t max, uint32_t start, uint32_t *actual, uint32_t *next)
{
	uint32_t cursor = start, n = 0;
	while (n < max) {
		struct cap_handle_info info;
		if (cap_table_list(&process->handles, &cursor, &info, 1) == 0)
			break;
		entries[n].object_id = info.object_id;
		entries[n].handle = info.handle;
		entries[n].type = info.type;
		entries[n].rights = info.rights;
		entries[n].refcount = info.refcount;
		entries[n].handle_count = info.handle_count;
		entries[n].flags = (info.flags & CAP_INFO_REVOCABLE ? LO_HANDLE_REVOCABLE : 0) |
				   (info.flags & CAP_INFO_REVOKED ? LO_HANDLE_REVOKED : 0);
		n++;
	}
	*actual = n;
	*next = n == max ? cursor : 0;
	return LO_OK;
}

status_t process_exception_channel(struct process *process, cap_handle_t process_handle,
				    rights_t process_rights, struct channel **channel)
{
	(void)process_handle;
	return exception_bind(&process->exceptions, &process->obj.lock, &process->ended,
			      process_rights, channel);
}

status_t process_exit(struct process *process, int64_t code)
{
	struct process *p = process_current();
	if (process != p)
		return LO_ERR_INVALID_ARGS;   /* only a process's own handle ends it this way */
	/* This call does not return to the dispatch: drop its reference here
	 * (the running thread keeps the process alive). */
	cap_unref(&process->obj.cap);
	process_terminate(p, LO_EXIT_NORMAL, code);
	thread_exit_current(code);
}

/* --- Identity (idl/process.idl): what a process runs, attested once --- */

status_t process_set_identity(struct process *process, const struct lo_identity_claim *claim)
{
	if (strnlen(claim->path, sizeof(claim->path)) == sizeof(claim->path))
		return LO_ERR_INVALID_ARGS;
	/* The attester is whoever makes this call: the kernel says so, not
	 * the caller. Its own path is copied now, as it stands. */
	struct process *self = process_current();
	struct lo_process_identity id;
	memset(&id, 0, sizeof(id));
	id.attested_by = LO_IDENTITY_PROCESS;
	id.attester = self->obj.cap.id;
	memcpy(id.sha256, claim->sha256, sizeof(id.sha256));
	strlcpy(id.path, claim->path, sizeof(id.path));
	spin_lock(&self->obj.lock);
	strlcpy(id.attester_path, self->identity.path[0] ? self->identity.path : self->name,
		sizeof(id.attester_path));
	spin_unlock(&self->obj.lock);
	status_t st = LO_OK;
	spin_lock(&process->obj.lock);
	/* Once, and before it runs: a running program's identity is fixed. */
	if (process->identity.attested_by != LO_IDENTITY_NONE || process->ended ||
	    process->thread_count != 0)
		st = LO_ERR_BAD_STATE;
	else
		process->identity = id;
	spin_unlock(&process->obj.lock);
	return st;
}

status_t process_identity(struct process *process, struct lo_process_identity *identity)
{
	spin_lock(&process->obj.lock);
	*identity = process->identity;
	spin_unlock(&process->obj.lock);
	return LO_OK;
}
