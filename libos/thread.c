#include "lightos/thread.h"
#include "lightos/runtime.h"
#include "lightos/startup.h"

struct start {
	void (*fn)(void *);
	void *arg;
	lo_thread_t self;    /* the thread's own handle, no rights: thread_exit names it */
};

/* Stacks of threads not yet joined, by thread handle, with each thread's
 * handle to itself. */
static struct {
	uint32_t thread;
	uint32_t self;
	uint64_t stack;
} stacks[LO_THREAD_MAX];

/* Told of each stack a join frees, before it can be reused: a lock that
 * names its holder by stack pointer lets go of one its dead holder kept
 * (registry_client.c; weak: a program without it has nothing to do). */
void lo_thread_stack_gone(uint64_t stack, uint64_t size) __attribute__((weak));

__attribute__((noreturn)) static void thread_entry(uint64_t start_ptr, uint64_t unused)
{
	(void)unused;
	struct start s = *(struct start *)(uintptr_t)start_ptr;
	lo_free((void *)(uintptr_t)start_ptr);
	s.fn(s.arg);
	for (;;)
		lo_thread_exit(s.self);
}

status_t lo_thread_run(void (*fn)(void *), void *arg, const char *name, lo_thread_t *out)
{
	struct start *s = lo_malloc(sizeof(*s));
	if (!s)
		return LO_ERR_NO_MEMORY;
	s->fn = fn;
	s->arg = arg;
	lo_vmo_t stack;
	status_t st = lo_vmo_create(lo_job_self(), LO_THREAD_STACK, &stack);
	uint64_t addr = 0;
	if (st == LO_OK) {
		struct lo_map_request req = { 0, 0, LO_THREAD_STACK, LO_MAP_WRITE, 0 };
		st = lo_process_map(lo_self, stack, &req, &addr);
		lo_handle_close(lo_vmo_handle(stack));
	}
	int slot = 0;
	while (slot < LO_THREAD_MAX && stacks[slot].thread)
		slot++;
	if (st == LO_OK && slot == LO_THREAD_MAX)
		st = LO_ERR_NO_RESOURCES;
	lo_thread_t t = { 0 };
	if (st == LO_OK)
		st = lo_thread_create(lo_self, name, (uint32_t)lo_strlen(name), &t);
	uint32_t self = 0;
	if (st == LO_OK)
		st = lo_handle_duplicate(lo_thread_handle(t), 0, &self);
	s->self = (lo_thread_t){ self };
	if (st == LO_OK)
		st = lo_thread_start(t, (uint64_t)(uintptr_t)thread_entry, addr + LO_THREAD_STACK,
				     (uint64_t)(uintptr_t)s, 0);
	if (st != LO_OK) {
		if (self)
			lo_handle_close((lo_handle_t){ self });
		if (t.value)
			lo_handle_close(lo_thread_handle(t));
		if (addr)
			lo_process_unmap(lo_self, addr, LO_THREAD_STACK);
		lo_free(s);
		return st;
	}
	stacks[slot].thread = t.value;
	stacks[slot].self = self;
	stacks[slot].stack = addr;
	*out = t;
	return LO_OK;
}

status_t lo_thread_join(lo_thread_t thread, uint64_t deadline)
{
	uint32_t observed;
	status_t st = lo_handle_wait_one(lo_thread_handle(thread), LO_SIG_THREAD_TERMINATED,
					 deadline, &observed);
	if (st != LO_OK)
		return st;
	for (int i = 0; i < LO_THREAD_MAX; i++) {
		if (stacks[i].thread == thread.value) {
			/* The slot goes first: until the unmap no new stack can be
			 * at this address, so lo_thread_stack_dead never takes a
			 * new thread's stack for this dead one's. */
			uint64_t stack = stacks[i].stack;
			uint32_t self = stacks[i].self;
			stacks[i].thread = 0;
			if (lo_thread_stack_gone)
				lo_thread_stack_gone(stack, LO_THREAD_STACK);
			lo_process_unmap(lo_self, stack, LO_THREAD_STACK);
			/* A thread that returned closed this in thread_exit (the value
			 * is then stale, and refused); a killed one never called it. */
			lo_handle_close((lo_handle_t){ self });
		}
	}
	return lo_handle_close(lo_thread_handle(thread));
}

int lo_thread_stack_dead(uint64_t sp)
{
	for (int i = 0; i < LO_THREAD_MAX; i++) {
		if (stacks[i].thread && sp - stacks[i].stack < LO_THREAD_STACK) {
			struct lo_thread_info info;
			lo_thread_t t = { stacks[i].thread };
			return lo_thread_info(t, &info) == LO_OK && info.state == LO_THREAD_DEAD;
		}
	}
	return 0;   /* the main thread's, or not ours to judge: alive */
}
