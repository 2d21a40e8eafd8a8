/* The live audit (docs/rights-policy.md): what a running process holds
 * and what it runs, against the policy. Shared by the shell's `audit` and
 * the in-guest tests. */
#ifndef LIGHTOS_AUDIT_H
#define LIGHTOS_AUDIT_H

#include <stdint.h>
#include <stddef.h>
#include "lightos/policy.h"
#include "lightos/sha256.h"

/* May a process whose program has policy `pol` hold a handle of `type`
 * with `rights`? "ok", or what is wrong:
 *   ABOVE MAX           beyond the program's `max` for the type;
 *   NOT GRANTED         a resource or the log (no program can make one)
 *                       that no grant covers;
 *   CREATE NOT GRANTED  a job handle with creation rights (CREATE_*) its
 *                       job grant does not give (NOT GRANTED for the
 *                       job's other rights, such as CENSUS). */
const char *lo_audit_handle(const struct lo_policy_program *pol, uint32_t type, uint32_t rights);

/* Is a process's identity sound? "ok", or:
 *   NOT ATTESTED        nobody recorded what it runs;
 *   DIGEST MISMATCH     its binary's SHA-256 is not the one its policy pins;
 *   NOT IN IMAGE        its path names no file of the image (tar, may be NULL);
 *   DIFFERS FROM IMAGE  the file at its path has another SHA-256. */
const char *lo_audit_identity(const struct lo_process_identity *id, const uint8_t *tar,
			      size_t tar_size);

/* The SHA-256 of a file of the boot image (data inside its mapping),
 * computed once per process (libos/spawn.c). */
void lo_image_digest(const uint8_t *data, size_t size, uint8_t out[LO_SHA256_BYTES]);

#endif
