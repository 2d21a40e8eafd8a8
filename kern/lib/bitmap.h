/* A bitmap over caller-provided words. Bit set = in use. Pure and host-tested;
 * the physical page allocator is built on it. */
#ifndef KERN_LIB_BITMAP_H
#define KERN_LIB_BITMAP_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct bitmap {
	uint64_t *words;
	size_t nbits;
};

#define BITMAP_NONE ((size_t)-1)

/* Words needed for nbits bits. */
size_t bitmap_words(size_t nbits);
void bitmap_init(struct bitmap *bm, uint64_t *words, size_t nbits, bool set);
bool bitmap_test(const struct bitmap *bm, size_t bit);
void bitmap_set_range(struct bitmap *bm, size_t start, size_t count);
void bitmap_clear_range(struct bitmap *bm, size_t start, size_t count);
/* First clear bit at or after `from`, or BITMAP_NONE. */
size_t bitmap_find_clear(const struct bitmap *bm, size_t from);
/* First run of `count` clear bits at or after `from` whose start is a
 * multiple of `align` (a power of two), or BITMAP_NONE. */
size_t bitmap_find_clear_run(const struct bitmap *bm, size_t from,
			     size_t count, size_t align);
/* Number of set bits. */
size_t bitmap_count_set(const struct bitmap *bm);

#endif
