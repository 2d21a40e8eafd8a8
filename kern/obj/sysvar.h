/* Sysvars: a small typed value (an integer or a short string), readable
 * with READ and changeable with WRITE. */
#ifndef KERN_OBJ_SYSVAR_H
#define KERN_OBJ_SYSVAR_H

#include <stdint.h>
#include "status.h"
#include "obj/kobject.h"

#define SYSVAR_MAX_STRING 256

enum sysvar_kind { SYSVAR_U64 = 1, SYSVAR_STRING = 2 };

struct sysvar {
	struct kobject obj;          /* obj.lock guards the value */
	uint32_t kind;
	uint32_t length;             /* string bytes */
	uint64_t number;
	char string[SYSVAR_MAX_STRING];
};

status_t sysvar_create(uint32_t kind, struct sysvar **out);
status_t sysvar_set_u64(struct sysvar *v, uint64_t value);
status_t sysvar_get_u64(struct sysvar *v, uint64_t *value);
status_t sysvar_set_string(struct sysvar *v, const char *s, uint32_t len);
/* Copies up to max bytes; *len gets the full length (BUFFER_TOO_SMALL if more). */
status_t sysvar_get_string(struct sysvar *v, char *out, uint32_t max, uint32_t *len);

#endif
