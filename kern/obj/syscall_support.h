/*
 * What the generated system-call dispatch (build/gen/kern/) needs from the
 * kernel. The dispatch decodes registers, copies user memory through these
 * helpers, checks every handle argument with cap_lookup() on the calling
 * process's table, then calls the hand-written k_<type>_<method>() in
 * kern/obj/<type>.c.
 */
#ifndef KERN_OBJ_SYSCALL_SUPPORT_H
#define KERN_OBJ_SYSCALL_SUPPORT_H

#include <stdint.h>
#include <stddef.h>
#include "status.h"
#include "handle_table.h"

#include "obj/process.h"
#include "sched/thread.h"
#include "arch/x86_64/percpu.h"
#include "mm/layout.h"

/* The raw copy (mm/usercopy.asm): 0, or nonzero when a fault stopped it. */
uint64_t usercopy_raw(void *dst, const void *src, uint64_t n);

/* addr .. addr + len lies below USER_TOP (no wrap-around). For a constant
 * len it is one compare. */
static inline bool user_range_ok(uint64_t addr, size_t len)
{
	return len <= USER_TOP && addr <= USER_TOP - len;
}

extern uint8_t usercopy_stac_enabled;   /* usercopy.asm: the CPU has SMAP */

static inline void user_access_begin(void)
{
	if (usercopy_stac_enabled)
		__asm__ volatile("stac" : : : "memory");
}

static inline void user_access_end(void)
{
	if (usercopy_stac_enabled)
		__asm__ volatile("clac" : : : "memory");
}

/* One store into user memory that may fault: the move is in the exception
 * table, which resumes a fault at `fault` (after the page-fault handler
 * failed to map the page in). As Linux's __put_user_goto. */
#define PUT_USER_GOTO(insn, value, ptr, fault)					\
	__asm__ goto("1: " insn " %0, %1\n"						\
		     ".pushsection .extable, \"a\"\n"				\
		     ".quad 1b, %l[" #fault "]\n"				\
		     ".popsection"						\
		     : : "r"(value), "m"(*(ptr)) : "memory" : fault)

/* A small copy out of a size known at compile time (a multiple of 4 up to
 * 64 bytes: out scalars and small structs): moves straight into user
 * memory instead of a call to usercopy_raw. The range is checked. Written
 * out, not as a loop: the sizes fold away, and no compiler is asked to
 * unroll a loop around asm goto (clang cannot). */
#define PUT_USER_QUAD(k)								\
	if ((k) * 8 + 8 <= len) {							\
		uint64_t v;								\
		__builtin_memcpy(&v, from + (k) * 8, 8);				\
		PUT_USER_GOTO("movq", v, (uint64_t *)(user_dst + (k) * 8), fault);	\
	}

static inline __attribute__((always_inline)) status_t
put_user_small(uint64_t user_dst, const void *src, size_t len)
{
	const char *from = src;
	user_access_begin();
	PUT_USER_QUAD(0) PUT_USER_QUAD(1) PUT_USER_QUAD(2) PUT_USER_QUAD(3)
	PUT_USER_QUAD(4) PUT_USER_QUAD(5) PUT_USER_QUAD(6) PUT_USER_QUAD(7)
	if (len % 8) {
		uint32_t v;
		__builtin_memcpy(&v, from + len - 4, 4);
		PUT_USER_GOTO("movl", v, (uint32_t *)(user_dst + len - 4), fault);
	}
	user_access_end();
	return LO_OK;
fault:
	user_access_end();
	return LO_ERR_FAULT;
}

/* Copy between kernel memory and the current process's user memory.
 * Checks that the whole user range lies in the user half (below USER_TOP)
 * and recovers from page faults: a fault inside the copy first tries to
 * resolve a lazily backed mapping (mm/uvm); if that fails, the exception
 * table turns it into LO_ERR_FAULT. Returns LO_OK, or LO_ERR_FAULT (bad or
 * unmapped pointer). Inline: nearly every system call copies, most with a
 * constant length. */
static inline status_t copy_from_user(void *dst, uint64_t user_src, size_t len)
{
	if (!user_range_ok(user_src, len))
		return LO_ERR_FAULT;
	if (len == 0)
		return LO_OK;
	return usercopy_raw(dst, (const void *)user_src, len) ? LO_ERR_FAULT : LO_OK;
}

static inline __attribute__((always_inline)) status_t
copy_to_user(uint64_t user_dst, const void *src, size_t len)
{
	if (!user_range_ok(user_dst, len))
		return LO_ERR_FAULT;
	if (len == 0)
		return LO_OK;
	if (__builtin_constant_p(len) && len <= 64 && len % 4 == 0)
		return put_user_small(user_dst, src, len);
	return usercopy_raw((void *)user_dst, src, len) ? LO_ERR_FAULT : LO_OK;
}

/* The handle table of the process whose thread is making the call:
 * straight from the per-CPU data. */
static inline struct cap_table *current_handle_table(void)
{
	return &this_cpu_current()->process->handles;
}

/* Record a rights denial (the audit log). Called by the dispatch when a
 * handle lookup returns LO_ERR_ACCESS_DENIED. */
void record_denial(uint32_t syscall_number, cap_handle_t handle,
		   rights_t required, rights_t held);

#endif
