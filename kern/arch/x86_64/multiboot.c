#include "arch/x86_64/multiboot.h"
#include "mm/layout.h"
#include "lib/string.h"
#include "lib/assert.h"

enum {
	TAG_END = 0, TAG_CMDLINE = 1, TAG_MODULE = 3, TAG_MMAP = 6,
	TAG_FRAMEBUFFER = 8, TAG_ACPI_OLD = 14, TAG_ACPI_NEW = 15,
};

struct tag {
	uint32_t type;
	uint32_t size;
};

struct boot_info boot_info;

static void parse_mmap(const uint8_t *tag)
{
	uint32_t size = ((const struct tag *)tag)->size;
	uint32_t entry_size = *(const uint32_t *)(tag + 8);
	for (uint32_t off = 16; off + entry_size <= size; off += entry_size) {
		const uint8_t *e = tag + off;
		if (boot_info.region_count == BOOT_MAX_REGIONS)
			break;   /* the rest is ignored: documented limit */
		struct mem_region *r = &boot_info.regions[boot_info.region_count++];
		r->base = *(const uint64_t *)e;
		r->length = *(const uint64_t *)(e + 8);
		r->type = *(const uint32_t *)(e + 16);
	}
}

void multiboot_parse(uint32_t magic, uint64_t info_pa)
{
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not booted by a multiboot2 loader (magic 0x%x)", magic);
	const uint8_t *info = phys_to_virt(info_pa);
	uint32_t total = *(const uint32_t *)info;
	boot_info.info_start = info_pa;
	boot_info.info_end = info_pa + total;

	for (uint32_t off = 8; off + 8 <= total;) {
		const struct tag *t = (const struct tag *)(info + off);
		if (t->type == TAG_END)
			break;
		const uint8_t *p = (const uint8_t *)t;
		switch (t->type) {
		case TAG_CMDLINE:
			strlcpy(boot_info.cmdline, (const char *)(p + 8), sizeof(boot_info.cmdline));
			break;
		case TAG_MODULE:
			if (boot_info.module_count < BOOT_MAX_MODULES) {
				struct boot_module *m = &boot_info.modules[boot_info.module_count++];
				m->start = *(const uint32_t *)(p + 8);
				m->end = *(const uint32_t *)(p + 12);
				strlcpy(m->name, (const char *)(p + 16), sizeof(m->name));
			}
			break;
		case TAG_MMAP:
			parse_mmap(p);
			break;
		case TAG_FRAMEBUFFER:
			boot_info.fb.addr = *(const uint64_t *)(p + 8);
			boot_info.fb.pitch = *(const uint32_t *)(p + 16);
			boot_info.fb.width = *(const uint32_t *)(p + 20);
			boot_info.fb.height = *(const uint32_t *)(p + 24);
			boot_info.fb.bpp = p[28];
			boot_info.fb.type = p[29];
			break;
		case TAG_ACPI_OLD:
		case TAG_ACPI_NEW:
			/* A copy of the RSDP; the newer one wins (it has the XSDT). */
			if (!boot_info.acpi_rsdp_pa || t->type == TAG_ACPI_NEW)
				boot_info.acpi_rsdp_pa = info_pa + off + 8;
			break;
		default:
			break;
		}
		off += (t->size + 7) & ~7u;
	}
}

int cmdline_has(const char *word)
{
	size_t n = strlen(word);
	const char *s = boot_info.cmdline;
	while (*s) {
		while (*s == ' ')
			s++;
		const char *start = s;
		while (*s && *s != ' ')
			s++;
		if ((size_t)(s - start) == n && strncmp(start, word, n) == 0)
			return 1;
	}
	return 0;
}

int cmdline_is_test_run(void)
{
	return strncmp(boot_info.cmdline, "test", 4) == 0;
}
