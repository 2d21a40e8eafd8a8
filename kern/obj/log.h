/* The kernel log: what is written goes to the console and into a ring
 * buffer that holders of a readable log handle can read back. */
#ifndef KERN_OBJ_LOG_H
#define KERN_OBJ_LOG_H

#include <stdint.h>
#include "status.h"
#include "lightos/abi.h"
#include "obj/kobject.h"

#define LOG_RING_SIZE   16384

struct log {
	struct kobject obj;
};

/* The one log object (created at first use; callers get a new reference). */
status_t log_get(struct log **out);
status_t log_write(const char *bytes, uint32_t len);
/* Copy out bytes from position *cursor (total bytes ever written count up
 * from 0); bytes that fell out of the ring are skipped. Advances *cursor. */
uint32_t log_read(uint64_t *cursor, char *out, uint32_t max);

#endif
