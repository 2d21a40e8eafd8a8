#ifndef KERN_OBJ_DENIALS_H
#define KERN_OBJ_DENIALS_H

#include <stdint.h>
#include <stdbool.h>
#include "rights.h"
#include "lightos/abi.h"

#define DENIAL_LOG_SIZE 256

struct denial {
	uint64_t process_id;
	uint32_t syscall;
	uint32_t handle;
	rights_t required;
	rights_t held;
	char program[LO_IDENTITY_PATH_MAX];   /* the process's identity path */
};

uint64_t denials_recorded(void);
/* Denial number `index` (counting from 0 since boot), if still in the ring. */
bool denial_get(uint64_t index, struct denial *out);

#endif
