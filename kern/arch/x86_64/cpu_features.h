#ifndef KERN_ARCH_CPU_FEATURES_H
#define KERN_ARCH_CPU_FEATURES_H

#include <stdbool.h>

struct cpu_features {
	bool smep, smap, nx, invariant_tsc, xsave;
};

extern struct cpu_features cpu_features;

void cpu_features_init(void);

#endif
