#include "lib/bitmap.h"

size_t bitmap_words(size_t nbits)
{
	return (nbits + 63) / 64;
}

void bitmap_init(struct bitmap *bm, uint64_t *words, size_t nbits, bool set)
{
	bm->words = words;
	bm->nbits = nbits;
	for (size_t i = 0; i < bitmap_words(nbits); i++)
		words[i] = set ? ~(uint64_t)0 : 0;
}

bool bitmap_test(const struct bitmap *bm, size_t bit)
{
	return (bm->words[bit / 64] >> (bit % 64)) & 1;
}

void bitmap_set_range(struct bitmap *bm, size_t start, size_t count)
{
	for (size_t b = start; b < start + count && b < bm->nbits; b++)
		bm->words[b / 64] |= (uint64_t)1 << (b % 64);
}

void bitmap_clear_range(struct bitmap *bm, size_t start, size_t count)
{
	for (size_t b = start; b < start + count && b < bm->nbits; b++)
		bm->words[b / 64] &= ~((uint64_t)1 << (b % 64));
}

size_t bitmap_find_clear(const struct bitmap *bm, size_t from)
{
	size_t b = from;
	while (b < bm->nbits) {
		uint64_t w = bm->words[b / 64] | (((uint64_t)1 << (b % 64)) - 1);
		if (w != ~(uint64_t)0) {
			size_t found = (b & ~(size_t)63) + (size_t)__builtin_ctzll(~w);
			return found < bm->nbits ? found : BITMAP_NONE;
		}
		b = (b & ~(size_t)63) + 64;
	}
	return BITMAP_NONE;
}

size_t bitmap_find_clear_run(const struct bitmap *bm, size_t from,
			     size_t count, size_t align)
{
	if (count == 0 || align == 0)
		return BITMAP_NONE;
	size_t start = (from + align - 1) & ~(align - 1);
	while (start + count <= bm->nbits) {
		size_t free = bitmap_find_clear(bm, start);
		if (free == BITMAP_NONE)
			return BITMAP_NONE;
		start = (free + align - 1) & ~(align - 1);
		size_t n = 0;
		while (n < count && start + n < bm->nbits && !bitmap_test(bm, start + n))
			n++;
		if (n == count)
			return start;
		start = (start + n + 1 + align - 1) & ~(align - 1);
	}
	return BITMAP_NONE;
}

size_t bitmap_count_set(const struct bitmap *bm)
{
	size_t n = 0;
	for (size_t b = 0; b < bm->nbits; b++)
		n += bitmap_test(bm, b);
	return n;
}
