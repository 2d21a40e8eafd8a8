/* The live audit's checks (lightos/audit.h). */
#include "lightos/audit.h"
#include "lightos/runtime.h"
#include "lightos/tar.h"

/* Handles of kinds a program cannot make itself must come from a grant. */
static const char *granted_kind(const struct lo_policy_program *pol, uint32_t type, uint32_t rights)
{
	uint32_t want = type == LO_TYPE_LOG ? LO_POLICY_LOG : 0;
	for (const struct lo_policy_grant *g = pol ? pol->grants : 0; g && g->kind; g++) {
		int kind_ok = want ? g->kind == want
				   : (g->kind == LO_POLICY_ROOT_RESOURCE || g->kind == LO_POLICY_IOPORTS ||
				      g->kind == LO_POLICY_IRQ || g->kind == LO_POLICY_USER);   /* pci's window */
		if (kind_ok && !(rights & ~g->rights))
			return "ok";
	}
	return "NOT GRANTED";
}

/* A job's own authority (creation rights, the census) is what the job
 * grant says, in any job it holds. EXCEPTIONS is left out: a program may
 * handle the faults of a job it made itself. */
static const char *job_authority(const struct lo_policy_program *pol, uint32_t rights)
{
	uint32_t own = rights & LO_RIGHTS_TYPE_MASK & ~LO_RIGHT_JOB_EXCEPTIONS;
	for (const struct lo_policy_grant *g = pol ? pol->grants : 0; own && g && g->kind; g++) {
		if (g->kind == LO_POLICY_JOB)
			own &= ~g->rights;
	}
	if (!own)
		return "ok";
	const uint32_t create = LO_RIGHT_JOB_CREATE_PROCESS | LO_RIGHT_JOB_CREATE_VMO |
				LO_RIGHT_JOB_CREATE_CHANNEL | LO_RIGHT_JOB_CREATE_EVENT |
				LO_RIGHT_JOB_CREATE_PORT | LO_RIGHT_JOB_CREATE_TIMER |
				LO_RIGHT_JOB_CREATE_SYSVAR | LO_RIGHT_JOB_CREATE_JOB |
				LO_RIGHT_JOB_CREATE_REVOKER;
	return own & create ? "CREATE NOT GRANTED" : "NOT GRANTED";
}

const char *lo_audit_handle(const struct lo_policy_program *pol, uint32_t type, uint32_t rights)
{
	for (const struct lo_policy_max *m = pol ? pol->max : 0; m && m->type; m++) {
		if (m->type == type && (rights & ~m->rights))
			return "ABOVE MAX";
	}
	if (type == LO_TYPE_RESOURCE || type == LO_TYPE_LOG)
		return granted_kind(pol, type, rights);
	if (type == LO_TYPE_JOB)
		return job_authority(pol, rights);
	return "ok";
}

const char *lo_audit_identity(const struct lo_process_identity *id, const uint8_t *tar,
			      size_t tar_size)
{
	if (id->attested_by == LO_IDENTITY_KERNEL)
		return "ok";
	if (id->attested_by != LO_IDENTITY_PROCESS)
		return "NOT ATTESTED";
	char path[LO_IDENTITY_PATH_MAX], program[LO_IDENTITY_PATH_MAX];
	lo_memcpy(path, id->path, sizeof(path));
	path[sizeof(path) - 1] = 0;
	lo_program_of_path(path, program, sizeof(program));
	const struct lo_policy_program *pol = lo_policy_for(program);
	char hex[2 * LO_SHA256_BYTES + 1];
	lo_sha256_hex(id->sha256, hex);
	if (pol && pol->digest && pol->digest[0] && lo_strcmp(hex, pol->digest))
		return "DIGEST MISMATCH";
	if (!path[0] || !tar)
		return "ok";   /* bytes from no file: policy default, nothing to compare */
	struct lo_tar_entry e;
	if (lo_tar_find(tar, tar_size, path, &e) != LO_OK)
		return "NOT IN IMAGE";
	uint8_t digest[LO_SHA256_BYTES];
	lo_image_digest(tar + e.offset, e.size, digest);
	return lo_memcmp(digest, id->sha256, LO_SHA256_BYTES) ? "DIFFERS FROM IMAGE" : "ok";
}
