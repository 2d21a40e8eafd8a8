#include "arch/x86_64/percpu.h"
#include "arch/x86_64/cpu.h"
#include <stddef.h>

static struct cpu boot_cpu;

_Static_assert(offsetof(struct cpu, kernel_rsp) == PERCPU_KERNEL_RSP, "syscall.asm offset");
_Static_assert(offsetof(struct cpu, user_rsp) == PERCPU_USER_RSP, "syscall.asm offset");

void percpu_init(void)
{
	boot_cpu.self = &boot_cpu;
	boot_cpu.id = 0;
	wrmsr(MSR_GS_BASE, (uint64_t)&boot_cpu);
	wrmsr(MSR_KERNEL_GS_BASE, 0);   /* user's GS base, swapped in on return to user */
}
