/* Sysvars: a small typed value (an integer or a short string), readable
 * with READ and changeable with WRITE. */
#ifndef KERN_OBJ_SYSVAR_H
#define KERN_OBJ_SYSVAR_H

#include <stdint.h>
#include "status.h"
#include "lightos/abi.h"
#include "obj/kobject.h"
#include "k_objects.h"   /* generated: the system calls this object implements */

struct sysvar {
	struct kobject obj;          /* obj.lock guards the value */
	uint32_t kind;               /* LO_SYSVAR_U64 or LO_SYSVAR_STRING (idl/sysvar.idl) */
	uint32_t length;             /* string bytes */
	uint64_t number;
	char string[LO_SYSVAR_STRING_MAX];
};

/* A new sysvar, charged to no job; sysvar_create() (the call) in k_objects.h */
status_t sysvar_alloc(uint32_t kind, struct sysvar **sysvar);
/* sysvar_set_u64(): prototype in the generated k_objects.h */
/* sysvar_get_u64(): prototype in the generated k_objects.h */
/* sysvar_set_string(): prototype in the generated k_objects.h */
/* Copies up to max bytes; *len gets the full length (BUFFER_TOO_SMALL if more). */
/* sysvar_get_string(): prototype in the generated k_objects.h */

#endif
