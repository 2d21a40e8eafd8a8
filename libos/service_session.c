/* Sessions of a host's service entries (lightos/registry_server.h): one
 * channel per open, its server end watched on the host's port under the
 * session's own key. The eventhook hub and the drivers: list both use
 * these; each serves its own protocol on the channel. */
#include "lightos/registry_server.h"
#include "lightos/runtime.h"
#include "lightos/startup.h"

status_t lo_service_session_watch(struct lo_registry_host *host, lo_channel_t session, uint64_t key)
{
	return lo_port_bind(host->port, lo_channel_handle(session),
			    LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED, key);
}

void lo_service_session_end(lo_channel_t *session)
{
	lo_handle_close(lo_channel_handle(*session));
	session->value = 0;
}

status_t lo_service_session_open(struct lo_registry_host *host, lo_channel_t *session, uint64_t key,
				 lo_handle_t *client_out)
{
	lo_channel_t client;
	status_t st = lo_channel_create(lo_job_self(), session, &client);
	if (st != LO_OK) {
		session->value = 0;
		return st;
	}
	if ((st = lo_service_session_watch(host, *session, key)) != LO_OK) {
		lo_service_session_end(session);
		lo_handle_close(lo_channel_handle(client));
		return st;
	}
	*client_out = lo_channel_handle(client);
	return LO_OK;
}
