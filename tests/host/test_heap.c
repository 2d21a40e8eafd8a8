/* Host tests of the user-space heap (libos/heap.c), including a random
 * sequence checked against a list of live blocks and their contents. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lightos/heap.h"

static int grow_calls;
static int grow_limit = 1000;
static void *given[1000];   /* chunks handed to the heap, freed at teardown */

static void *grow(size_t size)
{
	if (grow_calls >= grow_limit)
		return NULL;
	given[grow_calls] = aligned_alloc(4096, size);
	return given[grow_calls++];
}

static int setup(void **state)
{
	(void)state;
	grow_calls = 0;
	grow_limit = 1000;
	lo_heap_init(grow);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < grow_calls; i++)
		free(given[i]);
	return 0;
}

static void test_basic(void **state)
{
	(void)state;
	char *a = lo_malloc(10);
	char *b = lo_malloc(100);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(((uintptr_t)a & 15) == 0 && ((uintptr_t)b & 15) == 0);
	assert_true(a + 10 <= b || b + 100 <= a);
	memset(a, 1, 10);
	memset(b, 2, 100);
	assert_int_equal(lo_heap_check(), 0);
	lo_free(a);
	lo_free(b);
	struct lo_heap_stats st;
	lo_heap_stats(&st);
	assert_int_equal(st.live_blocks, 0);
	assert_int_equal(st.used_bytes, 0);
	assert_int_equal(lo_heap_check(), 0);
	lo_free(NULL);
}

static void test_coalesce_reuses_memory(void **state)
{
	(void)state;
	void *p[64];
	for (int i = 0; i < 64; i++)
		p[i] = lo_malloc(512);
	for (int i = 0; i < 64; i++)
		lo_free(p[i]);
	int chunks_before = grow_calls;
	/* After everything coalesced, one big block fits without growing. */
	void *big = lo_malloc(32 * 1024);
	assert_non_null(big);
	assert_int_equal(grow_calls, chunks_before);
	lo_free(big);
	assert_int_equal(lo_heap_check(), 0);
}

static void test_large_and_exhaustion(void **state)
{
	(void)state;
	void *big = lo_malloc(1 << 20);
	assert_non_null(big);
	memset(big, 0xab, 1 << 20);
	lo_free(big);
	grow_limit = grow_calls;   /* no more memory */
	assert_null(lo_malloc(1 << 22));
	assert_null(lo_malloc((size_t)1 << 50));
	assert_null(lo_calloc((size_t)1 << 40, (size_t)1 << 40));
	assert_int_equal(lo_heap_check(), 0);
}

static void test_realloc_calloc(void **state)
{
	(void)state;
	char *p = lo_calloc(10, 10);
	for (int i = 0; i < 100; i++)
		assert_int_equal(p[i], 0);
	memcpy(p, "abcdef", 6);
	p = lo_realloc(p, 5000);
	assert_non_null(p);
	assert_memory_equal(p, "abcdef", 6);
	char *same = lo_realloc(p, 10);
	assert_ptr_equal(same, p);
	assert_null(lo_realloc(p, 0));
	p = lo_realloc(NULL, 8);
	assert_non_null(p);
	lo_free(p);
	assert_int_equal(lo_heap_check(), 0);
}

static void test_random(void **state)
{
	(void)state;
	enum { SLOTS = 200 };
	unsigned char *ptr[SLOTS] = { 0 };
	size_t len[SLOTS] = { 0 };
	srand(777);
	for (int step = 0; step < 20000; step++) {
		int i = rand() % SLOTS;
		if (ptr[i]) {
			for (size_t k = 0; k < len[i]; k++)
				assert_int_equal(ptr[i][k], (unsigned char)(i + k));
			if (rand() & 1) {
				lo_free(ptr[i]);
				ptr[i] = NULL;
				continue;
			}
			size_t n = (size_t)(rand() % 3000) + 1;
			ptr[i] = lo_realloc(ptr[i], n);
			assert_non_null(ptr[i]);
			size_t keep = n < len[i] ? n : len[i];
			for (size_t k = 0; k < keep; k++)
				assert_int_equal(ptr[i][k], (unsigned char)(i + k));
			len[i] = n;
		} else {
			len[i] = (size_t)(rand() % 3000) + 1;
			ptr[i] = lo_malloc(len[i]);
			assert_non_null(ptr[i]);
		}
		for (size_t k = 0; k < len[i]; k++)
			ptr[i][k] = (unsigned char)(i + k);
		if (step % 1000 == 0)
			assert_int_equal(lo_heap_check(), 0);
	}
	for (int i = 0; i < SLOTS; i++)
		lo_free(ptr[i]);
	struct lo_heap_stats st;
	lo_heap_stats(&st);
	assert_int_equal(st.live_blocks, 0);
	assert_int_equal(lo_heap_check(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coalesce_reuses_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_and_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_realloc_calloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
	};
	return cmocka_run_group_tests_name("heap", tests, NULL, NULL);
}
