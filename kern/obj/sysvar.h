/* Sysvars: a small typed value (an integer or a short string), readable
 * with READ and changeable with WRITE. */
#ifndef KERN_OBJ_SYSVAR_H
#define KERN_OBJ_SYSVAR_H

#include <stdint.h>
#include "status.h"
#include "lightos/abi.h"
#include "obj/kobject.h"

struct sysvar {
	struct kobject obj;          /* obj.lock guards the value */
	uint32_t kind;               /* LO_SYSVAR_U64 or LO_SYSVAR_STRING (idl/sysvar.idl) */
	uint32_t length;             /* string bytes */
	uint64_t number;
	char string[LO_SYSVAR_STRING_MAX];
};

status_t sysvar_create(uint32_t kind, struct sysvar **out);
status_t sysvar_set_u64(struct sysvar *v, uint64_t value);
status_t sysvar_get_u64(struct sysvar *v, uint64_t *value);
status_t sysvar_set_string(struct sysvar *v, const char *s, uint32_t len);
/* Copies up to max bytes; *len gets the full length (BUFFER_TOO_SMALL if more). */
status_t sysvar_get_string(struct sysvar *v, char *out, uint32_t max, uint32_t *len);

#endif
