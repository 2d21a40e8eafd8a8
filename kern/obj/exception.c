/* User-level exception handling: bindings, the chain, the exception object
 * and its answers (idl/exception.idl, docs/exceptions.md). */
#include "obj/exception.h"
#include "obj/channel.h"
#include "obj/process.h"
#include "obj/job.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "lib/string.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

/* Kernel-internal signal of an exception: answered or abandoned. The
 * stopped thread waits for it; no handle can (the type has no WAIT). */
#define EXCEPTION_DONE (1u << 0)

/* rflags bits a handler may set: CF PF AF ZF SF DF OF. IF is always on. */
#define RFLAGS_USER_SETTABLE 0x0cd5ul
#define RFLAGS_FIXED         0x0202ul   /* IF, and bit 1 (always 1) */

enum exception_state {
	EXC_PENDING,      /* the thread waits for an answer */
	EXC_RESUME,       /* answered: go on */
	EXC_KILL,         /* answered: end the process as a fault */
	EXC_UNANSWERED,   /* every handle closed without an answer: next handler */
	EXC_OVER,         /* the thread has moved on: answers are too late */
};

struct exception {
	struct kobject obj;          /* obj.lock guards the fields below */
	enum exception_state state;
	bool regs_set;
	struct lo_exception_regs regs;
};

/* --- Bindings --- */

status_t exception_bind(struct exception_binding *b, struct spinlock *lock, const bool *ended,
			rights_t rights, struct channel **handler_end)
{
	struct channel *kernel_end, *mine;
	status_t st = channel_alloc(&kernel_end, &mine);
	if (st != LO_OK)
		return st;
	struct channel *old = NULL;
	spin_lock(lock);
	struct channel *cur = b->kernel_end;
	if (*ended) {
		st = LO_ERR_BAD_STATE;
	} else if (cur && !(__atomic_load_n(&cur->obj.cap.signals, __ATOMIC_ACQUIRE) &
			    LO_SIG_CHANNEL_PEER_CLOSED)) {
		st = LO_ERR_ALREADY_EXISTS;   /* one handler at a time */
	} else {
		old = cur;   /* its handler's end is gone */
		b->kernel_end = kernel_end;
		b->rights = rights;
		kernel_end = NULL;
	}
	spin_unlock(lock);
	if (old)
		cap_unref(&old->obj.cap);
	if (st != LO_OK) {
		cap_unref(&kernel_end->obj.cap);
		cap_unref(&mine->obj.cap);
		return st;
	}
	*handler_end = mine;
	return LO_OK;
}

void exception_unbind(struct exception_binding *b, struct spinlock *lock)
{
	spin_lock(lock);
	struct channel *old = b->kernel_end;
	b->kernel_end = NULL;
	spin_unlock(lock);
	if (old)
		cap_unref(&old->obj.cap);   /* the handler's end sees PEER_CLOSED */
}

/* A snapshot of a binding with its own reference to the kernel end. */
static void binding_get(struct exception_binding *b, struct spinlock *lock,
			struct exception_binding *out)
{
	spin_lock(lock);
	*out = *b;
	if (out->kernel_end)
		cap_ref(&out->kernel_end->obj.cap);
	spin_unlock(lock);
}

/* --- The chain --- */

/* The handler at `level` of p's chain: 0 is the process's own binding;
 * 1, 2, ... are its job's and each parent job's, nearest first (level n
 * walks n - 1 parents up from p's job). False past the root job;
 * out->kernel_end NULL when nothing is bound at this level. A job's parent
 * link is fixed for its life, and p holds a reference to its job, which
 * holds one to its parent: the walk needs no lock. */
static bool chain_handler(struct process *p, unsigned level, struct exception_binding *out)
{
	if (level == 0) {
		binding_get(&p->exceptions, &p->obj.lock, out);
		return true;
	}
	struct job *j = p->obj.job;
	for (unsigned up = 1; j && up < level; up++)
		j = j->obj.job;
	if (!j)
		return false;
	binding_get(&j->exceptions, &j->obj.lock, out);
	return true;
}

/* --- The exception object --- */

static void exception_destroy(struct cap_object *obj)
{
	kobject_count_destroyed(LO_TYPE_EXCEPTION);
	kfree(obj);
}

/* Every handle closed: without an answer, the next handler takes over. */
static void exception_on_zero_handles(struct cap_object *obj)
{
	struct exception *e = (struct exception *)obj;
	spin_lock(&e->obj.lock);
	if (e->state == EXC_PENDING) {
		e->state = EXC_UNANSWERED;
		kobject_signal_locked(&e->obj, 0, EXCEPTION_DONE);
	}
	spin_unlock(&e->obj.lock);
}

static const struct cap_object_ops exception_ops = {
	.destroy = exception_destroy,
	.on_zero_handles = exception_on_zero_handles,
};

static void frame_to_regs(const struct trap_frame *f, struct lo_exception_regs *r)
{
	r->rax = f->rax; r->rbx = f->rbx; r->rcx = f->rcx; r->rdx = f->rdx;
	r->rsi = f->rsi; r->rdi = f->rdi; r->rbp = f->rbp; r->rsp = f->rsp;
	r->r8 = f->r8; r->r9 = f->r9; r->r10 = f->r10; r->r11 = f->r11;
	r->r12 = f->r12; r->r13 = f->r13; r->r14 = f->r14; r->r15 = f->r15;
	r->rip = f->rip;
	r->rflags = f->rflags;
}

/* Checked by set_regs already: rip and rsp are user addresses, rflags
 * holds only what a handler may set. cs and ss are never the handler's. */
