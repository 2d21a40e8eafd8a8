/* pci: the PCI bus driver, in user space. It enumerates configuration
 * space through the ports 0xCF8-0xCFF (an I/O-port resource), prints what
 * it finds, and starts for each device the driver the policy names for it
 * (`drives pci VENDOR DEVICE;`, lo_policy_driver_for): it knows no device
 * ids itself. The driver gets exactly its device's BAR window as an MMIO
 * VMO, its interrupt line, and the authority to allocate DMA memory;
 * nothing more. Drivers speak virtio 1.0 over PCI: the window and the
 * offsets of its structures come from the device's virtio capabilities.
 * Startup handles (init/system.policy): LO_STARTUP_IOPORTS the config
 * ports, USER+0 an MMIO resource for the PCI memory window (BARs are carved
 * from it), USER+1 an IRQ resource for the PCI interrupt lines, USER+2 a
 * resource with the DMA right, LO_STARTUP_IMAGE (to start drivers) and
 * LO_STARTUP_CHANNEL to the parent, which gets each driver's client
 * channel (lightos/pci_publish.h). */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/spawn.h"
#include "lightos/pci.h"
#include "lightos/pci_publish.h"
#include "lightos/policy.h"

#define CAP_VENDOR        0x09
#define CLASS_STORAGE     0x01

static lo_resource_t cfg, mmio, irqs, dma;
static lo_vmo_t image;
static lo_channel_t parent;
static struct pci_device devices[PCI_MAX_DEVICES];

/* Where virtio's structures lie: BAR and offsets (virtio 1.0, 4.1.4). */
struct virtio_caps {
	int bar;
	uint32_t common, notify, isr, device, notify_mult;
	uint64_t end;   /* past the last structure: how much of the BAR to map */
	int found;   /* bit per cfg_type 1..4 */
};

static int virtio_caps(const struct pci_device *d, struct virtio_caps *vc)
{
	vc->bar = -1;
	vc->found = 0;
	for (uint32_t off = pci_find_cap(cfg, d, CAP_VENDOR, 0); off; off = pci_find_cap(cfg, d, CAP_VENDOR, off)) {
		uint8_t type = pci_read8(cfg, d, off + 3), bar = pci_read8(cfg, d, off + 4);
		uint32_t where = pci_read32(cfg, d, off + 8), length = pci_read32(cfg, d, off + 12);
		if (type < 1 || type > 4 || bar > 5)
			continue;
		if ((uint64_t)where + length > vc->end)
			vc->end = (uint64_t)where + length;
		if (vc->bar >= 0 && vc->bar != bar)
			return -1;   /* we map one BAR */
		vc->bar = bar;
		if (type == 1)
			vc->common = where;
		else if (type == 2) {
			vc->notify = where;
			vc->notify_mult = pci_read32(cfg, d, off + 16);
		} else if (type == 3)
			vc->isr = where;
		else
			vc->device = where;
		vc->found |= 1 << type;
	}
	return vc->found == 0x1E ? 0 : -1;
}

static lo_handle_t dup(lo_handle_t h, uint32_t rights)
{
	uint32_t v = 0;
	lo_handle_duplicate(h, rights, &v);
	lo_handle_t d = { v };
	return d;
}

/* Start `program` (the policy's driver for d) for device d, published as
 * "<disk|dev><index>". */
