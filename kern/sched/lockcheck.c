/* See lockcheck.h. Runs with the lock just taken or about to be released,
 * so with interrupts off; its own state is guarded by a raw flag, never by
 * a spinlock (which would check itself). */
#ifdef LOCKCHECK
#include "sched/lockcheck.h"
#include "sched/spinlock.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"
#include "lib/assert.h"

#define CLASSES 64
#define HELD_MAX 16

static const char *class_names[CLASSES];
static int class_count;
static uint64_t before[CLASSES];    /* bit b of before[a]: a was held when b was taken */
static uint32_t graph_lock;

/* What each CPU holds, innermost last. */
static uint8_t held[MAX_CPUS][HELD_MAX];
static int depth[MAX_CPUS];

static void graph_acquire(void)
{
	while (__atomic_exchange_n(&graph_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}

static void graph_release(void)
{
	__atomic_store_n(&graph_lock, 0, __ATOMIC_RELEASE);
}

/* graph_lock held. */
static int class_of(struct spinlock *l)
{
	if (l->lock_class)
		return l->lock_class - 1;
	int c;
	for (c = 0; c < class_count; c++) {
		if (strcmp(class_names[c], l->name) == 0)
			break;
	}
	if (c == class_count) {
		if (class_count == CLASSES)
			panic("lockcheck: more than %d lock classes", CLASSES);
		class_names[class_count++] = l->name;
	}
	l->lock_class = c + 1;
	return c;
}

/* Can `to` be reached from `from` along recorded orders? graph_lock held. */
static bool reaches(int from, int to)
{
	uint64_t seen = 1ul << from, frontier = 1ul << from;
	while (frontier) {
		uint64_t next = 0;
		for (int c = 0; c < class_count; c++) {
			if (frontier & (1ul << c))
				next |= before[c];
		}
		if (next & (1ul << to))
			return true;
		frontier = next & ~seen;
		seen |= next;
	}
	return false;
}

void lockcheck_acquired(struct spinlock *l)
{
	int cpu = this_cpu_id();
	graph_acquire();
	int c = class_of(l);
	for (int i = 0; i < depth[cpu]; i++) {
		int h = held[cpu][i];
		if (h == c || (before[h] & (1ul << c)))
			continue;
		/* A new order h -> c: an inversion if c already leads to h. */
		if (reaches(c, h)) {
			const char *held_name = class_names[h], *taken = class_names[c];
			graph_release();
			panic("lock order inversion: %s taken while holding %s, "
			      "but elsewhere %s was held (directly or through others) "
			      "when %s was taken", taken, held_name, taken, held_name);
		}
		before[h] |= 1ul << c;
	}
	graph_release();
	if (depth[cpu] == HELD_MAX)
		panic("lockcheck: more than %d locks held", HELD_MAX);
	held[cpu][depth[cpu]++] = (uint8_t)c;
}

void lockcheck_released(struct spinlock *l)
{
	int cpu = this_cpu_id();
	int c = l->lock_class - 1;
	/* Locks need not be released innermost first: drop the latest of its class. */
	for (int i = depth[cpu] - 1; i >= 0; i--) {
		if (held[cpu][i] == c) {
			for (int j = i; j < depth[cpu] - 1; j++)
				held[cpu][j] = held[cpu][j + 1];
			depth[cpu]--;
			return;
		}
	}
}
#endif
