/* The root registries init builds and serves. */
#ifndef INIT_NAMESPACE_H
#define INIT_NAMESPACE_H

#include "lightos/registry_server.h"

struct namespace {
	struct lo_registry_host host;
	struct lo_registry *root;      /* names the others: files, proc, ... */
	struct lo_registry *files, *proc, *thread, *sysvar, *dev, *drivers, *event, *tmp;
};

/* Build every registry: files from the boot image, proc, sysvar, dev,
 * drivers, event. */
status_t namespace_build(struct namespace *ns, const uint8_t *image, size_t image_size);
/* A connection to a root namespace holding only the registries the rights
 * policy grants `program`. */
status_t namespace_connect_for(struct namespace *ns, const char *program, lo_channel_t *client);
/* Name a process in proc: under its id. */
void namespace_add_process(struct namespace *ns, lo_process_t p);
/* Name a thread in thread: under its id. */
void namespace_add_thread(struct namespace *ns, lo_thread_t t, lo_process_t owner);

#endif
