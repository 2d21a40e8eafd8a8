/* Lock-order checker (debug build: make LOCKCHECK=1). Locks are grouped in
 * classes by their name; taking a lock of class B while holding one of
 * class A records "A before B". A new order that closes a cycle (B was
 * already taken, directly or through others, while holding A) is an
 * inversion that can deadlock two CPUs: the kernel panics with both names. */
#ifndef KERN_SCHED_LOCKCHECK_H
#define KERN_SCHED_LOCKCHECK_H

struct spinlock;

#ifdef LOCKCHECK
void lockcheck_acquired(struct spinlock *l);
void lockcheck_released(struct spinlock *l);
#else
static inline void lockcheck_acquired(struct spinlock *l) { (void)l; }
static inline void lockcheck_released(struct spinlock *l) { (void)l; }
#endif

#endif
