/* x87/SSE register helpers shared by test_fpu.c and the child's fpu modes.
 * User code is built with -mgeneral-regs-only, so the compiler never
 * touches these registers: what the asm puts there stays until the asm
 * changes it, unless the kernel lets another thread's state in. */
#ifndef TESTS_FPU_STATE_H
#define TESTS_FPU_STATE_H

#include <stdint.h>

/* An fxsave image: FCW at 0, FSW at 2, abridged tag word at 4, MXCSR at
 * 24, ST0-7 at 32 (16 bytes each), XMM0-15 at 160 (16 bytes each). */
struct fx_image {
	uint8_t b[512];
} __attribute__((aligned(64)));

#define FX_ST   32
#define FX_XMM  160
#define FX_END  416

static inline void fx_save(struct fx_image *f)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*f));
}

static inline uint16_t fx_u16(const struct fx_image *f, int off)
{
	return (uint16_t)(f->b[off] | f->b[off + 1] << 8);
}

static inline uint32_t fx_u32(const struct fx_image *f, int off)
{
	return fx_u16(f, off) | (uint32_t)fx_u16(f, off + 2) << 16;
}

/* 0 if the state is the clean initial one (fninit, MXCSR 0x1f80, XMM 0),
 * else a small number saying what differs. */
static inline int fx_check_clean(void)
{
	struct fx_image f = { { 0 } };
	fx_save(&f);
	if (fx_u16(&f, 0) != 0x037f)
		return 1;                  /* control word */
	if (fx_u16(&f, 2) != 0)
		return 2;                  /* status word (stack top) */
	if (f.b[4] != 0)
		return 3;                  /* some x87 register in use */
	if (fx_u32(&f, 24) != 0x1f80)
		return 4;                  /* MXCSR */
	for (int i = FX_XMM; i < FX_END; i++)
		if (f.b[i])
			return 5;          /* an XMM register not zero */
	return 0;
}

/* The parts of two images that are register contents: control, status
 * and tag words, MXCSR, the x87 registers in use (an empty one holds
 * nothing), XMM0-15. Not the x87 last-instruction pointers, which CPUs
 * save differently. */
static inline int fx_same(const struct fx_image *a, const struct fx_image *b)
{
	for (int i = 0; i < 5; i++)
		if (a->b[i] != b->b[i])
			return 0;
	for (int i = 24; i < 28; i++)
		if (a->b[i] != b->b[i])
			return 0;
	int top = (fx_u16(a, 2) >> 11) & 7;
	for (int st = 0; st < 8; st++) {
		if (!(a->b[4] >> ((top + st) & 7) & 1))
			continue;
		for (int i = FX_ST + 16 * st; i < FX_ST + 16 * st + 10; i++)
			if (a->b[i] != b->b[i])
				return 0;
	}
	for (int i = FX_XMM; i < FX_END; i++)
		if (a->b[i] != b->b[i])
			return 0;
	return 1;
}

static inline uint64_t fx_pattern(uint64_t seed, int i)
{
	return seed * 0x0101010101010101ull ^ ((uint64_t)i << 40) ^ (uint64_t)(i + 1);
}

/* Fill all eight x87 registers, XMM0-15, the x87 control word and MXCSR
 * with values that depend on seed (1..3: rounding modes differ too). */
