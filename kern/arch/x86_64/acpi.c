/* ACPI, as far as bring-up needs it: RSDP -> RSDT/XSDT -> MADT. The tables
 * sit in RAM the direct map covers (firmware puts them below the top of
 * memory); the kernel only reads them. */
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/multiboot.h"
#include "mm/layout.h"
#include "lib/string.h"
#include "lib/printf.h"

struct rsdp {
	char sig[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;            /* revision 2 and up */
	uint64_t xsdt;
	uint8_t xchecksum;
	uint8_t reserved[3];
} __attribute__((packed));

struct sdt_header {
	char sig[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem[6];
	char oem_table[8];
	uint32_t oem_revision;
	uint32_t creator;
	uint32_t creator_revision;
} __attribute__((packed));

enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_OVERRIDE = 2, MADT_LAPIC_ADDR = 5 };

struct acpi_info acpi_info;

static bool sum_ok(const void *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += ((const uint8_t *)p)[i];
	return sum == 0;
}

static const struct rsdp *scan_for_rsdp(uint64_t start, uint64_t end)
{
	for (uint64_t pa = start; pa + sizeof(struct rsdp) <= end; pa += 16) {
		const struct rsdp *r = phys_to_virt(pa);
		if (memcmp(r->sig, "RSD PTR ", 8) == 0 && sum_ok(r, 20))
			return r;
	}
	return NULL;
}

static const struct rsdp *find_rsdp(void)
{
	if (boot_info.acpi_rsdp_pa) {
		const struct rsdp *r = phys_to_virt(boot_info.acpi_rsdp_pa);
		if (memcmp(r->sig, "RSD PTR ", 8) == 0 && sum_ok(r, 20))
			return r;
	}
	/* The first KiB of the EBDA, then the BIOS ROM area. */
	uint64_t ebda = (uint64_t)*(const uint16_t *)phys_to_virt(0x40e) << 4;
	const struct rsdp *r = ebda ? scan_for_rsdp(ebda, ebda + 1024) : NULL;
	return r ? r : scan_for_rsdp(0xe0000, 0x100000);
}

static const struct sdt_header *table_at(uint64_t pa, const char *sig)
{
	const struct sdt_header *h = phys_to_virt(pa);
	if (memcmp(h->sig, sig, 4) != 0 || !sum_ok(h, h->length))
		return NULL;
	return h;
}

static const struct sdt_header *find_table(const struct rsdp *r, const char *sig)
{
	bool x = r->revision >= 2 && r->xsdt;
	const struct sdt_header *root = x ? table_at(r->xsdt, "XSDT") : table_at(r->rsdt, "RSDT");
	if (!root)
		return NULL;
	size_t width = x ? 8 : 4;
	size_t n = (root->length - sizeof(*root)) / width;
	const uint8_t *entries = (const uint8_t *)(root + 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = x ? *(const uint64_t *)(entries + i * 8)
				: *(const uint32_t *)(entries + i * 4);
		const struct sdt_header *h = table_at(pa, sig);
		if (h)
			return h;
	}
	return NULL;
}

static void parse_madt(const struct sdt_header *madt)
{
	const uint8_t *p = (const uint8_t *)madt;
	acpi_info.lapic_pa = *(const uint32_t *)(p + sizeof(*madt));
	for (unsigned i = 0; i < 16; i++)
		acpi_info.isa_gsi[i] = i;
	for (uint32_t off = sizeof(*madt) + 8; off + 2 <= madt->length;) {
		const uint8_t *e = p + off;
		if (e[1] < 2)
			break;
		switch (e[0]) {
		case MADT_LAPIC:
			/* Enabled (bit 0); "online capable" CPUs are left alone. */
			if ((*(const uint32_t *)(e + 4) & 1) && acpi_info.cpu_count < MAX_CPUS)
				acpi_info.apic_ids[acpi_info.cpu_count++] = e[3];
			break;
		case MADT_IOAPIC:
			if (!acpi_info.ioapic_pa) {
				acpi_info.ioapic_pa = *(const uint32_t *)(e + 4);
				acpi_info.ioapic_gsi_base = *(const uint32_t *)(e + 8);
			}
			break;
		case MADT_OVERRIDE:
			if (e[2] == 0 && e[3] < 16) {   /* bus 0: ISA */
				acpi_info.isa_gsi[e[3]] = *(const uint32_t *)(e + 4);
				acpi_info.isa_flags[e[3]] = *(const uint16_t *)(e + 8);
			}
			break;
		case MADT_LAPIC_ADDR:
			acpi_info.lapic_pa = *(const uint64_t *)(e + 4);
			break;
		default:
			break;
		}
		off += e[1];
	}
}

void acpi_init(void)
{
	const struct rsdp *r = find_rsdp();
	if (!r) {
		kprintf("acpi: no RSDP: one CPU, 8259 interrupts\n");
		return;
	}
	const struct sdt_header *madt = find_table(r, "APIC");
	if (!madt) {
		kprintf("acpi: no MADT: one CPU, 8259 interrupts\n");
		return;
	}
	parse_madt(madt);
	acpi_info.found = acpi_info.cpu_count > 0 && acpi_info.lapic_pa;
}
