/* The lock a root connection's threads share (libos/registry_lock.c):
 * kill-safe, for liblightos's name lookups only. */
#ifndef LIBOS_REGISTRY_LOCK_H
#define LIBOS_REGISTRY_LOCK_H

#include "lightos/syscalls.h"

/* Slots 0..LO_REGISTRY_LOCKS-1: a root connection's (its value modulo);
 * LO_REGISTRY_LOCK_MOUNTS: the kept mounts' table. */
#define LO_REGISTRY_LOCKS 16
#define LO_REGISTRY_LOCK_MOUNTS LO_REGISTRY_LOCKS

/* 1: taken over from a dead holder. A waiter naps on `nap_on`. */
int lo_registry_lock(uint32_t slot, lo_channel_t nap_on);
void lo_registry_unlock(uint32_t slot);

#endif
