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

/* AVX: the upper halves of YMM0-15 (saved by xsave when the kernel
 * enables AVX in XCR0). Used only when the CPU and kernel allow it. */
static inline int avx_usable(void)
{
	uint32_t a, b, c, d, lo, hi;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!((c >> 27) & 1) || !((c >> 28) & 1))   /* OSXSAVE, AVX */
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

static inline void ymm_high_save(uint64_t out[32])
{
	__asm__ volatile(
		"vextractf128 $1, %%ymm0, 0(%0)\n"
		"vextractf128 $1, %%ymm1, 16(%0)\n"
		"vextractf128 $1, %%ymm2, 32(%0)\n"
		"vextractf128 $1, %%ymm3, 48(%0)\n"
		"vextractf128 $1, %%ymm4, 64(%0)\n"
		"vextractf128 $1, %%ymm5, 80(%0)\n"
		"vextractf128 $1, %%ymm6, 96(%0)\n"
		"vextractf128 $1, %%ymm7, 112(%0)\n"
		"vextractf128 $1, %%ymm8, 128(%0)\n"
		"vextractf128 $1, %%ymm9, 144(%0)\n"
		"vextractf128 $1, %%ymm10, 160(%0)\n"
		"vextractf128 $1, %%ymm11, 176(%0)\n"
		"vextractf128 $1, %%ymm12, 192(%0)\n"
		"vextractf128 $1, %%ymm13, 208(%0)\n"
		"vextractf128 $1, %%ymm14, 224(%0)\n"
		"vextractf128 $1, %%ymm15, 240(%0)\n"
		: : "r"(out) : "memory");
}

static inline void ymm_high_load(const uint64_t in[32])
{
	__asm__ volatile(
		"vinsertf128 $1, 0(%0), %%ymm0, %%ymm0\n"
		"vinsertf128 $1, 16(%0), %%ymm1, %%ymm1\n"
		"vinsertf128 $1, 32(%0), %%ymm2, %%ymm2\n"
		"vinsertf128 $1, 48(%0), %%ymm3, %%ymm3\n"
		"vinsertf128 $1, 64(%0), %%ymm4, %%ymm4\n"
		"vinsertf128 $1, 80(%0), %%ymm5, %%ymm5\n"
		"vinsertf128 $1, 96(%0), %%ymm6, %%ymm6\n"
		"vinsertf128 $1, 112(%0), %%ymm7, %%ymm7\n"
		"vinsertf128 $1, 128(%0), %%ymm8, %%ymm8\n"
		"vinsertf128 $1, 144(%0), %%ymm9, %%ymm9\n"
		"vinsertf128 $1, 160(%0), %%ymm10, %%ymm10\n"
		"vinsertf128 $1, 176(%0), %%ymm11, %%ymm11\n"
		"vinsertf128 $1, 192(%0), %%ymm12, %%ymm12\n"
		"vinsertf128 $1, 208(%0), %%ymm13, %%ymm13\n"
		"vinsertf128 $1, 224(%0), %%ymm14, %%ymm14\n"
		"vinsertf128 $1, 240(%0), %%ymm15, %%ymm15\n"
		: : "r"(in) : "memory");
}

static inline uint64_t ymm_pattern(uint64_t seed, int i)
{
	return ~(seed * 0x0001000100010001ull) ^ (uint64_t)i << 20;
}

/* 1 if the upper halves hold what fx_load(seed) put there (or no AVX). */
static inline int ymm_high_matches(uint64_t seed)
{
	uint64_t v[32];
	if (!avx_usable())
		return 1;
	ymm_high_save(v);
	for (int i = 0; i < 32; i++)
		if (v[i] != ymm_pattern(seed, i))
			return 0;
	return 1;
}

/* 0 if every upper half is zero (or there is no AVX). */
static inline int ymm_high_clean(void)
{
	uint64_t v[32];
	if (!avx_usable())
		return 0;
	ymm_high_save(v);
	for (int i = 0; i < 32; i++)
		if (v[i])
			return 6;
	return 0;
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
	return ymm_high_clean();
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
 * with values that depend on seed (1..3: rounding modes differ too), and
 * the upper halves of YMM0-15 when AVX is usable. */
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
	if (avx_usable()) {
		uint64_t high[32];
		for (int i = 0; i < 32; i++)
			high[i] = ymm_pattern(seed, i);
		ymm_high_load(high);
	}
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
	if (!ymm_high_matches(seed))
		return 4;
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
	if (avx_usable())
		__asm__ volatile("vzeroupper");
}

#endif
