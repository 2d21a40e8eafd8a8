/* PCI configuration space through the legacy ports 0xCF8-0xCFF, held as an
 * I/O-port resource: enumeration, BARs, capability lists. The bus driver
 * (init/programs/pci) uses it; nothing here needs more than that resource. */
#ifndef LIGHTOS_PCI_H
#define LIGHTOS_PCI_H

#include <stdint.h>
#include "lightos/syscalls.h"

#define PCI_MAX_DEVICES 64

struct pci_bar {
	uint64_t base;
	uint64_t size;       /* 0: not known (BARs are never sized, pci.c) */
	int is_io;
};

struct pci_device {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if;
	uint8_t irq_line, irq_pin;
	struct pci_bar bar[6];
};

uint32_t pci_read32(lo_resource_t cfg, const struct pci_device *d, uint32_t off);
void pci_write32(lo_resource_t cfg, const struct pci_device *d, uint32_t off, uint32_t v);
uint8_t pci_read8(lo_resource_t cfg, const struct pci_device *d, uint32_t off);
/* Every function on every bus, with where its BARs lie; returns how many. */
int pci_enumerate(lo_resource_t cfg, struct pci_device *out, int max);
/* The config offset of the capability with id `id` after `after` (0: the
 * first); 0 if none. Bounded: a looping list ends. */
uint32_t pci_find_cap(lo_resource_t cfg, const struct pci_device *d, uint8_t id, uint32_t after);
/* Turn on memory decoding and bus mastering (DMA). */
void pci_enable(lo_resource_t cfg, const struct pci_device *d);

#endif
