#include "lightos/policy.h"
#include "lightos/runtime.h"
#include "lightos/startup.h"

const struct lo_policy_program *lo_policy_for(const char *program)
{
	const struct lo_policy_program *fallback = 0;
	for (const struct lo_policy_program *p = lo_policy; p->name; p++) {
		if (!lo_strcmp(p->name, program))
			return p;
		if (!lo_strcmp(p->name, "default"))
			fallback = p;
	}
	return fallback;
}

void lo_program_of_path(const char *path, char *out, size_t size)
{
	const char *name = "default";
	if (!lo_strncmp(path, "bin/", 4) && path[4]) {
		name = path + 4;
		for (const char *c = name; *c; c++) {
			if (*c == '/')
				name = "default";   /* bin/x/y is no program of ours */
		}
	}
	size_t i = 0;
	for (; name[i] && i + 1 < size; i++)
		out[i] = name[i];
	out[i] = 0;
}

void lo_program_of(lo_process_t p, char *out, size_t size)
{
	struct lo_process_identity id;
	if (lo_process_identity(p, &id) == LO_OK && id.attested_by == LO_IDENTITY_KERNEL) {
		lo_program_of_path("bin/init", out, size);   /* the boot module is init */
		return;
	}
	if (lo_process_identity(p, &id) != LO_OK || id.attested_by != LO_IDENTITY_PROCESS)
		id.path[0] = 0;
	id.path[sizeof(id.path) - 1] = 0;
	lo_program_of_path(id.path, out, size);
}

const char *lo_policy_driver_for(uint32_t vendor, uint32_t device)
{
	for (const struct lo_policy_driver *d = lo_policy_drivers; d->program; d++)
		if (d->vendor == vendor && d->device == device)
			return d->program;
	return 0;
}

/* The startup kind each grant kind's handle arrives as ("user N" grants:
 * LO_STARTUP_USER + N). */
static const uint32_t startup_of[] = {
	[LO_POLICY_LOG] = LO_STARTUP_LOG,
	[LO_POLICY_IMAGE] = LO_STARTUP_IMAGE,
	[LO_POLICY_ROOT_RESOURCE] = LO_STARTUP_ROOT_RESOURCE,
	[LO_POLICY_IOPORTS] = LO_STARTUP_IOPORTS,
	[LO_POLICY_IRQ] = LO_STARTUP_IRQ,
	[LO_POLICY_CHANNEL] = LO_STARTUP_CHANNEL,
	[LO_POLICY_REGISTRY] = LO_STARTUP_ROOT_REGISTRY,
	[LO_POLICY_USER] = LO_STARTUP_USER,
	[LO_POLICY_JOB] = LO_STARTUP_JOB,
	[LO_POLICY_CLOCK] = LO_STARTUP_CLOCK,
};

uint32_t lo_policy_kind_of_startup(uint32_t startup_kind)
{
	if (startup_kind >= LO_STARTUP_USER)
		return LO_POLICY_USER;
	for (uint32_t kind = 1; kind < sizeof(startup_of) / sizeof(startup_of[0]); kind++) {
		if (startup_kind && startup_of[kind] == startup_kind)
			return kind;
	}
	return 0;
}

uint32_t lo_policy_startup_kind(const struct lo_policy_grant *g)
{
	if (g->kind >= sizeof(startup_of) / sizeof(startup_of[0]))
		return 0;
	return startup_of[g->kind] + (g->kind == LO_POLICY_USER ? g->arg0 : 0);
}

/* Does the resource behind h cover exactly what the grant names? */
static int resource_matches(lo_handle_t h, const struct lo_policy_grant *g)
{
	struct lo_resource_info info;
	if (lo_resource_info(lo_resource_from(h), &info) != LO_OK)
		return 0;
	if (g->kind == LO_POLICY_IOPORTS)
		return info.kind == LO_RESOURCE_IOPORT && info.base == g->arg0 && info.size == g->arg1;
	if (g->kind == LO_POLICY_IRQ)
		return info.kind == LO_RESOURCE_IRQ && info.base == g->arg0 && info.size == 1;
	return info.kind == LO_RESOURCE_ROOT;
}

static const struct lo_policy_grant *find_grant(const struct lo_policy_program *p, uint32_t kind,
						lo_handle_t h, uint32_t user_index)
{
	for (const struct lo_policy_grant *g = p ? p->grants : 0; g && g->kind; g++) {
		if (g->kind != kind)
			continue;
		if ((kind == LO_POLICY_IOPORTS || kind == LO_POLICY_IRQ || kind == LO_POLICY_ROOT_RESOURCE) &&
		    !resource_matches(h, g))
			continue;
		if (kind == LO_POLICY_USER && g->arg0 != user_index)
			continue;
		return g;
	}
	return 0;
}

/* Registry grants all arrive on one root connection (a channel); what each
 * allows in its registry is the server's to enforce (connection rights). */
static uint32_t registry_rights(const struct lo_policy_program *p)
{
	for (const struct lo_policy_grant *g = p ? p->grants : 0; g && g->kind; g++) {
		if (g->kind == LO_POLICY_REGISTRY)
			return LO_POLICY_REGISTRY_CHANNEL_RIGHTS;
	}
	return 0;
}

