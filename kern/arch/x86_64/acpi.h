/* What the kernel reads from ACPI: the CPUs and interrupt controllers of
 * the MADT. */
#ifndef KERN_ARCH_ACPI_H
#define KERN_ARCH_ACPI_H

#include <stdint.h>
#include <stdbool.h>
#include "arch/x86_64/percpu.h"

struct acpi_info {
	bool found;                 /* a MADT was found */
	uint64_t lapic_pa;
	uint64_t ioapic_pa;         /* 0 when none */
	uint32_t ioapic_gsi_base;
	int cpu_count;              /* enabled CPUs, boot CPU included */
	uint32_t apic_ids[MAX_CPUS];
	uint32_t isa_gsi[16];       /* ISA line -> global system interrupt */
	uint16_t isa_flags[16];     /* MPS polarity/trigger flags */
};

extern struct acpi_info acpi_info;

/* Find the RSDP (multiboot2's copy, else the BIOS area), then the MADT. */
void acpi_init(void);

#endif
