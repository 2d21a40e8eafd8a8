/* Eventhooks (idl/eventhook.idl): event sources a registry server offers
 * in event:, each open a session of its own. A subscriber gives a channel
 * end; every event goes to it as one struct lo_hook_event message. Posting
 * never waits: a subscriber whose channel is full loses the event, and the
 * next one it gets says how many it lost (`dropped`); one whose channel is
 * closed is forgotten. At most LO_EVENTHOOK_SUBSCRIBERS_MAX per source.
 *
 * A server makes a hub on its registry host (lo_eventhook_hub_init), adds
 * each source as a service entry (lo_registry_add_service with the source
 * as cookie; without WRITE in its rights nobody may publish there), and
 * posts with lo_eventhook_post. */
#ifndef LIGHTOS_EVENTHOOK_H
#define LIGHTOS_EVENTHOOK_H

#include "lightos/registry_server.h"
#include "lightos/protocols.h"

#define LO_EVENTHOOK_SESSIONS 32   /* open sessions per hub */

struct lo_eventhook_source {
	struct {
		lo_channel_t channel;   /* 0: free */
		uint32_t dropped;       /* lost since its last delivered event */
	} subs[LO_EVENTHOOK_SUBSCRIBERS_MAX];
	uint64_t posted;            /* events posted, for tests */
};

struct lo_eventhook_hub {
	struct lo_registry_host *host;
	struct lo_eventhook_session {
		lo_channel_t channel;   /* 0: free */
		uint32_t rights;        /* LO_EVENTHOOK_RIGHT_* */
		struct lo_eventhook_source *source;
	} sessions[LO_EVENTHOOK_SESSIONS];
};

/* Serve the sources' sessions on host (sets its open_service and
 * on_packet hooks). */
void lo_eventhook_hub_init(struct lo_eventhook_hub *hub, struct lo_registry_host *host);
/* Deliver ev to every subscriber of src; returns how many got it. */
uint32_t lo_eventhook_post(struct lo_eventhook_source *src, const struct lo_hook_event *ev);

#endif
