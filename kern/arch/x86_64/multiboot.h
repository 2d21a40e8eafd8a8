/* What the kernel learns from GRUB's multiboot2 information. */
#ifndef KERN_ARCH_MULTIBOOT_H
#define KERN_ARCH_MULTIBOOT_H

#include <stdint.h>
#include <stddef.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289

#define BOOT_MAX_REGIONS 64
#define BOOT_MAX_MODULES 16
#define BOOT_CMDLINE_MAX 256

enum mem_type { MEM_USABLE = 1, MEM_RESERVED = 2, MEM_ACPI = 3, MEM_NVS = 4, MEM_BAD = 5 };

struct mem_region {
	uint64_t base;
	uint64_t length;
	uint32_t type;   /* enum mem_type */
};

struct boot_module {
	uint64_t start;        /* physical */
	uint64_t end;
	char name[64];
};

struct framebuffer_info {
	uint64_t addr;         /* physical; 0 when none */
	uint32_t pitch, width, height;
	uint8_t bpp, type;
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	struct mem_region regions[BOOT_MAX_REGIONS];
	size_t region_count;
	struct boot_module modules[BOOT_MAX_MODULES];
	size_t module_count;
	struct framebuffer_info fb;
	uint64_t info_start, info_end;   /* the multiboot2 info itself (physical) */
	uint64_t acpi_rsdp_pa;           /* GRUB's copy of the RSDP, or 0 */
};

extern struct boot_info boot_info;

/* Parse the multiboot2 information at physical address `info_pa`.
 * Panics on a bad magic: nothing sane can follow. */
void multiboot_parse(uint32_t magic, uint64_t info_pa);

/* True when `word` appears as a whole word in the kernel command line. */
int cmdline_has(const char *word);

/* True on a test command line (its first word starts with "test"): a
 * panic then ends the QEMU run instead of waiting for the user. */
int cmdline_is_test_run(void);

#endif
