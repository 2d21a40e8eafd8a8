/* Storage at boot: the PCI bus driver, the disk drivers it starts, and the
 * FAT file-system server mounted at files:/disk (docs/storage.md). */
#ifndef INIT_STORAGE_H
#define INIT_STORAGE_H

#include "namespace.h"

/* Start bin/pci with the config ports, the PCI memory window and lines,
 * and a DMA authority; publish what it starts under dev: and drivers:;
 * serve the first disk with bin/fatfs at files:/disk. A machine without a
 * disk just has none. */
void storage_start(struct namespace *ns, lo_resource_t root, lo_vmo_t image);

#endif
