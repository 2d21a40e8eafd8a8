/* A registry host served by a second thread of the test process, for the
 * registry and server tests: start() makes a root registry and a
 * connection to it, finish() shuts it all down and checks nothing is left.
 * Each file that includes this has a host of its own. */
#ifndef UTEST_REGISTRY_FIXTURE_H
#define UTEST_REGISTRY_FIXTURE_H

#include "utest.h"
#include "lightos/registry_server.h"
#include "lightos/thread.h"

static struct lo_registry_host host;
static volatile int stop_serving;

static inline void serve(void *arg)
{
	(void)arg;
	while (!stop_serving)
		lo_registry_host_serve(&host, lo_deadline_after_ms(20));
}

struct fixture {
	lo_thread_t server;
	struct lo_registry *root;
	lo_channel_t conn;
};

static inline int start(struct fixture *f)
{
	stop_serving = 0;
	if (!CHECK_ST(lo_registry_host_init(&host), LO_OK))
		return 0;
	f->root = lo_registry_create(&host, "root");
	if (!CHECK_ST(lo_registry_connect(&host, f->root, &f->conn), LO_OK))
		return 0;
	return CHECK_ST(lo_thread_run(serve, NULL, "registry", &f->server), LO_OK);
}

static inline void finish(struct fixture *f)
{
	lo_handle_close(lo_channel_handle(f->conn));
	stop_serving = 1;
	CHECK_ST(lo_thread_join(f->server, lo_deadline_after_ms(5000)), LO_OK);
	/* Connections still open on the host side go with the port. */
	lo_registry_host_shutdown(&host);
	lo_registry_release(&host, f->root);
	CHECK(host.live_registries == 0);
	CHECK(host.live_watches == 0);
}

#endif
