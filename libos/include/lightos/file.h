/* Files by name, for programs: one small client of the file protocol
 * (idl/file.idl). lo_fopen("files:/disk/note.txt", LO_FOPEN_READ, &f) asks
 * the registry for the name; a file server (fatfs, the console) answers
 * with a session of its own, a channel speaking the file protocol. An entry
 * that holds a plain VMO is read and written in place, so every program
 * can use one API while servers move to sessions.
 *
 * Rights: the open asks for READ (LO_FOPEN_READ, and any write: writing a
 * VMO in place needs its size) and WRITE (LO_FOPEN_WRITE or _TRUNCATE) on
 * the object. A file server makes those the session's rights (WRITE only
 * through a WRITABLE connection) and checks them on every request; the
 * channel itself comes with what talking takes (READ | WRITE | WAIT). */
#ifndef LIGHTOS_FILE_H
#define LIGHTOS_FILE_H

#include "lightos/runtime.h"

#define LO_FOPEN_READ     0x1u
#define LO_FOPEN_WRITE    0x2u
#define LO_FOPEN_CREATE   0x4u   /* make an empty file when the name is free */
#define LO_FOPEN_TRUNCATE 0x8u   /* start empty */

struct lo_file {
	lo_channel_t session;   /* a file-protocol session, or 0 */
	lo_vmo_t vmo;           /* or a VMO read in place */
	uint64_t pos;           /* the VMO's position (a session keeps its own) */
};

status_t lo_fopen(const char *name, uint32_t flags, struct lo_file *f);
/* Bytes read (0 at the end) or written, or a status < 0. */
int64_t lo_fread(struct lo_file *f, void *buf, uint32_t len);
int64_t lo_fwrite(struct lo_file *f, const void *buf, uint32_t len);
status_t lo_fsize(struct lo_file *f, uint64_t *size);
status_t lo_ftruncate(struct lo_file *f, uint64_t size);
/* The file's changes are on the device when this returns LO_OK. */
status_t lo_fsync(struct lo_file *f);
/* Close; the status is the server's (a disk file is synced on close). */
status_t lo_fclose(struct lo_file *f);

/* Move "<registry>:<path>" `from` to `to` in one step, when one server
 * holds both names; LO_ERR_NOT_SUPPORTED when none does (copy instead). */
status_t lo_rename(const char *from, const char *to);

#endif
