#include "namespace.h"
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/policy.h"

#define VERSION "LightOS 0.1"

static void add_sysvar(struct namespace *ns, struct lo_registry *reg, const char *name,
		       const char *text, uint32_t rights)
{
	lo_sysvar_t v;
	if (lo_sysvar_create(lo_job_self(), LO_SYSVAR_STRING, &v) != LO_OK)
		return;
	lo_sysvar_set_string(v, text, (uint32_t)lo_strlen(text));
	lo_registry_add(&ns->host, reg, name, lo_sysvar_handle(v), rights);
}

status_t namespace_build(struct namespace *ns)
{
	status_t st = lo_registry_host_init(&ns->host);
	if (st != LO_OK)
		return st;
	struct {
		struct lo_registry **reg;
		const char *name;
	} roots[] = {
		{ &ns->files, "files" }, { &ns->sysvar, "sysvar" },
		{ &ns->dev, "dev" }, { &ns->drivers, "drivers" }, { &ns->event, "event" },
	};
	ns->root = lo_registry_create(&ns->host, "root");
	for (unsigned i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		*roots[i].reg = lo_registry_create(&ns->host, roots[i].name);
		if (!ns->root || !*roots[i].reg)
			return LO_ERR_NO_MEMORY;
		lo_registry_add_registry(&ns->host, ns->root, roots[i].name, *roots[i].reg);
	}
	/* The hub first: the driver list hands it the sessions not its own. */
	lo_eventhook_hub_init(&ns->hub, &ns->host);
	const uint32_t subscribe_only = LO_RIGHT_READ | LO_RIGHT_WAIT | LO_RIGHT_INSPECT;
	lo_registry_add_service(&ns->host, ns->event, "driver", subscribe_only, &ns->driver_events);
	lo_registry_add_service(&ns->host, ns->event, "device", subscribe_only, &ns->device_events);
	lo_driver_registry_init(&ns->driver_list, &ns->host, ns->drivers);
	ns->driver_list.driver_events = &ns->driver_events;
	ns->driver_list.device_events = &ns->device_events;
	const uint32_t ro = LO_RIGHT_READ | LO_RIGHT_INSPECT | LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER |
			    LO_RIGHT_WAIT;
	add_sysvar(ns, ns->sysvar, "version", VERSION, ro);
	struct lo_registry *boot = lo_registry_create(&ns->host, "boot");
	lo_registry_add_registry(&ns->host, ns->sysvar, "boot", boot);
	lo_registry_release(&ns->host, boot);
	add_sysvar(ns, boot, "cmdline", lo_startup_args(), ro);
	add_sysvar(ns, ns->sysvar, "greeting", "hello", ro | LO_RIGHT_WRITE);
	return LO_OK;
}

/* The registry at `path` under reg (this host's own registries), or NULL. */
static struct lo_registry *subtree(struct lo_registry *reg, const char *path)
{
	const char *start, *rest = path;
	while (reg && *rest) {
		char name[LO_REGISTRY_NAME_MAX + 1];
		size_t n = lo_path_first(rest, &start, &rest);
		if (n == 0 || n > LO_REGISTRY_NAME_MAX)
			break;
		lo_memcpy(name, start, n);
		name[n] = '\0';
		reg = lo_registry_grant_point(reg, name);   /* files:/disk is a mount */
	}
	return reg;
}

/* A program's root namespace: the registries its policy grants, each entry
 * with the policy's connection rights, carried by the connection as
 * subtree grants (so a registry's grant is not cut by the root's rights).
 * The root itself may be listed, opened and watched, not edited. */
status_t namespace_connect_for(struct namespace *ns, const char *program, lo_channel_t *client)
{
	const struct lo_policy_program *p = lo_policy_for(program);
	struct lo_registry *root = lo_registry_create(&ns->host, program);
	if (!root)
		return LO_ERR_NO_MEMORY;
	struct lo_registry_subgrant sub[LO_REGISTRY_SUBGRANTS + 1];
	uint32_t nsub = 0;
	lo_memset(sub, 0, sizeof(sub));
	for (const struct lo_policy_grant *g = p ? p->grants : 0; g && g->kind; g++) {
		struct lo_registry *reg;
		if (g->kind != LO_POLICY_REGISTRY)
			continue;
		/* init's own registry, or the anchor of one another process
		 * serves (proc: and thread: are procd's mounts). */
		if (!(reg = lo_registry_grant_point(ns->root, g->name)))
			continue;
		/* The grant's rights hold in that registry (or subtree) whatever
		 * the root connection has: a subtree grant on the connection. */
		if (!g->path || !g->path[0])
			lo_registry_add_alias(&ns->host, root, g->name, ns->root, g->name, g->rights);
		struct lo_registry *at = g->path && g->path[0] ? subtree(reg, g->path) : reg;
		if (at && nsub < LO_REGISTRY_SUBGRANTS)
			sub[nsub++] = (struct lo_registry_subgrant){ at, g->rights };
	}
	status_t st = lo_registry_connect_as(&ns->host, root, LO_REGISTRY_RIGHT_ENUMERATE |
					     LO_REGISTRY_RIGHT_OPEN | LO_REGISTRY_RIGHT_WATCH, sub, client);
	lo_registry_release(&ns->host, root);   /* the connection keeps it */
	return st;
}
