/* User threads' x87/SSE/AVX state: see fpu.h. */
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/cpu.h"
#include "mm/heap.h"
#include "lib/assert.h"

#define CR0_MP (1ul << 1)    /* wait/fwait honours TS */
#define CR0_EM (1ul << 2)    /* x87 emulation: must be off */
#define CR0_TS (1ul << 3)    /* task switched: we switch eagerly, keep off */
#define CR0_NE (1ul << 5)    /* x87 errors as #MF, not the legacy IRQ 13 */
#define CR4_OSFXSR     (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define CR4_OSXSAVE    (1ul << 18)

#define XCR0_X87 (1ul << 0)
#define XCR0_SSE (1ul << 1)
#define XCR0_AVX (1ul << 2)

#define FXSAVE_SIZE  512
#define XSAVE_ALIGN  64      /* xsave needs 64, fxsave 16: use 64 for both */
#define FXSAVE_MXCSR 24      /* offset of MXCSR in the legacy region */

uint32_t fpu_area_size = FXSAVE_SIZE;
bool fpu_uses_xsave;
uint64_t fpu_xcr0;

static void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_init(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	bool fxsr = (d >> 24) & 1, sse = (d >> 25) & 1, xsave = (c >> 26) & 1;
	if (!fxsr || !sse)
		panic("CPU without fxsave/SSE: not supported");

	uint64_t cr0 = read_cr0();
	cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);

	if (xsave) {
		/* Only what we know: x87, SSE and AVX (not AVX-512, MPX, ...);
		 * a user instruction needing more faults with #UD. */
		cpuid(0xd, 0, &a, &b, &c, &d);
		fpu_xcr0 = a & (XCR0_X87 | XCR0_SSE | XCR0_AVX);
		xsetbv(0, fpu_xcr0);
		/* EBX: the size for the features now enabled in XCR0. */
		cpuid(0xd, 0, &a, &b, &c, &d);
		fpu_area_size = b;
		fpu_uses_xsave = true;
	}
	assert(fpu_area_size >= FXSAVE_SIZE);
	/* The CPU's own state is left clean for whoever runs first. */
	uint32_t mxcsr = FPU_DEFAULT_MXCSR;
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
}

bool fpu_state_alloc(struct fpu_state *s)
{
	s->raw = kmalloc(fpu_area_size + XSAVE_ALIGN);
	if (!s->raw)
		return false;
	s->area = (uint8_t *)(((uintptr_t)s->raw + XSAVE_ALIGN - 1) & ~(uintptr_t)(XSAVE_ALIGN - 1));
	/* kmalloc zeroes: vector registers 0, abridged tag word 0 (all x87
	 * registers empty), and in the xsave header XSTATE_BV 0, which makes
	 * xrstor load every component's initial state. */
	*(uint16_t *)s->area = FPU_DEFAULT_FCW;
	*(uint32_t *)(s->area + FXSAVE_MXCSR) = FPU_DEFAULT_MXCSR;
	return true;
}

void fpu_state_free(struct fpu_state *s)
{
	kfree(s->raw);
	s->raw = NULL;
	s->area = NULL;
}

void fpu_save(struct fpu_state *s)
{
	if (fpu_uses_xsave)
		__asm__ volatile("xsave64 (%0)" : : "r"(s->area), "a"((uint32_t)fpu_xcr0),
				 "d"((uint32_t)(fpu_xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(s->area) : "memory");
}

void fpu_restore(const struct fpu_state *s)
{
	if (fpu_uses_xsave)
		__asm__ volatile("xrstor64 (%0)" : : "r"(s->area), "a"((uint32_t)fpu_xcr0),
				 "d"((uint32_t)(fpu_xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(s->area) : "memory");
}
