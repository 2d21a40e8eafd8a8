#include "lightos/policy.h"
#include "lightos/runtime.h"

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

uint32_t lo_policy_kind_of_startup(uint32_t startup_kind)
{
	switch (startup_kind) {
	case LO_STARTUP_LOG: return LO_POLICY_LOG;
	case LO_STARTUP_IMAGE: return LO_POLICY_IMAGE;
	case LO_STARTUP_ROOT_RESOURCE: return LO_POLICY_ROOT_RESOURCE;
	case LO_STARTUP_IOPORTS: return LO_POLICY_IOPORTS;
	case LO_STARTUP_IRQ: return LO_POLICY_IRQ;
	case LO_STARTUP_CHANNEL: return LO_POLICY_CHANNEL;
	case LO_STARTUP_ROOT_REGISTRY: return LO_POLICY_REGISTRY;
	case LO_STARTUP_JOB: return LO_POLICY_JOB;
	case LO_STARTUP_CLOCK: return LO_POLICY_CLOCK;
	default: return startup_kind >= LO_STARTUP_USER ? LO_POLICY_USER : 0;
	}
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

status_t lo_policy_apply(const char *program, struct lo_give *give, uint32_t n, const char **why)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t rights = lo_policy_rights(program, give[i].kind, give[i].handle);
		uint32_t exact = 0;
		/* Granted rights beyond what the handle has cannot be added:
		 * replace keeps the intersection by asking for what it holds.
		 * TRANSFER stays for the trip in the startup message; the child
		 * drops it on arrival unless granted (lo_policy_settle). */
		struct lo_object_info info;
		status_t st = rights ? lo_handle_info(give[i].handle, &info) : LO_ERR_ACCESS_DENIED;
		if (st == LO_OK)
			st = lo_handle_replace(give[i].handle, info.rights & (rights | LO_RIGHT_TRANSFER),
					       &exact);
		if (st != LO_OK) {
			if (why)
				*why = "the rights policy does not grant one of the handles";
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
