/* System-call entry: the MSRs, and the C side of syscall.asm. */
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "sched/thread.h"
#include "mm/layout.h"

extern void syscall_entry(void);
int64_t syscall_dispatch(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
			 uint64_t a3, uint64_t a4, uint64_t a5);

#define RFLAGS_TF (1ul << 8)
#define RFLAGS_IF (1ul << 9)
#define RFLAGS_DF (1ul << 10)
#define RFLAGS_AC (1ul << 18)

void syscall_init(void)
{
	/* syscall: CS = 0x08, SS = 0x10. sysret: CS = 0x10 + 16, SS = 0x10 + 8. */
	wrmsr(MSR_STAR, ((uint64_t)SEL_KERNEL_DATA << 48) | ((uint64_t)SEL_KERNEL_CODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Entry runs with interrupts off, string ops forward, no single-step,
	 * and AC clear (so SMAP stays in force even if user set AC). */
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC);
}

void syscall_handler(struct trap_frame *f)
{
	irq_enable();
	f->rax = (uint64_t)syscall_dispatch(f->rax, f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9);
	irq_disable();
	/* sysretq to a non-canonical rip faults in ring 0 after the swapgs
	 * (Intel), and iretq faults there too: a syscall in the last bytes of
	 * the user half would take the kernel down. Nothing may return to
	 * such a rip or rsp (the kernel never sets them, so only the syscall
	 * instruction's own rip + 2, or a user rsp, can be one): end the
	 * process with the general-protection fault it would have had. */
	if (f->rip >= USER_TOP || f->rsp >= USER_TOP)
		trap_user_fault(f, VEC_GP, 0);
	thread_return_to_user(f);
}
