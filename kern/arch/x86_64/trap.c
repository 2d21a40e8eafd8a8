/* The IDT, the common trap handler, and exception reports. */
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/apic.h"
#include "sched/clock.h"
#include "mm/tlb.h"
#include "sched/thread.h"
#include "obj/process.h"
#include "obj/exception.h"
#include "mm/uvm.h"
#include "lib/printf.h"
#include "obj/log.h"
#include "lib/assert.h"

struct idt_entry {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t flags;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

#define PF_ERR_WRITE       (1u << 1)
#define PF_ERR_RESERVED    (1u << 3)
#define PF_ERR_INSTRUCTION (1u << 4)

/* Faults on an already present page in a row, at one address, before the
 * access counts as denied. One retry after a TLB flush must succeed. */
#define PRESENT_FAULT_LIMIT 2

static struct idt_entry idt[256];
static irq_handler_t irq_handlers[16];
volatile uint64_t trap_last_recovered_vector = ~0ull;

extern const uint64_t isr_stub_table[256];
extern const struct extable_entry _extable_start[], _extable_end[];

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 floating point", "alignment check",
	"machine check", "SIMD floating point", "virtualization",
	"control protection", "reserved", "reserved", "reserved", "reserved",
	"reserved", "reserved", "hypervisor injection", "VMM communication",
	"security", "reserved",
};

static void set_gate(int vec, uint64_t handler, uint8_t ist, uint8_t dpl)
{
	idt[vec].offset_low = handler & 0xffff;
	idt[vec].selector = SEL_KERNEL_CODE;
	idt[vec].ist = ist;
	idt[vec].flags = 0x8e | (dpl << 5);   /* present, interrupt gate */
	idt[vec].offset_mid = (handler >> 16) & 0xffff;
	idt[vec].offset_high = handler >> 32;
	idt[vec].reserved = 0;
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, isr_stub_table[v], 0, 0);
	set_gate(VEC_DOUBLE_FAULT, isr_stub_table[VEC_DOUBLE_FAULT], IST_DOUBLE_FAULT, 0);
	set_gate(VEC_NMI, isr_stub_table[VEC_NMI], IST_NMI, 0);
	idt_load();
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(ptr));
}

void irq_register(unsigned irq, irq_handler_t handler)
{
	assert(irq < 16);
	irq_handlers[irq] = handler;
	irq_unmask(irq);
}

void irq_mask(unsigned irq)
{
	if (ioapic_active)
		ioapic_mask(irq);
	else
		pic_mask(irq);
}

void irq_unmask(unsigned irq)
{
	if (ioapic_active)
		ioapic_unmask(irq);
	else
		pic_unmask(irq);
}

void print_backtrace(uint64_t rip, uint64_t rbp)
{
	kprintf("backtrace (resolve with: addr2line -e build/kernel.elf ADDR):\n");
	int depth = 0;
	if (rip)
		kprintf("  #%d 0x%lx\n", depth++, rip);
	for (; depth < 16 && rbp; depth++) {
		/* Stop at anything that is not a plausible kernel stack address. */
		if (rbp < 0xffff800000000000ull || (rbp & 7))
			break;
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (!ret)
			break;
		kprintf("  #%d 0x%lx\n", depth, ret);
		rbp = frame[0];
	}
}

