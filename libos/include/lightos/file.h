/* Files and devices: one client API over the file protocol (idl/file.idl).
 *
 * lo_fopen resolves "<registry>:<path>" and opens a session: a file of
 * files: or a device of dev: answers with a channel of its own (its READ
 * and WRITE are what the open was granted). A registry entry that holds a
 * plain VMO (a file bound by a client, or a file system that hands out
 * copies) is read and written in place through the same calls, so a
 * program never needs to know which it got. */
#ifndef LIGHTOS_FILE_H
#define LIGHTOS_FILE_H

#include "lightos/syscalls.h"

struct lo_file {
	lo_channel_t session;   /* a file-protocol session, or 0 */
	lo_vmo_t vmo;           /* a VMO read in place, or 0 */
	uint64_t position;      /* the VMO's; a session keeps its own */
};

/* Open `name` for `rights` (LO_RIGHT_READ, LO_RIGHT_WRITE). WRONG_TYPE for
 * an object that is neither a session nor a VMO. */
status_t lo_fopen(const char *name, uint32_t rights, struct lo_file *f);
/* Up to max bytes at the position (*got 0: the end). A device's read waits
 * for input. */
status_t lo_fread(struct lo_file *f, void *buf, uint32_t max, uint32_t *got);
/* All of len bytes at the position (in pieces of LO_FILE_DATA_MAX). */
status_t lo_fwrite(struct lo_file *f, const void *buf, uint32_t len);
/* whence 0: from the start, 1: the position, 2: the end. */
status_t lo_fseek(struct lo_file *f, int64_t offset, uint32_t whence, uint64_t *position);
/* Size, and kind: 1 file, 2 directory, 3 character device. */
status_t lo_fstat(struct lo_file *f, uint64_t *size, uint32_t *kind);
status_t lo_ftruncate(struct lo_file *f, uint64_t size);
/* Ends the session (the server frees its state) and closes the handle. */
status_t lo_fclose(struct lo_file *f);

#endif
