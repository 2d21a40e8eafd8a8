/* Referrals a registry host hands out to be kept (resolve_keep).
 *
 * A client that keeps the connection a mount referred it to opens there
 * directly next time, one round trip instead of two. The host hands that
 * connection out as a grant through a revoker of its own, so it can take
 * it back: when an entry its path crossed goes (the path may name
 * something else now) and when the connection it was asked on closes.
 * Room is bounded (in all, per mount, one per client and mount): a client
 * past it is answered by forwarding, as without the flag. */
#include "lightos/startup.h"
#include "lightos/registry_server.h"
#include "lightos/runtime.h"

static void kept_revoke(struct lo_registry_host *host, struct lo_registry_kept *k)
{
	lo_handle_close(lo_revoker_handle(k->revoker));   /* its last handle: revokes */
	k->revoker.value = 0;
	host->kept_live--;
}

/* A free slot for (client, mount). NULL: no room, or the client has a
 * live referral there already (another of its threads may be using it:
 * the caller forwards instead of taking it back; and one client with many
 * connections cannot take every referral of a mount). */
struct lo_registry_kept *lo_registry_kept_slot(struct lo_registry_host *host, uint32_t client,
					       const void *mount)
{
	struct lo_registry_kept *free_slot = NULL;
	uint32_t at_mount = 0;
	for (uint32_t i = 0; i < LO_REGISTRY_HOST_KEPT; i++) {
		struct lo_registry_kept *k = &host->kept[i];
		if (k->revoker.value && k->mount == mount && k->client == client)
			return NULL;
		if (!k->revoker.value) {
			if (!free_slot)
				free_slot = k;
		} else if (k->mount == mount) {
			at_mount++;
		}
	}
	return at_mount < LO_REGISTRY_MOUNT_KEPT ? free_slot : NULL;
}

/* Replace *h (a connection from the mounted server) by a grant of it
 * through a new revoker, kept in k; on_path: the entries the path crossed,
 * the mount last. */
status_t lo_registry_kept_grant(struct lo_registry_host *host, struct lo_registry_kept *k, uint32_t conn,
				uint32_t client, const void *const *on_path, uint32_t path_len, lo_handle_t *h)
{
	if (path_len == 0 || path_len > LO_REGISTRY_KEPT_PATH)
		return LO_ERR_OUT_OF_RANGE;
	struct lo_object_info info;
	status_t st = lo_handle_info(*h, &info);
	if (st != LO_OK)
		return st;
	lo_revoker_t r;
	st = lo_revoker_create(lo_job_self(), &r);
	if (st != LO_OK)
		return st;
	uint32_t granted = 0;
	st = lo_revoker_grant(r, *h, info.rights, &granted);
	if (st != LO_OK) {
		lo_handle_close(lo_revoker_handle(r));
		return st;
	}
	lo_handle_close(*h);
	h->value = granted;
	k->revoker = r;
	k->conn = conn;
	k->client = client;
	k->mount = on_path[path_len - 1];
	for (uint32_t i = 0; i < path_len; i++)
		k->on_path[i] = on_path[i];
	k->path_len = path_len;
	host->kept_live++;
	return LO_OK;
}

void lo_registry_kept_revoke_conn(struct lo_registry_host *host, uint32_t conn)
{
	for (uint32_t i = 0; host->kept_live && i < LO_REGISTRY_HOST_KEPT; i++) {
		if (host->kept[i].revoker.value && host->kept[i].conn == conn)
			kept_revoke(host, &host->kept[i]);
	}
}

void lo_registry_kept_revoke_entry(struct lo_registry_host *host, const void *entry)
{
	for (uint32_t i = 0; host->kept_live && i < LO_REGISTRY_HOST_KEPT; i++) {
		struct lo_registry_kept *k = &host->kept[i];
		for (uint32_t j = 0; k->revoker.value && j < k->path_len; j++) {
			if (k->on_path[j] == entry)
				kept_revoke(host, k);
		}
	}
}

void lo_registry_kept_revoke_all(struct lo_registry_host *host)
{
	for (uint32_t i = 0; host->kept_live && i < LO_REGISTRY_HOST_KEPT; i++) {
		if (host->kept[i].revoker.value)
			kept_revoke(host, &host->kept[i]);
	}
}

uint32_t lo_registry_kept_live(struct lo_registry_host *host)
{
	return host->kept_live;
}
