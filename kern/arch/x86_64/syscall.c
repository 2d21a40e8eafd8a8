/* System-call entry: the MSRs, and the C side of syscall.asm. */
#include <stddef.h>
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"
#include "sched/thread.h"
#include "mm/layout.h"
#include "status.h"

extern void syscall_entry(void);

#define RFLAGS_TF (1ul << 8)
#define RFLAGS_IF (1ul << 9)
#define RFLAGS_DF (1ul << 10)
#define RFLAGS_AC (1ul << 18)

/* syscall.asm reads these at fixed offsets, and knows the status. */
_Static_assert(offsetof(struct cpu, kernel_rsp) == 8, "syscall.asm PERCPU_KERNEL_RSP");
_Static_assert(offsetof(struct cpu, user_rsp) == 16, "syscall.asm PERCPU_USER_RSP");
_Static_assert(offsetof(struct cpu, current) == 24, "syscall.asm PERCPU_CURRENT");
_Static_assert(offsetof(struct cpu, need_resched) == 56, "syscall.asm PERCPU_NEED_RESCHED");
_Static_assert(offsetof(struct thread, killed) == 168, "syscall.asm THREAD_KILLED");
_Static_assert(sizeof(((struct thread *)0)->killed) == 1, "syscall.asm tests a byte");
_Static_assert(LO_ERR_BAD_SYSCALL == -5, "syscall.asm LO_ERR_BAD_SYSCALL");
_Static_assert(USER_TOP == 1ul << 47, "syscall.asm checks rip and rsp with a shift by 47");

void syscall_init(void)
{
	/* syscall: CS = 0x08, SS = 0x10. sysret: CS = 0x10 + 16, SS = 0x10 + 8. */
	wrmsr(MSR_STAR, ((uint64_t)SEL_KERNEL_DATA << 48) | ((uint64_t)SEL_KERNEL_CODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Entry runs with interrupts off, string ops forward, no single-step,
	 * and AC clear (so SMAP stays in force even if user set AC). */
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC);
}

/* The exit when the fast one cannot be taken: the thread was killed, this
 * CPU must reschedule, or the rip or rsp to return to is not a user
 * address. Interrupts are off, and stay off on return. */
void syscall_slow_exit(struct trap_frame *f)
{
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
