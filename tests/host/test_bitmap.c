/* Host tests of the bitmap under the page allocator, including a randomized
 * comparison against a plain bool array. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <cmocka.h>
#include "lib/bitmap.h"

static void test_init_and_ranges(void **state)
{
	(void)state;
	uint64_t words[3];
	struct bitmap bm;
	assert_int_equal(bitmap_words(130), 3);
	bitmap_init(&bm, words, 130, false);
	assert_int_equal(bitmap_count_set(&bm), 0);
	bitmap_set_range(&bm, 60, 10);
	assert_int_equal(bitmap_count_set(&bm), 10);
	assert_true(bitmap_test(&bm, 60));
	assert_true(bitmap_test(&bm, 69));
	assert_false(bitmap_test(&bm, 59));
	assert_false(bitmap_test(&bm, 70));
	bitmap_clear_range(&bm, 62, 2);
	assert_int_equal(bitmap_count_set(&bm), 8);
	/* Ranges are clipped at the end. */
	bitmap_set_range(&bm, 125, 100);
	assert_int_equal(bitmap_count_set(&bm), 13);
	bitmap_init(&bm, words, 130, true);
	assert_int_equal(bitmap_count_set(&bm), 130);
}

static void test_find_clear(void **state)
{
	(void)state;
	uint64_t words[2];
	struct bitmap bm;
	bitmap_init(&bm, words, 100, true);
	assert_true(bitmap_find_clear(&bm, 0) == BITMAP_NONE);
	bitmap_clear_range(&bm, 99, 1);
	assert_int_equal(bitmap_find_clear(&bm, 0), 99);
	assert_true(bitmap_find_clear(&bm, 100) == BITMAP_NONE);
	bitmap_clear_range(&bm, 3, 1);
	assert_int_equal(bitmap_find_clear(&bm, 0), 3);
	assert_int_equal(bitmap_find_clear(&bm, 4), 99);
	/* Bits past nbits in the last word never count as clear. */
	bitmap_init(&bm, words, 70, true);
	words[1] &= 0x3f;   /* clear bits 70..127, which are outside */
	assert_true(bitmap_find_clear(&bm, 0) == BITMAP_NONE);
}

static void test_find_run(void **state)
{
	(void)state;
	uint64_t words[4];
	struct bitmap bm;
	bitmap_init(&bm, words, 256, true);
	bitmap_clear_range(&bm, 10, 5);
	bitmap_clear_range(&bm, 100, 40);
	assert_int_equal(bitmap_find_clear_run(&bm, 0, 5, 1), 10);
	assert_int_equal(bitmap_find_clear_run(&bm, 0, 6, 1), 100);
	assert_int_equal(bitmap_find_clear_run(&bm, 0, 8, 16), 112);
	assert_true(bitmap_find_clear_run(&bm, 0, 41, 1) == BITMAP_NONE);
	assert_true(bitmap_find_clear_run(&bm, 0, 0, 1) == BITMAP_NONE);
	bitmap_clear_range(&bm, 250, 6);
	assert_int_equal(bitmap_find_clear_run(&bm, 141, 6, 1), 250);
	assert_true(bitmap_find_clear_run(&bm, 141, 7, 1) == BITMAP_NONE);
}

static void test_against_model(void **state)
{
	(void)state;
	enum { N = 1000 };
	uint64_t words[(N + 63) / 64];
	bool model[N] = { false };
	struct bitmap bm;
	bitmap_init(&bm, words, N, false);
	srand(12345);
	for (int step = 0; step < 20000; step++) {
		size_t start = (size_t)rand() % N;
		size_t count = (size_t)rand() % 40;
		bool set = rand() & 1;
		if (set)
			bitmap_set_range(&bm, start, count);
		else
			bitmap_clear_range(&bm, start, count);
		for (size_t b = start; b < start + count && b < N; b++)
			model[b] = set;
		size_t from = (size_t)rand() % N;
		size_t want = BITMAP_NONE;
		for (size_t b = from; b < N; b++) {
			if (!model[b]) {
				want = b;
				break;
			}
		}
		assert_true(bitmap_find_clear(&bm, from) == want);
		size_t run = 1 + (size_t)rand() % 8;
		size_t want_run = BITMAP_NONE;
		for (size_t b = from; b + run <= N && want_run == BITMAP_NONE; b++) {
			size_t k = 0;
			while (k < run && !model[b + k])
				k++;
			if (k == run)
				want_run = b;
		}
		assert_true(bitmap_find_clear_run(&bm, from, run, 1) == want_run);
	}
	size_t set = 0;
	for (size_t b = 0; b < N; b++)
		set += model[b];
	assert_int_equal(bitmap_count_set(&bm), set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_and_ranges),
		cmocka_unit_test(test_find_clear),
		cmocka_unit_test(test_find_run),
		cmocka_unit_test(test_against_model),
	};
	return cmocka_run_group_tests_name("bitmap", tests, NULL, NULL);
}