static void start_virtio(const struct pci_device *d, int index, const char *program)
{
	struct virtio_caps vc = { 0 };
	const struct pci_bar *bar;
	if (virtio_caps(d, &vc) != 0 || (bar = &d->bar[vc.bar])->is_io || bar->base == 0 || vc.end == 0) {
		lo_printf("pci: %02x:%02x.%x: no usable virtio capabilities\n", d->bus, d->dev, d->fn);
		return;
	}
	/* The BAR is never sized (libos/drivers/pci/pci.c): the capabilities
	 * say how far its structures reach. */
	uint64_t size = (vc.end + 4095) & ~4095ull;
	lo_resource_t bar_res, irq_res;
	lo_vmo_t bar_vmo;
	lo_channel_t driver_end, client_end;
	status_t st = lo_resource_carve(mmio, LO_RESOURCE_MMIO, bar->base, size, &bar_res);
	if (st == LO_OK)
		st = lo_vmo_create_physical(bar_res, bar->base, size, &bar_vmo);
	if (st == LO_OK)
		lo_handle_close(lo_resource_handle(bar_res));
	if (st == LO_OK)
		st = lo_resource_carve(irqs, LO_RESOURCE_IRQ, d->irq_line, 1, &irq_res);
	if (st == LO_OK)
		st = lo_channel_create(lo_job_self(), &driver_end, &client_end);
	if (st != LO_OK) {
		lo_printf("pci: cannot hand out %02x:%02x.%x: %s\n", d->bus, d->dev, d->fn, lo_status_name(st));
		return;
	}
	pci_enable(cfg, d);
	char args[200];
	lo_snprintf(args, sizeof(args), "common=%x notify=%x mult=%x isr=%x device=%x size=%lx irq=%u",
		    vc.common, vc.notify, vc.notify_mult, vc.isr, vc.device, size, d->irq_line);
	struct lo_give give[5] = {
		{ LO_STARTUP_CHANNEL, lo_channel_handle(driver_end) },
		{ LO_STARTUP_USER + 0, lo_vmo_handle(bar_vmo) },
		{ LO_STARTUP_USER + 1, lo_resource_handle(irq_res) },
		{ LO_STARTUP_USER + 2, dup(lo_resource_handle(dma), LO_RIGHT_RESOURCE_DMA | LO_RIGHT_INSPECT | LO_RIGHT_TRANSFER) },
		{ LO_STARTUP_LOG, dup(lo_log_handle(lo_log), LO_RIGHT_WRITE | LO_RIGHT_INSPECT | LO_RIGHT_TRANSFER) },
	};
	lo_process_t driver;
	const char *why = NULL;
	char path[40];
	lo_snprintf(path, sizeof(path), "bin/%s", program);
	st = lo_spawn_from_image(image, path, args, give, 5, &driver, &why);
	if (st != LO_OK) {
		lo_printf("pci: cannot start %s: %s (%s)\n", program, lo_status_name(st), why ? why : "");
		lo_handle_close(lo_channel_handle(client_end));
		return;
	}
	struct pci_publish msg = { .devices = 0 };
	lo_snprintf(msg.name, sizeof(msg.name), "%s%d", d->class_code == CLASS_STORAGE ? "disk" : "dev", index);
	/* drivers: lists it by its program's name, '-' for '_' (virtio-blk). */
	lo_snprintf(msg.driver, sizeof(msg.driver), "%s", program);
	for (char *c = msg.driver; *c; c++)
		if (*c == '_')
			*c = '-';
	lo_handle_t hs[2] = { lo_channel_handle(client_end), lo_process_handle(driver) };
	if (lo_channel_write(parent, &msg, sizeof(msg), hs, 2) != LO_OK) {
		lo_handle_close(hs[0]);
		lo_handle_close(hs[1]);
	}
}

int main(void)
{
	cfg = lo_resource_from(lo_startup_handle(LO_STARTUP_IOPORTS));
	mmio = lo_resource_from(lo_startup_handle(LO_STARTUP_USER + 0));
	irqs = lo_resource_from(lo_startup_handle(LO_STARTUP_USER + 1));
	dma = lo_resource_from(lo_startup_handle(LO_STARTUP_USER + 2));
	image = lo_vmo_from(lo_startup_handle(LO_STARTUP_IMAGE));
	parent = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));

	int n = pci_enumerate(cfg, devices, PCI_MAX_DEVICES), started = 0;
	for (int i = 0; i < n; i++) {
		const struct pci_device *d = &devices[i];
		const char *program = lo_policy_driver_for(d->vendor, d->device);
		lo_printf("pci: %02x:%02x.%x %04x:%04x class %02x.%02x irq %u driver %s\n", d->bus, d->dev, d->fn,
			  d->vendor, d->device, d->class_code, d->subclass, d->irq_line, program ? program : "none");
		if (program)
			start_virtio(d, started++, program);
	}
	struct pci_publish done = { .devices = (uint32_t)n };
	lo_channel_write(parent, &done, sizeof(done), NULL, 0);
	/* Stay, so drivers: shows the bus driver, until the parent lets go. */
	uint32_t observed;
	lo_handle_wait_one(lo_channel_handle(parent), LO_SIG_CHANNEL_PEER_CLOSED, UINT64_MAX, &observed);
	return 0;
}
