/* Spinlocks. Taking one disables interrupts on this CPU (saved and restored),
 * so an interrupt handler can never spin on a lock its own CPU holds.
 * Recursion is a bug and panics. */
#ifndef KERN_SCHED_SPINLOCK_H
#define KERN_SCHED_SPINLOCK_H

#include <stdint.h>
#include <stdbool.h>

struct spinlock {
	uint32_t locked;
	int irq_were_enabled;   /* valid while held */
	int holder;             /* cpu id + 1 while held, 0 when free */
	const char *name;
	int lock_class;         /* lockcheck.c: class index + 1, 0 until first use */
};

#define SPINLOCK_INIT(n) { 0, 0, 0, (n), 0 }

void spin_init(struct spinlock *l, const char *name);
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
/* The lock is taken: panic if by this CPU, else wait for it and take it,
 * answering TLB shootdowns meanwhile. `were`: the interrupt state the
 * caller saved, restored by the release. For inline fast paths. */
void spin_lock_slow(struct spinlock *l, int were);

#endif
