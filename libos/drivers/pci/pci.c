/* PCI configuration mechanism #1: write the address to 0xCF8, move the
 * data through 0xCFC. */
#include "lightos/pci.h"

#define CFG_ADDR 0xCF8
#define CFG_DATA 0xCFC

static uint32_t address(const struct pci_device *d, uint32_t off)
{
	return 0x80000000u | (uint32_t)d->bus << 16 | (uint32_t)d->dev << 11 |
	       (uint32_t)d->fn << 8 | (off & 0xFC);
}

uint32_t pci_read32(lo_resource_t cfg, const struct pci_device *d, uint32_t off)
{
	uint32_t v = 0xFFFFFFFFu;
	lo_resource_port_out(cfg, CFG_ADDR, 4, address(d, off));
	lo_resource_port_in(cfg, CFG_DATA, 4, &v);
	return v;
}

void pci_write32(lo_resource_t cfg, const struct pci_device *d, uint32_t off, uint32_t v)
{
	lo_resource_port_out(cfg, CFG_ADDR, 4, address(d, off));
	lo_resource_port_out(cfg, CFG_DATA, 4, v);
}

uint8_t pci_read8(lo_resource_t cfg, const struct pci_device *d, uint32_t off)
{
	return (uint8_t)(pci_read32(cfg, d, off) >> ((off & 3) * 8));
}

/* Read where each BAR lies; never size it. Sizing (all ones written, then
 * the old value back, decoding off meanwhile) remaps the device's memory
 * while other CPUs may be using it; under QEMU's MTTCG a vCPU then reads
 * through a region that has just gone, and QEMU itself crashes. A driver
 * learns its lengths elsewhere (virtio: from its capabilities). */
static void read_bars(lo_resource_t cfg, struct pci_device *d)
{
	for (int i = 0; i < 6; i++) {
		uint32_t lo = pci_read32(cfg, d, 0x10 + 4 * (uint32_t)i);
		struct pci_bar *b = &d->bar[i];
		b->size = 0;
		if (lo & 1) {
			b->is_io = 1;
			b->base = lo & ~3u;
			continue;
		}
		b->base = lo & ~15u;
		if (((lo >> 1) & 3) == 2 && i < 5) {   /* 64-bit: the next BAR is the top half */
			i++;
			b->base |= (uint64_t)pci_read32(cfg, d, 0x10 + 4 * (uint32_t)i) << 32;
		}
	}
}

static void fill(lo_resource_t cfg, struct pci_device *d)
{
	uint32_t id = pci_read32(cfg, d, 0x00);
	uint32_t cls = pci_read32(cfg, d, 0x08);
	uint32_t irq = pci_read32(cfg, d, 0x3C);
	d->vendor = (uint16_t)id;
	d->device = (uint16_t)(id >> 16);
	d->class_code = (uint8_t)(cls >> 24);
	d->subclass = (uint8_t)(cls >> 16);
	d->prog_if = (uint8_t)(cls >> 8);
	d->irq_line = (uint8_t)irq;
	d->irq_pin = (uint8_t)(irq >> 8);
	if ((pci_read8(cfg, d, 0x0E) & 0x7F) == 0)
		read_bars(cfg, d);
}

int pci_enumerate(lo_resource_t cfg, struct pci_device *out, int max)
{
	int n = 0;
	for (uint32_t bus = 0; bus < 256; bus++) {
		for (uint8_t dev = 0; dev < 32; dev++) {
			for (uint8_t fn = 0; fn < 8 && n < max; fn++) {
				struct pci_device d = { .bus = (uint8_t)bus, .dev = dev, .fn = fn };
				if ((pci_read32(cfg, &d, 0) & 0xFFFF) == 0xFFFF) {
					if (fn == 0)
						break;
					continue;
				}
				fill(cfg, &d);
				out[n++] = d;
				if (fn == 0 && !(pci_read8(cfg, &d, 0x0E) & 0x80))
					break;   /* single-function device */
			}
		}
	}
	return n;
}

uint32_t pci_find_cap(lo_resource_t cfg, const struct pci_device *d, uint8_t id, uint32_t after)
{
	if (!(pci_read32(cfg, d, 0x04) & (1u << 20)))
		return 0;   /* no capability list */
	uint32_t off = after ? pci_read8(cfg, d, after + 1) : pci_read8(cfg, d, 0x34);
	for (int i = 0; i < 48 && off >= 0x40; i++) {
		off &= 0xFC;
		if (pci_read8(cfg, d, off) == id)
			return off;
		off = pci_read8(cfg, d, off + 1);
	}
	return 0;
}

void pci_enable(lo_resource_t cfg, const struct pci_device *d)
{
	pci_write32(cfg, d, 0x04, (pci_read32(cfg, d, 0x04) & 0xFFFF) | 0x6);
}