static void regs_to_frame(const struct lo_exception_regs *r, struct trap_frame *f)
{
	f->rax = r->rax; f->rbx = r->rbx; f->rcx = r->rcx; f->rdx = r->rdx;
	f->rsi = r->rsi; f->rdi = r->rdi; f->rbp = r->rbp; f->rsp = r->rsp;
	f->r8 = r->r8; f->r9 = r->r9; f->r10 = r->r10; f->r11 = r->r11;
	f->r12 = r->r12; f->r13 = r->r13; f->r14 = r->r14; f->r15 = r->r15;
	f->rip = r->rip;
	f->rflags = r->rflags;
}

static struct exception *exception_create(const struct trap_frame *f)
{
	struct exception *e = kmalloc(sizeof(*e));
	if (!e)
		return NULL;
	kobject_init(&e->obj, LO_TYPE_EXCEPTION, &exception_ops);
	e->state = EXC_PENDING;
	frame_to_regs(f, &e->regs);
	return e;
}

/* A new handle for a message, as if taken from a table. */
static void take_new(struct cap_taken *h, struct cap_object *obj, rights_t rights)
{
	cap_ref(obj);
	cap_handle_opened(obj);
	h->obj = obj;
	h->rights = rights;
	h->from = 0;
	h->node = NULL;
}

/* Send the fault to one handler and wait for its answer. The thread and
 * process handles carry at most the rights of the handle that bound the
 * channel. Returns the answer; EXC_PENDING if the wait ended because the
 * thread was killed. */
static enum exception_state offer(const struct exception_binding *b, struct trap_frame *f,
				  uint64_t vector, uint64_t addr)
{
	struct thread *t = thread_current();
	struct process *p = t->process;
	struct exception *e = exception_create(f);
	if (!e)
		return EXC_UNANSWERED;
	struct lo_exception_report report = {
		.vector = (uint32_t)vector,
		.error = f->error & ~TRAP_ERROR_USER_GS,
		.address = addr,
		.process_id = p->obj.cap.id,
		.thread_id = t->obj.cap.id,
		.regs = e->regs,
	};
	struct cap_taken h[3];
	take_new(&h[0], &e->obj.cap, LO_DEFAULT_RIGHTS_EXCEPTION);
	take_new(&h[1], &t->obj.cap, b->rights & LO_DEFAULT_RIGHTS_THREAD);
	take_new(&h[2], &p->obj.cap, b->rights & LO_DEFAULT_RIGHTS_PROCESS);
	/* A failed write (handler's end gone, queue full) closes the handles:
	 * the exception is then unanswered at once. */
	channel_send(b->kernel_end, &report, sizeof(report), h, 3, NULL);   /* the kernel's: uncharged */

	struct wait_item item = { &e->obj, EXCEPTION_DONE, 0, NULL, 0 };
	wait_signals(&item, 1, DEADLINE_INFINITE);
	spin_lock(&e->obj.lock);
	enum exception_state answer = e->state;
	if (answer == EXC_RESUME && e->regs_set)
		regs_to_frame(&e->regs, f);
	e->state = EXC_OVER;
	spin_unlock(&e->obj.lock);
	cap_unref(&e->obj.cap);
	return answer;
}

/* Vectors a handler sees: the faults of the user code itself. An NMI or a
 * machine check says nothing about it, and a double fault never comes from
 * user mode. */
static bool offered(uint64_t vector)
{
	return vector != VEC_NMI && vector != VEC_DOUBLE_FAULT && vector != 18;
}

bool exception_raise(struct trap_frame *f, uint64_t vector, uint64_t addr)
{
	struct thread *t = thread_current();
	if (!offered(vector))
		return false;
	bool back = false;
	irq_enable();   /* the thread may wait here for a long time */
	for (unsigned level = 0;; level++) {
		struct exception_binding b;
		if (!chain_handler(t->process, level, &b))
			break;
		if (!b.kernel_end)
			continue;
		enum exception_state answer = offer(&b, f, vector, addr);
		cap_unref(&b.kernel_end->obj.cap);
		if (__atomic_load_n(&t->killed, __ATOMIC_ACQUIRE)) {
			back = true;   /* dies on its way out, like any killed thread */
			break;
		}
		if (answer == EXC_RESUME) {
			back = true;
			break;
		}
		if (answer == EXC_KILL)
			break;
	}
	irq_disable();
	return back;
}

/* --- System calls (idl/exception.idl) --- */

static status_t answer(struct exception *e, enum exception_state state)
{
	status_t st = LO_OK;
	spin_lock(&e->obj.lock);
	if (e->state != EXC_PENDING) {
		st = LO_ERR_BAD_STATE;
	} else {
		e->state = state;
		kobject_signal_locked(&e->obj, 0, EXCEPTION_DONE);
	}
	spin_unlock(&e->obj.lock);
	return st;
}

status_t exception_set_regs(struct exception *exception, const struct lo_exception_regs *regs)
{
	/* The way back to user mode must never fault in ring 0
	 * (docs/kernel.md, "Entering and leaving user mode"). */
	if (regs->rip >= USER_TOP || regs->rsp >= USER_TOP)
		return LO_ERR_INVALID_ARGS;
	status_t st = LO_OK;
	spin_lock(&exception->obj.lock);
	if (exception->state != EXC_PENDING) {
		st = LO_ERR_BAD_STATE;
	} else {
		exception->regs = *regs;
		exception->regs.rflags = (regs->rflags & RFLAGS_USER_SETTABLE) | RFLAGS_FIXED;
		exception->regs_set = true;
	}
	spin_unlock(&exception->obj.lock);
	return st;
}

status_t exception_resume(struct exception *exception)
{
	return answer(exception, EXC_RESUME);
}

status_t exception_kill(struct exception *exception)
{
	return answer(exception, EXC_KILL);
}