uint32_t lo_policy_rights(const char *program, uint32_t startup_kind, lo_handle_t h)
{
	const struct lo_policy_program *p = lo_policy_for(program);
	uint32_t kind = lo_policy_kind_of_startup(startup_kind);
	if (kind == LO_POLICY_REGISTRY)
		return registry_rights(p);
	const struct lo_policy_grant *g = kind ? find_grant(p, kind, h, startup_kind - LO_STARTUP_USER) : 0;
	return g ? g->rights : 0;
}

/* Is the grant `program` gets a handle under revocable? */
static bool revocable(const char *program, uint32_t startup_kind, lo_handle_t h)
{
	const struct lo_policy_program *p = lo_policy_for(program);
	uint32_t kind = lo_policy_kind_of_startup(startup_kind);
	if (kind == LO_POLICY_REGISTRY) {
		for (const struct lo_policy_grant *g = p ? p->grants : 0; g && g->kind; g++) {
			if (g->kind == LO_POLICY_REGISTRY && g->revocable)
				return true;
		}
		return false;
	}
	const struct lo_policy_grant *g = kind ? find_grant(p, kind, h, startup_kind - LO_STARTUP_USER) : 0;
	return g && g->revocable;
}

/* Replace *h by a grant of `rights` through a new revoker, kept in
 * revokers[*nrevokers]. The original goes. */
static status_t make_revocable(lo_handle_t *h, uint32_t rights, lo_revoker_t *revokers,
			       uint32_t *nrevokers)
{
	lo_revoker_t r;
	uint32_t granted = 0;
	status_t st = lo_revoker_create(lo_job_self(), &r);
	if (st != LO_OK)
		return st;
	st = lo_revoker_grant(r, *h, rights, &granted);
	if (st != LO_OK) {
		lo_handle_close(lo_revoker_handle(r));
		return st;
	}
	lo_handle_close(*h);
	h->value = granted;
	revokers[(*nrevokers)++] = r;
	return LO_OK;
}

status_t lo_policy_apply(const char *program, struct lo_give *give, uint32_t n, const char **why,
			 lo_revoker_t *revokers, uint32_t *nrevokers)
{
	const struct lo_policy_program *p = lo_policy_for(program);
	if (nrevokers)
		*nrevokers = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t rights = lo_policy_rights(program, give[i].kind, give[i].handle);
		/* An untrusted program is never handed anything it could pass on. */
		bool leak = p && p->untrusted && (rights & LO_RIGHT_TRANSFER);
		if (leak)
			rights = 0;
		uint32_t exact = 0;
		/* Granted rights beyond what the handle has cannot be added:
		 * replace keeps the intersection by asking for what it holds.
		 * TRANSFER stays for the trip in the startup message; the child
		 * drops it on arrival unless granted (lo_policy_settle). */
		struct lo_object_info info;
		status_t st = rights ? lo_handle_info(give[i].handle, &info) : LO_ERR_ACCESS_DENIED;
		/* A revocable grant is made through a revoker the spawner keeps;
		 * a spawner that cannot keep one does not give it at all. */
		bool lease = st == LO_OK && revocable(program, give[i].kind, give[i].handle);
		if (lease && !nrevokers)
			st = LO_ERR_ACCESS_DENIED;
		else if (lease)
			st = make_revocable(&give[i].handle, info.rights & (rights | LO_RIGHT_TRANSFER),
					    revokers, nrevokers);
		if (st == LO_OK && lease)
			exact = give[i].handle.value;
		else if (st == LO_OK)
			st = lo_handle_replace(give[i].handle, info.rights & (rights | LO_RIGHT_TRANSFER),
					       &exact);
		if (st != LO_OK) {
			if (why)
				*why = leak ? "the program is untrusted: no handle with TRANSFER may reach it"
				     : lease ? "a revocable grant needs a spawner that keeps its revoker, "
					       "and DUPLICATE on the handle"
					     : "the rights policy does not grant one of the handles";
			for (uint32_t j = 0; nrevokers && j < *nrevokers; j++)
				lo_handle_close(lo_revoker_handle(revokers[j]));   /* revokes */
			if (nrevokers)
				*nrevokers = 0;
			/* Refused: nothing goes in, and every handle is closed (the
			 * ones before i were already replaced in give[]). */
			for (uint32_t j = 0; j < n; j++)
				lo_handle_close(give[j].handle);
			return LO_ERR_ACCESS_DENIED;
		}
		give[i].handle.value = exact;
	}
	return LO_OK;
}

void lo_policy_settle(const char *program, uint32_t startup_kind, lo_handle_t *h)
{
	uint32_t rights = lo_policy_rights(program, startup_kind, *h);
	struct lo_object_info info;
	uint32_t exact = 0;
	if (rights && !(rights & LO_RIGHT_TRANSFER) && lo_handle_info(*h, &info) == LO_OK &&
	    lo_handle_replace(*h, info.rights & ~LO_RIGHT_TRANSFER, &exact) == LO_OK)
		h->value = exact;
}
