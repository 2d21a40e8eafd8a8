/* Memory and string helpers for the freestanding kernel. */
#ifndef KERN_LIB_STRING_H
#define KERN_LIB_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* Copy at most size-1 bytes and always terminate (if size > 0). Returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);
/* A string from `len` bytes that need not end in NUL (a name passed to a
 * system call): at most size-1 of them, always terminated (size > 0). */
void bytes_to_str(char *dst, size_t size, const void *src, size_t len);

#endif
