/* The liblightos runtime: console output, errors, exit, memory. */
#ifndef LIGHTOS_RUNTIME_H
#define LIGHTOS_RUNTIME_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "lightos/syscalls.h"
#include "lightos/heap.h"

/* printf to the kernel log (needs a log handle: lo_log). */
int lo_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int lo_vprintf(const char *fmt, va_list ap);
int lo_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int lo_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* "BAD_HANDLE" and so on. */

/* End the process. */
__attribute__((noreturn)) void lo_exit(int code);

/* Heap chunks come from VMOs mapped into this process. */
void *lo_heap_grow_vmo(size_t size);

/* Write `len` bytes at `offset` of a VMO, in pieces of at most
 * LO_VMO_MAX_IO (the most one vmo_write takes). Stops at the first error. */
status_t lo_vmo_write_all(lo_vmo_t vmo, const void *src, uint64_t offset, uint64_t len);

/* Nanoseconds since boot, and a deadline `ms` milliseconds from now. */
uint64_t lo_now(void);
uint64_t lo_deadline_after_ms(uint64_t ms);

/* Small string helpers (the kernel's, shared). */
size_t lo_strlen(const char *s);
int lo_strcmp(const char *a, const char *b);
int lo_strncmp(const char *a, const char *b, size_t n);
void *lo_memcpy(void *dst, const void *src, size_t n);
void *lo_memset(void *dst, int c, size_t n);
int lo_memcmp(const void *a, const void *b, size_t n);

#endif
