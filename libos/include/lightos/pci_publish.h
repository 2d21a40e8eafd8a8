/* What the PCI bus driver tells its parent (init, or a test) over its
 * startup channel: one message per driver it started, then one with an
 * empty name. Handles: [0] the device's client channel (block protocol),
 * [1] the driver's process. */
#ifndef LIGHTOS_PCI_PUBLISH_H
#define LIGHTOS_PCI_PUBLISH_H

#include <stdint.h>

struct pci_publish {
	char name[16];        /* "disk0"; "" ends the list */
	char driver[16];      /* "virtio-blk" */
	uint32_t devices;     /* PCI functions found (in the last message) */
	uint32_t reserved;
};

#endif
