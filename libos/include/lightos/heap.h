/* The user-space heap: malloc/free/realloc/calloc over memory the heap asks
 * for in chunks (the runtime backs them with VMOs; host tests with arrays).
 * First fit over an address-ordered free list; neighbours coalesce on free.
 * Every block is 16-byte aligned. One spinlock makes it safe for the
 * threads of a process. */
#ifndef LIGHTOS_HEAP_H
#define LIGHTOS_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* Get at least `size` more bytes of memory (page multiple); returns the
 * base or NULL. Consecutive chunks need not be adjacent. */
typedef void *(*lo_heap_grow_fn)(size_t size);

struct lo_heap_stats {
	size_t chunks;          /* memory obtained from grow */
	size_t chunk_bytes;
	size_t used_bytes;      /* in live blocks, headers included */
	size_t live_blocks;
};

void lo_heap_init(lo_heap_grow_fn grow);
void *lo_malloc(size_t size);
void *lo_calloc(size_t count, size_t size);
void *lo_realloc(void *ptr, size_t size);
void lo_free(void *ptr);
void lo_heap_stats(struct lo_heap_stats *out);
/* Walk every chunk; returns 0 when consistent, else a negative step number. */
int lo_heap_check(void);

#endif
