/* The kernel log: a ring of everything written, by programs (log_write)
 * and by the kernel (kprintf). Until init starts, kernel messages also go
 * straight to the UART; after that the kernel writes only to the ring and
 * the logger program copies it to the console driver. On a panic the
 * kernel takes the UART back (log_emergency). See docs/kernel.md. */
#ifndef KERN_OBJ_LOG_H
#define KERN_OBJ_LOG_H

#include <stdint.h>
#include "status.h"
#include "lightos/abi.h"
#include "obj/kobject.h"

#define LOG_RING_SIZE   65536    /* bytes; the oldest are overwritten */

struct log {
	struct kobject obj;
};

/* The one log object (created at first use; callers get a new reference). */
status_t log_get(struct log **out);
status_t log_append(const char *bytes, uint32_t len);
/* Copy out bytes from position *cursor (total bytes ever written count up
 * from 0); bytes that fell out of the ring are skipped. Advances *cursor. */
uint32_t log_read_at(uint64_t *cursor, char *out, uint32_t max);

/* kprintf's output: to the ring, and to the UART while the kernel still
 * owns it (boot, or after log_emergency). */
void log_kernel_write(const char *bytes, uint32_t len);
/* init is about to run: from now on the kernel leaves the UART alone. */
void log_handover(void);
/* The kernel is dying: put what the console has not shown yet on the UART
 * and send every later kernel message there directly. No locks taken. */
void log_emergency(void);

#endif
