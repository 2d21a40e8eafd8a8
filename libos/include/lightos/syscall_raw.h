/* The syscall instruction: number in rax, arguments in rdi, rsi, rdx, r10,
 * r8, r9; the status comes back in rax. The CPU uses rcx and r11. The
 * generated bindings (lightos/syscalls.h) are built on these. */
#ifndef LIGHTOS_SYSCALL_RAW_H
#define LIGHTOS_SYSCALL_RAW_H

#include <stdint.h>

static inline int64_t lo_syscall0(uint64_t nr)
{
	int64_t ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
	return ret;
}

static inline int64_t lo_syscall1(uint64_t nr, uint64_t a0)
{
	int64_t ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a0) : "rcx", "r11", "memory");
	return ret;
}

static inline int64_t lo_syscall2(uint64_t nr, uint64_t a0, uint64_t a1)
{
	int64_t ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline int64_t lo_syscall3(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	int64_t ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline int64_t lo_syscall4(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
				  uint64_t a3)
{
	int64_t ret;
	register uint64_t r10 __asm__("r10") = a3;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline int64_t lo_syscall5(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
				  uint64_t a3, uint64_t a4)
{
	int64_t ret;
	register uint64_t r10 __asm__("r10") = a3;
	register uint64_t r8 __asm__("r8") = a4;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10),
			 "r"(r8) : "rcx", "r11", "memory");
	return ret;
}

static inline int64_t lo_syscall6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
				  uint64_t a3, uint64_t a4, uint64_t a5)
{
	int64_t ret;
	register uint64_t r10 __asm__("r10") = a3;
	register uint64_t r8 __asm__("r8") = a4;
	register uint64_t r9 __asm__("r9") = a5;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10),
			 "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return ret;
}

#endif