static inline void fx_load(uint64_t seed)
{
	int64_t ints[8];
	uint64_t xmm[32];
	for (int i = 0; i < 8; i++)
		ints[i] = (int64_t)(seed * 1000 + i);
	for (int i = 0; i < 32; i++)
		xmm[i] = fx_pattern(seed, i);
	uint16_t fcw = (uint16_t)(0x037f | (seed & 3) << 10);
	uint32_t mxcsr = (uint32_t)(0x1f80 | (seed & 3) << 13);
	__asm__ volatile("fninit");
	for (int i = 0; i < 8; i++)
		__asm__ volatile("fildq %0" : : "m"(ints[i]));
	__asm__ volatile("fldcw %0" : : "m"(fcw));
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	__asm__ volatile(
		"movdqu 0(%0), %%xmm0\n movdqu 16(%0), %%xmm1\n"
		"movdqu 32(%0), %%xmm2\n movdqu 48(%0), %%xmm3\n"
		"movdqu 64(%0), %%xmm4\n movdqu 80(%0), %%xmm5\n"
		"movdqu 96(%0), %%xmm6\n movdqu 112(%0), %%xmm7\n"
		"movdqu 128(%0), %%xmm8\n movdqu 144(%0), %%xmm9\n"
		"movdqu 160(%0), %%xmm10\n movdqu 176(%0), %%xmm11\n"
		"movdqu 192(%0), %%xmm12\n movdqu 208(%0), %%xmm13\n"
		"movdqu 224(%0), %%xmm14\n movdqu 240(%0), %%xmm15\n"
		: : "r"(xmm) : "memory");
}

/* Check the values fx_load(seed) put in the registers, reading them back
 * with ordinary instructions (this pops the x87 stack). 0 if all match. */
static inline int fx_check_loaded(uint64_t seed)
{
	uint64_t xmm[32];
	__asm__ volatile(
		"movdqu %%xmm0, 0(%0)\n movdqu %%xmm1, 16(%0)\n"
		"movdqu %%xmm2, 32(%0)\n movdqu %%xmm3, 48(%0)\n"
		"movdqu %%xmm4, 64(%0)\n movdqu %%xmm5, 80(%0)\n"
		"movdqu %%xmm6, 96(%0)\n movdqu %%xmm7, 112(%0)\n"
		"movdqu %%xmm8, 128(%0)\n movdqu %%xmm9, 144(%0)\n"
		"movdqu %%xmm10, 160(%0)\n movdqu %%xmm11, 176(%0)\n"
		"movdqu %%xmm12, 192(%0)\n movdqu %%xmm13, 208(%0)\n"
		"movdqu %%xmm14, 224(%0)\n movdqu %%xmm15, 240(%0)\n"
		: : "r"(xmm) : "memory");
	for (int i = 0; i < 32; i++)
		if (xmm[i] != fx_pattern(seed, i))
			return 1;
	uint16_t fcw;
	uint32_t mxcsr;
	__asm__ volatile("fnstcw %0" : "=m"(fcw));
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	if (fcw != (uint16_t)(0x037f | (seed & 3) << 10) ||
	    mxcsr != (uint32_t)(0x1f80 | (seed & 3) << 13))
		return 2;
	for (int i = 7; i >= 0; i--) {
		int64_t v;
		__asm__ volatile("fistpq %0" : "=m"(v));
		if (v != (int64_t)(seed * 1000 + i))
			return 3;
	}
	return 0;
}

/* Back to the clean state (the suite runs on after these tests). */
static inline void fx_reset(void)
{
	uint32_t mxcsr = 0x1f80;
	uint64_t zero[32] = { 0 };
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
	__asm__ volatile(
		"movdqu 0(%0), %%xmm0\n movdqu 0(%0), %%xmm1\n movdqu 0(%0), %%xmm2\n"
		"movdqu 0(%0), %%xmm3\n movdqu 0(%0), %%xmm4\n movdqu 0(%0), %%xmm5\n"
		"movdqu 0(%0), %%xmm6\n movdqu 0(%0), %%xmm7\n movdqu 0(%0), %%xmm8\n"
		"movdqu 0(%0), %%xmm9\n movdqu 0(%0), %%xmm10\n movdqu 0(%0), %%xmm11\n"
		"movdqu 0(%0), %%xmm12\n movdqu 0(%0), %%xmm13\n movdqu 0(%0), %%xmm14\n"
		"movdqu 0(%0), %%xmm15\n" : : "r"(zero) : "memory");
}

#endif
