/* The x87/SSE/AVX register state of user threads.
 *
 * Saved and restored eagerly on every context switch, with xsave/xrstor
 * when the CPU has them, else fxsave/fxrstor. The kernel itself never uses
 * these registers (it is built with -mgeneral-regs-only), so a thread's
 * state stays in the CPU from its switch-in to its switch-out. */
#ifndef KERN_ARCH_FPU_H
#define KERN_ARCH_FPU_H

#include <stdint.h>
#include <stdbool.h>

#define FPU_DEFAULT_FCW   0x037f   /* fninit: all exceptions masked */
#define FPU_DEFAULT_MXCSR 0x1f80   /* all SIMD exceptions masked */

/* A save area: `area` is aligned as the save instruction needs; `raw` is
 * what the heap gave (freed by fpu_state_free). */
struct fpu_state {
	void *raw;
	uint8_t *area;
};

/* Enable the state in CR0/CR4 (and XCR0), size the save area. */
void fpu_init(void);
/* A save area holding the clean initial state (fninit, MXCSR 0x1f80,
 * vector registers zero). false when memory is exhausted. */
bool fpu_state_alloc(struct fpu_state *s);
void fpu_state_free(struct fpu_state *s);
void fpu_save(struct fpu_state *s);
void fpu_restore(const struct fpu_state *s);

/* Bytes of one save area, and whether xsave is used (for the boot log). */
extern uint32_t fpu_area_size;
extern bool fpu_uses_xsave;
extern uint64_t fpu_xcr0;

#endif
