/* Eventhooks: sources, their subscribers and the sessions that reach them
 * (lightos/eventhook.h). */
#include "lightos/eventhook.h"
#include "lightos/runtime.h"
#include "lightos/startup.h"

uint32_t lo_eventhook_post(struct lo_eventhook_source *src, const struct lo_hook_event *ev)
{
	uint32_t delivered = 0;
	src->posted++;
	for (uint32_t i = 0; i < LO_EVENTHOOK_SUBSCRIBERS_MAX; i++) {
		if (!src->subs[i].channel.value)
			continue;
		struct lo_hook_event copy = *ev;
		copy.dropped = src->subs[i].dropped;
		status_t st = lo_channel_write(src->subs[i].channel, &copy, sizeof(copy), NULL, 0);
		if (st == LO_OK) {
			src->subs[i].dropped = 0;
			delivered++;
		} else if (st == LO_ERR_PEER_CLOSED) {
			lo_handle_close(lo_channel_handle(src->subs[i].channel));
			src->subs[i].channel.value = 0;
		} else {
			src->subs[i].dropped++;   /* full (or out of quota): never wait */
		}
	}
	return delivered;
}

static status_t subscribe(struct lo_eventhook_source *src, lo_handle_t channel)
{
	for (uint32_t i = 0; i < LO_EVENTHOOK_SUBSCRIBERS_MAX; i++) {
		if (!src->subs[i].channel.value) {
			src->subs[i].channel = lo_channel_from(channel);
			src->subs[i].dropped = 0;
			return LO_OK;
		}
	}
	return LO_ERR_NO_RESOURCES;
}

/* --- sessions --- */

static status_t on_subscribe(void *ctx, const lo_handle_t *handles)
{
	struct lo_eventhook_session *s = ctx;
	struct lo_object_info info;
	if (lo_handle_info(handles[0], &info) != LO_OK || info.type != LO_TYPE_CHANNEL)
		return LO_ERR_WRONG_TYPE;   /* the serve loop closes it */
	status_t st = subscribe(s->source, handles[0]);
	return st == LO_OK ? LO_OK : st;
}

static status_t on_publish(void *ctx, const struct lo_eventhook_publish_request *req,
			   struct lo_eventhook_publish_response *resp)
{
	struct lo_eventhook_session *s = ctx;
	struct lo_hook_event ev;
	lo_memset(&ev, 0, sizeof(ev));
	ev.kind = req->kind;
	ev.id = req->id;
	ev.code = req->code;
	uint32_t n = req->text_len < sizeof(ev.text) - 1 ? req->text_len : sizeof(ev.text) - 1;
	lo_memcpy(ev.text, req->text, n);
	resp->delivered = lo_eventhook_post(s->source, &ev);
	return LO_OK;
}

static const struct lo_eventhook_server handlers = {
	.subscribe = on_subscribe,
	.publish = on_publish,
};

static status_t open_service(void *arg, void *cookie, uint32_t rights, lo_handle_t *out)
{
	struct lo_eventhook_hub *hub = arg;
	for (uint32_t i = 0; i < LO_EVENTHOOK_SESSIONS; i++) {
		struct lo_eventhook_session *s = &hub->sessions[i];
		if (s->channel.value)
			continue;
		status_t st = lo_service_session_open(hub->host, &s->channel, LO_REGISTRY_HOST_USER_KEY + i, out);
		if (st != LO_OK)
			return st;
		s->source = cookie;
		s->rights = (rights & LO_RIGHT_READ ? LO_EVENTHOOK_RIGHT_READ : 0) |
			    (rights & LO_RIGHT_WRITE ? LO_EVENTHOOK_RIGHT_WRITE : 0);
		return LO_OK;
	}
	return LO_ERR_NO_RESOURCES;
}

static void on_packet(void *arg, uint64_t key)
{
	struct lo_eventhook_hub *hub = arg;
	if (key - LO_REGISTRY_HOST_USER_KEY >= LO_EVENTHOOK_SESSIONS)
		return;
	uint32_t i = (uint32_t)(key - LO_REGISTRY_HOST_USER_KEY);
	struct lo_eventhook_session *s = &hub->sessions[i];
	if (!s->channel.value)
		return;
	status_t st;
	uint32_t served = 0;
	do {
		st = lo_eventhook_serve_one(s->channel, &handlers, s, s->rights);
	} while (st == LO_OK && ++served < LO_REGISTRY_TURN);
	if ((st != LO_OK && st != LO_ERR_SHOULD_WAIT) ||
	    lo_service_session_watch(hub->host, s->channel, key) != LO_OK)
		lo_service_session_end(&s->channel);
}

void lo_eventhook_hub_init(struct lo_eventhook_hub *hub, struct lo_registry_host *host)
{
	lo_memset(hub, 0, sizeof(*hub));
	hub->host = host;
	host->open_service = open_service;
	host->on_packet = on_packet;
	host->service_arg = hub;
}
