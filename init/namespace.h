/* The root registries init builds and serves. */
#ifndef INIT_NAMESPACE_H
#define INIT_NAMESPACE_H

#include "lightos/registry_server.h"
#include "lightos/driver_registry.h"

struct namespace {
	struct lo_registry_host host;
	struct lo_registry *root;      /* names the others: files, proc, ... */
	struct lo_registry *files, *sysvar, *dev, *drivers, *event;
	struct lo_driver_registry driver_list;   /* serves the entries of drivers: */
	/* event:driver and event:device: posted as drivers are listed. */
	struct lo_eventhook_hub hub;
	struct lo_eventhook_source driver_events, device_events;
};

/* Build init's own registries: sysvar, dev, drivers, event, and files:,
 * which holds mounts only (bin, etc and tmp are the file server's, disk is
 * fatfs's; proc: and thread: are procd's, all mounted later). */
status_t namespace_build(struct namespace *ns);
/* A connection to a root namespace holding only the registries the rights
 * policy grants `program`. */
status_t namespace_connect_for(struct namespace *ns, const char *program, lo_channel_t *client);

#endif
