/* Registries: names for handles, served over channels (idl/registry.idl).
 *
 * A name is "<registry>:<path>" (files:/etc/motd, proc:12). A process starts
 * with a connection to its root namespace (startup kind LO_STARTUP_ROOT_
 * REGISTRY); lo_connect_registry("files") asks the root for the registry named
 * "files"; lo_resolve_path(reg, "/etc/motd", rights) resolves a path in it. An
 * entry holds a handle (an object, or another registry) or a link (a path,
 * resolved on lookup). Rights attenuate: Open returns at most what the
 * entry grants and the caller asks for.
 *
 * Limits: LO_REGISTRY_PATH_MAX bytes per path, LO_REGISTRY_NAME_MAX per
 * name, LO_REGISTRY_MAX_HOPS registries or links followed in one lookup
 * (then LO_ERR_LINK_LOOP). */
#ifndef LIGHTOS_REGISTRY_H
#define LIGHTOS_REGISTRY_H

#include <stddef.h>
#include "lightos/protocols.h"

/* LO_REGISTRY_PATH_MAX, LO_REGISTRY_NAME_MAX, the entry kinds LO_ENTRY_*
 * and LO_STARTUP_ROOT_REGISTRY come from idl/registry.idl and startup.idl. */
#define LO_REGISTRY_MAX_HOPS  16   /* links and registries followed in one open */

/* The process's root namespace (from its startup message). */
lo_channel_t lo_root_registry(void);

/* The lookup family, from one protocol step to a whole name:
 *   lo_registry_open     (generated) one open request to one registry: one
 *                        hop, which may answer "a registry" or "a link";
 *   lo_resolve_path      a path in a registry, to the end: follows nested
 *                        registries and links (at most LO_REGISTRY_MAX_HOPS);
 *   lo_connect_registry  a new connection to the root's registry `name`;
 *   lo_resolve_name      "<registry>:<path>": the root resolves "<registry>/<path>"
 *                        in one request (no connection to the registry).
 * Close what they return with lo_handle_close. */

/* A new connection to the root namespace's registry `name` ("files"). */
status_t lo_connect_registry(const char *name, lo_channel_t *out);
/* Resolve `path` in `registry`; *out gets a handle with at most `rights`.
 * A registry comes back as a new connection (a channel). */
status_t lo_resolve_path(lo_channel_t registry, const char *path, uint32_t rights, lo_handle_t *out);
/* The same, asking for at most `conn_rights` (LO_REGISTRY_RIGHT_*) on any
 * registry connection made on the way (referrals) or returned; a connection
 * never has more than the one it was opened through. */
status_t lo_resolve_path_as(lo_channel_t registry, const char *path, uint32_t rights,
			    uint32_t conn_rights, lo_handle_t *out);
/* For an edit: a connection to the registry that holds the last component
 * of "<registry>:<path>" (*last points into name). Edits go there, so that
 * they cross mounts and use the rights the connection has in that registry. */
status_t lo_resolve_parent(const char *name, lo_channel_t *reg, const char **last);
/* Resolve "<registry>:<path>" in one step: one open request to the root
 * for "<registry>/<path>" (one round trip when the root's host serves the
 * whole path; a mount refers the rest to its server). Under a mount of the
 * process's own root, the first open keeps the mounted server's connection
 * and later ones go there directly (libos/registry_mounts.c). */
status_t lo_resolve_name(const char *name, uint32_t rights, lo_handle_t *out);
/* The same in the root namespace `root` instead of the process's own (with
 * the process's own root, the same as lo_resolve_name). */
status_t lo_resolve_name_in(lo_channel_t root, const char *name, uint32_t rights, lo_handle_t *out);
/* Mount connections this process keeps now (for tests and tools). */
uint32_t lo_registry_kept_mounts(void);

/* Split "<registry>:<path>" into its parts (pure; host-tested).
 * LO_ERR_INVALID_ARGS without ':' or with an empty registry name,
 * LO_ERR_NAME_TOO_LONG past the limits. */
status_t lo_name_split(const char *name, char *registry, size_t registry_size,
		       const char **path);

/* The first component of `path` (leading '/' skipped): its length, and in
 * *rest what follows the '/' after it ("" at the end). Pure; host-tested. */
size_t lo_path_first(const char *path, const char **start, const char **rest);

#endif
