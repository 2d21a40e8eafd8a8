/* drivers: as a registry server sees it. Whoever starts drivers (init)
 * lists each one in a registry; every open of an entry is a session of its
 * own speaking the driver protocol (idl/driver.idl), answered from what
 * the starter knows: the driver's name, the devices it serves, and its
 * process handle (a killed or crashed driver answers `ended`).
 *
 * The sessions are served by the registry host's thread: init sets the
 * host's open_service and on_packet hooks, and hands on what is not its own
 * to the hooks that were there before (an eventhook hub, for one). */
#ifndef LIGHTOS_DRIVER_REGISTRY_H
#define LIGHTOS_DRIVER_REGISTRY_H

#include "lightos/registry_server.h"
#include "lightos/protocols.h"
#include "lightos/eventhook.h"

#define LO_DRIVER_REGISTRY_DRIVERS 16    /* drivers listed */
#define LO_DRIVER_REGISTRY_SESSIONS 32   /* open sessions */
/* Port keys of the sessions: above the eventhook hub's. */
#define LO_DRIVER_REGISTRY_KEY (LO_REGISTRY_HOST_USER_KEY + 0x100)

struct lo_driver_registry {
	struct lo_registry_host *host;
	struct lo_registry *reg;
	struct lo_driver_record {
		char name[32];          /* "": slot free */
		char devices[64];       /* comma-separated */
		lo_process_t process;
		uint64_t pid;
	} drivers[LO_DRIVER_REGISTRY_DRIVERS];
	struct lo_driver_session {
		lo_channel_t channel;   /* 0: free */
		uint32_t rights;        /* LO_DRIVER_RIGHT_* */
		struct lo_driver_record *driver;
	} sessions[LO_DRIVER_REGISTRY_SESSIONS];
	/* Where a listed driver (hook_driver_started) and each device it
	 * serves (hook_device_added) are posted; NULL: nowhere. */
	struct lo_eventhook_source *driver_events, *device_events;
	/* The host's hooks before ours: what is not a driver goes there. */
	status_t (*next_open)(void *arg, void *cookie, uint32_t rights, lo_handle_t *out);
	void (*next_packet)(void *arg, uint64_t key);
	void *next_arg;
};

/* Serve the driver entries of `reg` (a registry of `host`). */
void lo_driver_registry_init(struct lo_driver_registry *dr, struct lo_registry_host *host,
			     struct lo_registry *reg);
/* List a driver: `process` (moves in) needs INSPECT; `devices` may be "".
 * An open of the entry with READ gets a session with INFO. */
status_t lo_driver_registry_add(struct lo_driver_registry *dr, const char *name,
				lo_process_t process, const char *devices);
/* Add a device to the list of one the driver `name` serves. */
status_t lo_driver_registry_add_device(struct lo_driver_registry *dr, const char *name,
				       const char *device);
/* Close every session and every driver's process handle, and give the
 * host back its hooks (the entries stay until their registry goes). */
void lo_driver_registry_shutdown(struct lo_driver_registry *dr);

#endif
