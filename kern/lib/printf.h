/* Formatted output. Supports %d %i %u %x %X %o %p %s %c %% with the l, ll, z
 * length modifiers, '-' and '0' flags, a width and a precision (for %s and
 * integers). vsnprintf is pure and host-tested; kprintf writes to the console. */
#ifndef KERN_LIB_PRINTF_H
#define KERN_LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* Like C's vsnprintf: returns the length the full output would have. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print to the kernel console (serial). */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vkprintf(const char *fmt, va_list ap);

#endif
