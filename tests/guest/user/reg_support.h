/* Helpers shared by the registry guest tests (test_registry.c,
 * test_regname.c, test_regfault.c, test_regrights.c): one-call forms of
 * the registry protocol's edits, a registry server in a child process,
 * and the loop of a hand-written server on a thread. Each edit returns
 * the transport error if the call failed, else the server's status. */
#ifndef UTEST_REG_SUPPORT_H
#define UTEST_REG_SUPPORT_H

#include "lightos/registry_server.h"

int32_t reg_bind(lo_channel_t reg, const char *path, lo_handle_t h, uint32_t rights);
int32_t reg_unbind(lo_channel_t reg, const char *path);
int32_t reg_mkreg(lo_channel_t reg, const char *path);
int32_t reg_link(lo_channel_t reg, const char *path, const char *target);
int32_t reg_mount(lo_channel_t reg, const char *path, lo_channel_t other);

/* A new event, all default rights (checked to succeed). */
lo_handle_t reg_new_event(void);
/* A new event bound at `path` with `rights` (checked): its object id. */
uint64_t reg_bind_event(lo_channel_t reg, const char *path, uint32_t rights);
void reg_close(lo_channel_t ch);
/* The rights `h` holds, or 0 if it is no handle. */
uint32_t reg_rights_of(lo_handle_t h);

/* A registry server in a child process (child.c's `mode`, e.g. "regserve",
 * whose root holds "thing", an event); *conn: a connection to its root.
 * Returns 0 (after a failed CHECK) if it did not start. */
int reg_spawn_server(const char *mode, lo_process_t *p, lo_channel_t *conn);
/* Whether process p ended within 5 s; its handle is closed either way. */
int reg_ended(lo_process_t p);

/* For a test server's handler: the one handle of its answer, a duplicate
 * of obj with `rights` (and TRANSFER, to travel). */
status_t reg_answer_handle(lo_handle_t obj, uint32_t rights, lo_handle_t *handles,
			   uint32_t *nhandles);

/* Serve requests on `end` with `server` until *stop is set (checked every
 * 20 ms), for test servers that run on a thread of their own. */
void reg_serve_until(lo_channel_t end, const struct lo_registry_server *server,
		     volatile int *stop);

#endif
