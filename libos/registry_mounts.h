/* The mounts a process keeps (libos/registry_mounts.c), for
 * registry_client.c. */
#ifndef LIBOS_REGISTRY_MOUNTS_H
#define LIBOS_REGISTRY_MOUNTS_H

#include "lightos/syscalls.h"

/* Kept mount connections, at most. */
#define LO_MOUNTS_KEPT 8

/* The root-namespace path[0..len) ("files/etc/motd") opened through a kept
 * mount, one request to the mounted server. 1: answered, *st the answer
 * (*out the object); 0: not kept, or the kept connection could not answer
 * it (then *keep says whether the root may be asked to refer again). */
int lo_mounts_open(lo_channel_t root, const char *path, uint32_t len, uint32_t rights,
		   lo_handle_t *out, status_t *st, int *keep);
/* Keep a copy of `conn`, the referral the root answered for path[0..consumed). */
void lo_mounts_keep(lo_channel_t root, const char *path, uint32_t consumed, lo_handle_t conn);
/* Whether a referral would be kept (a free slot): else none is asked for. */
int lo_mounts_room(void);
/* A joined thread's stack [stack, stack + size) is about to be reused. */
void lo_mounts_stack_gone(uint64_t stack, uint64_t size);

#endif
