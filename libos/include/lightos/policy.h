/* The rights policy (init/system.policy), compiled by gen/policy.py into a
 * table every program carries. lo_spawn applies it to the handles a parent
 * gives a child: a handle of a kind the child's policy does not grant is
 * refused (the spawn fails with ACCESS_DENIED); a granted one is reduced to
 * exactly the granted rights. Programs not named get "default".
 *
 * The program is the binary actually loaded, never a name the spawner
 * picks: bin/NAME in the boot image is program NAME, and its identity
 * (path and SHA-256) is recorded with the kernel before it runs
 * (process_set_identity); raw bytes run as "default". */
#ifndef LIGHTOS_POLICY_H
#define LIGHTOS_POLICY_H

#include <stdint.h>
#include <stdbool.h>
#include "lightos/syscalls.h"
#include "lightos/spawn.h"

/* Grant kinds (the words of the policy file). */
enum lo_policy_kind {
	LO_POLICY_LOG = 1, LO_POLICY_IMAGE = 2, LO_POLICY_ROOT_RESOURCE = 3,
	LO_POLICY_IOPORTS = 4, LO_POLICY_IRQ = 5, LO_POLICY_CHANNEL = 6,
	LO_POLICY_REGISTRY = 7, LO_POLICY_USER = 8, LO_POLICY_JOB = 9, LO_POLICY_CLOCK = 10,
};

struct lo_policy_grant {
	uint32_t kind;         /* 0 ends the list */
	uint32_t arg0, arg1;   /* ioports: base, count; irq: line; user: index */
	const char *name;      /* channel and registry grants */
	uint32_t rights;       /* registry grants: LO_REGISTRY_RIGHT_* */
	const char *path;      /* registry grants: a subtree ("" the whole) */
	bool revocable;        /* the grantor keeps a revoker (idl/revoker.idl) */
};

/* The handle rights of the root registry connection a program receives
 * (what it may do with the channel; the registry rights are per grant). */
#define LO_POLICY_REGISTRY_CHANNEL_RIGHTS (LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_WAIT | \
					   LO_RIGHT_INSPECT | LO_RIGHT_TRANSFER)

struct lo_policy_max {
	uint32_t type;         /* 0 ends the list */
	uint32_t rights;
};

struct lo_policy_program {
	const char *name;      /* NULL ends the table */
	const struct lo_policy_grant *grants;
	const struct lo_policy_max *max;
	/* A system process: the handles init hands out to it (the proc:
	 * registry) carry no DESTROY (docs/rights-policy.md). */
	bool protected;
	/* No capability with TRANSFER may reach it: a spawner refuses to give
	 * it a handle whose granted rights include TRANSFER. */
	bool untrusted;
	/* The SHA-256 its binary must have (64 hex digits), or "" for any. */
	const char *digest;
};

extern const struct lo_policy_program lo_policy[];

/* Who drives a device: `drives pci VENDOR DEVICE;` in a program's policy. */
struct lo_policy_driver {
	uint16_t vendor, device;
	const char *program;   /* NULL ends the table */
};
extern const struct lo_policy_driver lo_policy_drivers[];

/* The program the policy names as the driver of PCI device vendor:device,
 * or NULL: nobody drives it. */
const char *lo_policy_driver_for(uint32_t vendor, uint32_t device);

/* The policy of `program` ("default" if it has none of its own). */
const struct lo_policy_program *lo_policy_for(const char *program);
/* The program a binary's path names: bin/NAME is NAME; anything else,
 * and bytes from no file (""), is "default". out has room for size. */
void lo_program_of_path(const char *path, char *out, size_t size);
/* The program process p runs, from its attested identity ("default" if it
 * has none or it cannot be read). */
void lo_program_of(lo_process_t p, char *out, size_t size);
/* The grant kind a startup kind is given under (0: none). */
uint32_t lo_policy_kind_of_startup(uint32_t startup_kind);
/* The startup kind a grant's handle arrives as (its inverse). */
uint32_t lo_policy_startup_kind(const struct lo_policy_grant *g);
/* The rights `program` is granted for a handle it receives as `startup_kind`
 * (0: none). */
uint32_t lo_policy_rights(const char *program, uint32_t startup_kind, lo_handle_t h);
/* On arrival: drop TRANSFER, which a handle needs only to travel in the
 * startup message, unless the policy grants it. */
void lo_policy_settle(const char *program, uint32_t startup_kind, lo_handle_t *h);
/* Check and reduce the handles for `program` in place. A `revocable`
 * grant is replaced by a grant through a new revoker, returned in
 * revokers[] (room for n; *nrevokers of them), which the caller keeps:
 * closing one revokes that grant. Without revokers (NULL) a revocable grant
 * is refused. On ACCESS_DENIED every handle has been closed, every revoker
 * made revoked, and *why says which was refused. */
status_t lo_policy_apply(const char *program, struct lo_give *give, uint32_t n, const char **why,
			 lo_revoker_t *revokers, uint32_t *nrevokers);

#endif
