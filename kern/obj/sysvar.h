/* Sysvars: a small typed value (an integer or a short string), readable
 * with READ and changeable with WRITE. */
#ifndef KERN_OBJ_SYSVAR_H
#define KERN_OBJ_SYSVAR_H

#include <stdint.h>
#include "status.h"
#include "obj/kobject.h"
#include "k_objects.h"   /* generated: the system calls this object implements */

#define SYSVAR_MAX_STRING 256

enum sysvar_kind { SYSVAR_U64 = 1, SYSVAR_STRING = 2 };

struct sysvar {
	struct kobject obj;          /* obj.lock guards the value */
	uint32_t kind;
	uint32_t length;             /* string bytes */
	uint64_t number;
	char string[SYSVAR_MAX_STRING];
};

/* sysvar_create(): prototype in the generated k_objects.h */
/* sysvar_set_u64(): prototype in the generated k_objects.h */
/* sysvar_get_u64(): prototype in the generated k_objects.h */
/* sysvar_set_string(): prototype in the generated k_objects.h */
/* Copies up to max bytes; *len gets the full length (BUFFER_TOO_SMALL if more). */
/* sysvar_get_string(): prototype in the generated k_objects.h */

#endif
