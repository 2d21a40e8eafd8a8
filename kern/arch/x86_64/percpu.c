#include "arch/x86_64/percpu.h"
#include "arch/x86_64/cpu.h"
#include <stddef.h>

struct cpu cpus[MAX_CPUS];
int cpu_count = 1;

_Static_assert(offsetof(struct cpu, kernel_rsp) == PERCPU_KERNEL_RSP, "syscall.asm offset");
_Static_assert(offsetof(struct cpu, user_rsp) == PERCPU_USER_RSP, "syscall.asm offset");
_Static_assert(offsetof(struct cpu, current) == PERCPU_CURRENT, "this_cpu_current offset");
_Static_assert(offsetof(struct cpu, id) == PERCPU_ID, "this_cpu_id offset");

void percpu_init(int id)
{
	struct cpu *c = &cpus[id];
	c->self = c;
	c->id = id;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);   /* user's GS base, swapped in on return to user */
}
