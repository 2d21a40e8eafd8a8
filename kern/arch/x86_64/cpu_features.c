/* Turn on the protections the CPU offers: SMEP (the kernel never executes
 * user pages), SMAP (the kernel touches user pages only inside user-copy),
 * the syscall instruction, and the x87/SSE/AVX state (fpu.c). */
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"

struct cpu_features cpu_features;
extern uint8_t usercopy_stac_enabled;   /* usercopy.asm: stac/clac around copies */

void cpu_features_init(void)
{
	uint32_t a, b, c, d;
	cpuid(0, 0, &a, &b, &c, &d);
	uint32_t max_leaf = a;
	if (max_leaf >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		cpu_features.smep = (b >> 7) & 1;
		cpu_features.smap = (b >> 20) & 1;
	}
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	cpu_features.nx = (d >> 20) & 1;
	cpuid(0x80000007, 0, &a, &b, &c, &d);
	cpu_features.invariant_tsc = (d >> 8) & 1;

	uint64_t cr4 = read_cr4();
	if (cpu_features.smep)
		cr4 |= CR4_SMEP;
	if (cpu_features.smap)
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
	usercopy_stac_enabled = cpu_features.smap;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
	fpu_init();
	cpu_features.xsave = fpu_uses_xsave;
}
