/* Reading a ustar archive (the boot image): find a file, list a directory.
 * Pure code over a byte array, fuzzed and tested on the host. */
#ifndef LIGHTOS_TAR_H
#define LIGHTOS_TAR_H

#include <stdint.h>
#include <stddef.h>
#include "status.h"

#define LO_TAR_NAME_MAX 100

struct lo_tar_entry {
	char name[LO_TAR_NAME_MAX + 1];   /* without a leading "./" or "/" */
	uint64_t offset;                  /* of the contents in the archive */
	uint64_t size;
	int is_dir;
	int is_pax;   /* a pax header: lo_tar_next never returns one */
};

/* The entry after the one at *cursor (start with 0). LO_ERR_NOT_FOUND at the
 * end, LO_ERR_BAD_FORMAT for a corrupt header. */
status_t lo_tar_next(const uint8_t *tar, size_t size, uint64_t *cursor, struct lo_tar_entry *out);
/* The entry named `path` (leading '/' ignored). */
status_t lo_tar_find(const uint8_t *tar, size_t size, const char *path, struct lo_tar_entry *out);

#endif
