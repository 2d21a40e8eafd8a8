/* Starting programs: loading is done here, in user space, with process,
 * VMO and thread system calls. The kernel loads nothing but init. */
#ifndef LIGHTOS_SPAWN_H
#define LIGHTOS_SPAWN_H

#include <stdint.h>
#include <stddef.h>
#include "lightos/syscalls.h"

/* A handle to give the new program, and the kind it appears under in its
 * startup message (LO_STARTUP_*). The handle moves: the caller loses it. */
struct lo_give {
	uint32_t kind;
	lo_handle_t handle;
};

#define LO_SPAWN_MAX_GIVE 12
#define LO_SPAWN_STACK    (64 * 1024)

/* Load the ELF executable in `elf` (size bytes) as a new process named
 * `name`, give it `args` and the handles in `give`, and start it. The new
 * program also gets handles to its own process and thread, and, as far as
 * the policy grants them, to the clock and to the job it runs in: the one
 * given with kind LO_STARTUP_JOB (which needs CREATE_PROCESS and
 * CREATE_VMO), else the caller's own. On success
 * *process is a handle to it (wait on LO_SIG_PROCESS_TERMINATED). On
 * failure the given handles are closed and *why may name the problem. */
status_t lo_spawn(const uint8_t *elf, size_t size, const char *name, const char *args,
		  const struct lo_give *give, uint32_t ngive, lo_process_t *process,
		  const char **why);

/* The same for a file in the boot image (a ustar archive in a VMO). The
 * policy applied is that of the program the path names (bin/NAME: NAME). */
status_t lo_spawn_from_image(lo_vmo_t image, const char *path, const char *args,
			     const struct lo_give *give, uint32_t ngive,
			     lo_process_t *process, const char **why);
/* The same, for a program whose policy has `revocable` grants: each is made
 * through a revoker returned in revokers[] (room for LO_SPAWN_MAX_GIVE + 2;
 * *nrevokers of them). Revoke (or close) one to take that grant back from
 * the child and from everything it passed it to. lo_spawn_from_image
 * refuses such a program. */
status_t lo_spawn_from_image_revocable(lo_vmo_t image, const char *path, const char *args,
				       const struct lo_give *give, uint32_t ngive,
				       lo_process_t *process, const char **why,
				       lo_revoker_t *revokers, uint32_t *nrevokers);

/* A child job of `parent` with `percent` of each quota the parent has
 * left (reserved from it while the child lives). Needs INSPECT and
 * CREATE_JOB on parent. */
status_t lo_job_create_share(lo_job_t parent, uint32_t percent, lo_job_t *job);

/* Map a whole VMO read-only into this process: for reading the image. */
status_t lo_map_readonly(lo_vmo_t vmo, const uint8_t **data, size_t *size);

#endif
