/* The root registries init builds and serves. */
#ifndef INIT_NAMESPACE_H
#define INIT_NAMESPACE_H

#include "lightos/registry_server.h"
#include "lightos/driver_registry.h"

struct namespace {
	struct lo_registry_host host;
	struct lo_registry *root;      /* names the others: files, proc, ... */
	struct lo_registry *files, *sysvar, *dev, *drivers, *event, *tmp;
	struct lo_driver_registry driver_list;   /* serves the entries of drivers: */
	/* event:driver and event:device: posted as drivers are listed. */
	struct lo_eventhook_hub hub;
	struct lo_eventhook_source driver_events, device_events;
};

/* Build init's own registries: files from the boot image, sysvar, dev,
 * drivers, event (proc: and thread: are procd's, mounted later). */
status_t namespace_build(struct namespace *ns, const uint8_t *image, size_t image_size);
/* A connection to a root namespace holding only the registries the rights
 * policy grants `program`. */
status_t namespace_connect_for(struct namespace *ns, const char *program, lo_channel_t *client);

#endif