void trap_print_frame(const struct trap_frame *f)
{
	kprintf("  rip=%016lx cs=%04lx rflags=%016lx rsp=%016lx ss=%04lx\n",
		f->rip, f->cs, f->rflags, f->rsp, f->ss);
	kprintf("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n",
		f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("  rsi=%016lx rdi=%016lx rbp=%016lx r8 =%016lx\n",
		f->rsi, f->rdi, f->rbp, f->r8);
	kprintf("  r9 =%016lx r10=%016lx r11=%016lx r12=%016lx\n",
		f->r9, f->r10, f->r11, f->r12);
	kprintf("  r13=%016lx r14=%016lx r15=%016lx cr2=%016lx\n",
		f->r13, f->r14, f->r15, read_cr2());
}

static const struct extable_entry *extable_find(uint64_t rip)
{
	for (const struct extable_entry *e = _extable_start; e < _extable_end; e++) {
		if (e->fault_rip == rip)
			return e;
	}
	return NULL;
}

static bool recover_from_extable(struct trap_frame *f)
{
	const struct extable_entry *e = extable_find(f->rip);
	if (!e)
		return false;
	trap_last_recovered_vector = f->vector;
	f->rip = e->fixup_rip;
	return true;
}

/* A page fault on a user address, from user mode or from user-copy in the
 * kernel, may just be a page not yet faulted in. The kernel touches user
 * memory only in user-copy: any other kernel access (an SMAP violation, a
 * stray pointer) is never resolved, or it would fault again for ever. */
static bool resolve_user_page_fault(struct trap_frame *f)
{
	struct thread *t = thread_current();
	if (f->vector != VEC_PAGE_FAULT || !t || !t->process)
		return false;
	if ((f->error & PF_ERR_RESERVED) || ((f->cs & 3) != 3 && !extable_find(f->rip)))
		return false;
	uint64_t addr = read_cr2();
	bool write = f->error & PF_ERR_WRITE;
	bool exec = f->error & PF_ERR_INSTRUCTION;
	enum uvm_fault r = uvm_handle_fault(t->process, addr, write, exec);
	if (r != UVM_FAULT_PRESENT) {
		t->present_faults = 0;
		return r == UVM_FAULT_MAPPED;
	}
	/* Present and allowed: a stale TLB entry. Flush it and retry once;
	 * the same fault again means something else is wrong. */
	if (t->present_fault_addr != addr)
		t->present_faults = 0;
	t->present_fault_addr = addr;
	if (++t->present_faults > PRESENT_FAULT_LIMIT) {
		kprintf("thread %s: page fault at 0x%lx (error 0x%lx) on a present page repeats\n",
			t->name, addr, f->error);
		t->present_faults = 0;
		return false;
	}
	invlpg(addr);
	return true;
}

/* An exception in user mode that nothing resolves ends the process. */
void trap_user_fault(struct trap_frame *f, uint64_t vector, uint64_t addr)
{
	struct thread *t = thread_current();
	struct process *p = t->process;
	kprintf("process %s (%lu): %s at rip 0x%lx addr 0x%lx: killed\n", p->name,
		p->obj.cap.id, exception_names[vector], f->rip, addr);
	spin_lock(&p->obj.lock);
	if (!p->ended) {
		p->fault_vector = vector;
		p->fault_address = addr;
		p->fault_rip = f->rip;
	}
	spin_unlock(&p->obj.lock);
	process_terminate(p, LO_EXIT_FAULT, -1);
	irq_enable();
	thread_exit_current(-1);
}

static void handle_exception(struct trap_frame *f)
{
	if (resolve_user_page_fault(f))
		return;
	if ((f->cs & 3) == 3) {
		uint64_t addr = f->vector == VEC_PAGE_FAULT ? read_cr2() : 0;
		/* User-level handlers first (docs/exceptions.md), then the default. */
		if (exception_raise(f, f->vector, addr)) {
			thread_return_to_user(f);
			return;
		}
		trap_user_fault(f, f->vector, addr);
	}
	if (recover_from_extable(f))
		return;
	/* Fatal from here: the kernel takes the UART back (the log's unshown
	 * tail first), since the console driver may never run again. */
	log_emergency();
	kprintf("\nKERNEL EXCEPTION %lu (%s) error=0x%lx\n", f->vector,
		exception_names[f->vector], f->error & ~TRAP_ERROR_USER_GS);
	if (f->error & TRAP_ERROR_USER_GS)
		kprintf("  (with the user's GS base loaded: on the way out to user mode)\n");
	trap_print_frame(f);
	print_backtrace(f->rip, f->rbp);
	panic("unhandled exception %lu (%s) at rip 0x%lx", f->vector,
	      exception_names[f->vector], f->rip);
}

/* The end of an interrupt: a kill or a reschedule it asked for happens now. */
static void interrupt_exit(struct trap_frame *f)
{
	if ((f->cs & 3) == 3)
		thread_return_to_user(f);
	else
		sched_preempt_if_needed();
}

static void handle_irq(struct trap_frame *f)
{
	unsigned irq = f->vector - VEC_IRQ_BASE;
	if (ioapic_active) {
		/* Level-triggered: the handler masks the line before the EOI,
		 * or the still-raised line would come straight back. */
		if (irq_handlers[irq])
			irq_handlers[irq](f);
		else
			ioapic_mask(irq);
		lapic_eoi();
	} else {
		if (pic_is_spurious(irq))
			return;
		pic_eoi(irq);
		if (irq_handlers[irq])
			irq_handlers[irq](f);
	}
	interrupt_exit(f);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector < 32) {
		handle_exception(f);
		return;
	}
	if (f->vector >= VEC_IRQ_BASE && f->vector < VEC_IRQ_BASE + 16) {
		handle_irq(f);
		return;
	}
	switch (f->vector) {
	case VEC_LAPIC_TIMER:
		lapic_eoi();
		clock_tick();
		interrupt_exit(f);
		return;
	case VEC_IPI_RESCHED:
		/* The sender set need_resched (or killed a thread here). */
		lapic_eoi();
		interrupt_exit(f);
		return;
	case VEC_IPI_TLB:
		tlb_poll();
		lapic_eoi();
		return;
	case VEC_IPI_STOP:
		for (;;) {
			irq_disable();
			halt();
		}
	case VEC_SPURIOUS:
		return;
	default:
		kprintf("unexpected interrupt vector %lu\n", f->vector);
	}
}
