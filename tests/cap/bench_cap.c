/* Host microbenchmark of the capability core: nanoseconds per lookup, per
 * duplicate+close and per install+close, with 10, 1,000 and 60,000 handles
 * already in the table (the cost must not grow), and bytes per handle.
 * Median of 9 runs of 1,000,000 operations each. Not part of make test. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "handle_table.h"
#include "test_objects.h"

#define OPS  1000000
#define RUNS 9

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

enum op { LOOKUP, DUP_CLOSE, INSTALL_CLOSE };
static const char *op_names[] = { "lookup", "duplicate+close", "install+close" };

static double measure(enum op op, uint32_t fill)
{
	struct cap_table t;
	cap_table_init(&t, CAP_TABLE_MAX_HANDLES, 0x5eed);
	struct test_object *o = test_object_new(TYPE_A, 0);
	cap_handle_t h, x;
	for (uint32_t i = 0; i < fill; i++)
		cap_install(&t, &o->base, LO_RIGHTS_ALL, &h);
	double samples[RUNS];
	volatile uint64_t sink = 0;
	for (int r = 0; r < RUNS; r++) {
		double start = now_ns();
		for (int i = 0; i < OPS; i++) {
			struct cap_object *got;
			switch (op) {
			case LOOKUP:
				cap_lookup(&t, h, TYPE_A, LO_RIGHT_READ, &got, NULL);
				cap_unref(got);
				sink += (uintptr_t)got;
				break;
			case DUP_CLOSE:
				cap_duplicate(&t, h, LO_RIGHT_READ, &x);
				cap_close(&t, x);
				break;
			case INSTALL_CLOSE:
				cap_install(&t, &o->base, LO_RIGHT_READ, &x);
				cap_close(&t, x);
				break;
			}
		}
		samples[r] = (now_ns() - start) / OPS;
	}
	cap_table_close_all(&t);
	cap_unref(&o->base);
	free(o);
	qsort(samples, RUNS, sizeof(double), cmp);
	return samples[RUNS / 2];
}

int main(void)
{
	const uint32_t fills[] = { 10, 1000, 60000 };
	printf("%-18s %10s %10s %10s   (ns per operation, median of %d x %d)\n",
	       "operation", "10", "1000", "60000", RUNS, OPS);
	for (int op = 0; op < 3; op++) {
		printf("%-18s", op_names[op]);
		for (int f = 0; f < 3; f++)
			printf(" %10.1f", measure((enum op)op, fills[f]));
		printf("\n");
	}
	/* Memory: the slot array is the only per-handle storage. */
	struct cap_table t;
	cap_table_init(&t, CAP_TABLE_MAX_HANDLES, 1);
	struct test_object *o = test_object_new(TYPE_A, 0);
	cap_handle_t h;
	size_t before = cap_test_bytes_allocated();
	for (int i = 0; i < 60000; i++)
		cap_install(&t, &o->base, LO_RIGHTS_ALL, &h);
	size_t bytes = cap_test_bytes_allocated() - before;
	printf("memory: %zu bytes for 60000 handles = %.1f bytes per handle "
	       "(slot array, doubling growth)\n", bytes, (double)bytes / 60000);
	cap_table_close_all(&t);
	cap_unref(&o->base);
	free(o);
	return 0;
}
