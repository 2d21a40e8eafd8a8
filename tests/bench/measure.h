/* How every benchmark times and reports, LightOS's and the Linux peers'
 * alike: rdtscp fenced on both sides, samples sorted for the median and
 * minimum, one BENCH line in the format scripts/bench.py reads.
 * Freestanding: it needs only <stdint.h>. */
#ifndef BENCH_MEASURE_H
#define BENCH_MEASURE_H

#include <stdint.h>

/* One case's result: printed with lo_printf in LightOS, printf on Linux. */
#define BENCH_LINE "BENCH name=%s median_cycles=%lu min_cycles=%lu iters=%d\n"

/* The TSC, with nothing moved across the read (under -icount shift=0 one
 * tick is one guest instruction). */
static inline uint64_t tsc(void)
{
	uint32_t lo, hi, aux;
	__asm__ volatile("lfence; rdtscp; lfence" : "=a"(lo), "=d"(hi), "=c"(aux) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* Sort n samples in place, smallest first (insertion sort: a few thousand
 * samples at most, and no libc in the guest). */
static inline void sort_samples(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++) {
		uint64_t x = v[i];
		int j = i - 1;
		while (j >= 0 && v[j] > x) {
			v[j + 1] = v[j];
			j--;
		}
		v[j + 1] = x;
	}
}

#endif
