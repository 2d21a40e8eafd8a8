/* Storage at boot: see storage.h. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/spawn.h"
#include "lightos/pci_publish.h"
#include "storage.h"

#define PCI_MMIO_BASE 0xC0000000ull   /* the 32-bit PCI window, below the APICs */
#define PCI_MMIO_END  0xFEC00000ull
#define PCI_IRQ_FIRST 9                /* PCI interrupt lines the BIOS routes */
#define PCI_IRQ_COUNT 3
#define CHANNEL_RIGHTS (LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_WAIT | LO_RIGHT_INSPECT | \
			LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER)

static lo_handle_t dup(lo_handle_t h, uint32_t rights)
{
	uint32_t v = 0;
	lo_handle_duplicate(h, rights, &v);
	return (lo_handle_t){ v };
}

static status_t spawn(lo_vmo_t image, const char *path, const char *args,
		      struct lo_give *give, uint32_t n, lo_process_t *p)
{
	const char *why = NULL;
	status_t st = lo_spawn_from_image(image, path, args, give, n, p, &why);
	if (st != LO_OK)
		lo_printf("init: cannot start %s: %s (%s)\n", path, lo_status_name(st), why ? why : "");
	return st;
}

/* fatfs answers once its volume is mounted: ask it for its first entry
 * and wait for the answer (at most 10 s), so that programs started after
 * this find files:/disk there. */
static void wait_ready(lo_channel_t fs)
{
	struct lo_registry_list_request rq;
	struct lo_registry_list_response rs;
	struct lo_channel_read_result got;
	lo_handle_t h[LO_REGISTRY_MAX_HANDLES];
	uint32_t observed = 0;
	lo_memset(&rq, 0, sizeof(rq));
	rq.hdr.txid = 1;
	rq.hdr.ordinal = LO_REGISTRY_LIST;
	if (lo_channel_write(fs, &rq, sizeof(rq), (lo_handle_t *)0, 0) != LO_OK ||
	    lo_handle_wait_one(lo_channel_handle(fs), LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED,
			       lo_deadline_after_ms(10000), &observed) != LO_OK ||
	    !(observed & LO_SIG_CHANNEL_READABLE)) {
		lo_printf("init: fatfs did not answer\n");
		return;
	}
	if (lo_channel_read(fs, &rs, sizeof(rs), h, LO_REGISTRY_MAX_HANDLES, &got) == LO_OK) {
		for (uint32_t i = 0; i < got.handles; i++)
			lo_handle_close(h[i]);
	}
}

static void start_fatfs(struct namespace *ns, lo_vmo_t image, lo_channel_t disk)
{
	lo_channel_t server_end, mounted;   /* mounted: init's connection to fatfs */
	lo_process_t fatfs;
	if (lo_channel_create(lo_job_self(), &server_end, &mounted) != LO_OK)
		return;
	struct lo_give give[3] = {
		{ LO_STARTUP_USER + 0, dup(lo_channel_handle(disk), CHANNEL_RIGHTS) },
		{ LO_STARTUP_CHANNEL, lo_channel_handle(server_end) },
		{ LO_STARTUP_LOG, dup(lo_log_handle(lo_log), LO_RIGHT_WRITE | LO_RIGHT_INSPECT | LO_RIGHT_TRANSFER) },
	};
	if (spawn(image, "bin/fatfs", "", give, 3, &fatfs) != LO_OK) {
		lo_handle_close(lo_channel_handle(mounted));
		return;
	}
	lo_driver_registry_add(&ns->driver_list, "fatfs", fatfs, "files:/disk");
	wait_ready(mounted);
	/* files:/disk is a mount of the server's registry: an open through it
	 * asks fatfs for a connection with the opener's rights in files:/disk
	 * (the policy grants the subtree to the programs that may write it). */
	lo_registry_add_mount(&ns->host, ns->files, "disk", mounted);   /* the entry holds it */
}

void storage_start(struct namespace *ns, lo_resource_t root, lo_vmo_t image)
{
	lo_resource_t ports, mmio, irqs;
	lo_channel_t mine, theirs;
	lo_process_t pci;
	if (lo_resource_carve(root, LO_RESOURCE_IOPORT, 0xCF8, 8, &ports) != LO_OK ||
	    lo_resource_carve(root, LO_RESOURCE_MMIO, PCI_MMIO_BASE, PCI_MMIO_END - PCI_MMIO_BASE, &mmio) != LO_OK ||
	    lo_resource_carve(root, LO_RESOURCE_IRQ, PCI_IRQ_FIRST, PCI_IRQ_COUNT, &irqs) != LO_OK ||
	    lo_channel_create(lo_job_self(), &mine, &theirs) != LO_OK) {
		lo_printf("init: no PCI: cannot carve its resources\n");
		return;
	}
	struct lo_give give[7] = {
		{ LO_STARTUP_IOPORTS, lo_resource_handle(ports) },
		{ LO_STARTUP_USER + 0, lo_resource_handle(mmio) },
		{ LO_STARTUP_USER + 1, lo_resource_handle(irqs) },
		{ LO_STARTUP_USER + 2, dup(lo_resource_handle(root), LO_RIGHT_RESOURCE_DMA | LO_RIGHT_INSPECT |
					   LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER) },
		{ LO_STARTUP_IMAGE, dup(lo_vmo_handle(image), LO_RIGHT_READ | LO_RIGHT_MAP | LO_RIGHT_INSPECT |
					LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER) },
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
		{ LO_STARTUP_LOG, dup(lo_log_handle(lo_log), LO_RIGHT_WRITE | LO_RIGHT_INSPECT |
				      LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER) },
	};
	if (spawn(image, "bin/pci", "", give, 7, &pci) != LO_OK)
		return;
	lo_driver_registry_add(&ns->driver_list, "pci", pci, "");
	/* What it started, until its closing message (or 10 s). */
	lo_channel_t disk0 = { 0 };
	for (;;) {
		struct pci_publish msg;
		lo_handle_t h[2];
		struct lo_channel_read_result got;
		uint32_t observed;
		if (lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE, lo_deadline_after_ms(10000),
				       &observed) != LO_OK ||
		    lo_channel_read(mine, &msg, sizeof(msg), h, 2, &got) != LO_OK || msg.name[0] == '\0')
			break;
		msg.name[sizeof(msg.name) - 1] = msg.driver[sizeof(msg.driver) - 1] = '\0';
		if (got.handles != 2) {
			for (uint32_t i = 0; i < got.handles; i++)
				lo_handle_close(h[i]);
			continue;
		}
		if (!disk0.value)
			disk0 = lo_channel_from(dup(h[0], CHANNEL_RIGHTS));
		lo_registry_add(&ns->host, ns->dev, msg.name, h[0], CHANNEL_RIGHTS);
		/* One driver may serve several devices: listed once, with each. */
		if (lo_driver_registry_add_device(&ns->driver_list, msg.driver, msg.name) == LO_OK)
			lo_handle_close(h[1]);
		else
			lo_driver_registry_add(&ns->driver_list, msg.driver, lo_process_from(h[1]), msg.name);
	}
	/* pci stays while this end is open: kept for good. */
	if (disk0.value) {
		start_fatfs(ns, image, disk0);
		lo_handle_close(lo_channel_handle(disk0));
	}
}
