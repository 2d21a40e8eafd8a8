/* The kernel's virtual memory layout.
 *
 *   0x0000000000000000 .. 0x00007fffffffffff  user space (per process)
 *   0xffff800000000000 ..                     direct map of all physical RAM
 *   0xffffffff80000000 ..                     the kernel image (-2 GiB)
 */
#ifndef KERN_MM_LAYOUT_H
#define KERN_MM_LAYOUT_H

#include <stdint.h>

#define PAGE_SIZE        4096ul
#define PAGE_SHIFT       12
#define KERNEL_VMA       0xffffffff80000000ul
#define DIRECT_MAP_BASE  0xffff800000000000ul
#define USER_TOP         0x0000800000000000ul

#define PAGE_ROUND_UP(x)   (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x) & ~(PAGE_SIZE - 1))

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;
	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA;
	return v - DIRECT_MAP_BASE;
}

/* Symbols from linker.ld. */
extern char _kernel_phys_start[], _kernel_phys_end[];
extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _data_end[], _kernel_end[];

#endif
