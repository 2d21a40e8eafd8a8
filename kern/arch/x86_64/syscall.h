#ifndef KERN_ARCH_SYSCALL_H
#define KERN_ARCH_SYSCALL_H

#define VEC_SYSCALL 256   /* trap_frame.vector of a frame saved by syscall entry */

/* Program STAR/LSTAR/FMASK for the syscall instruction. */
void syscall_init(void);

#endif
