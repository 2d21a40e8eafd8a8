/* The capability core's platform hooks for host tests: pthread mutexes and
 * malloc, with an allocation-failure switch for the tests. */
#ifndef TESTS_CAP_PLATFORM_H
#define TESTS_CAP_PLATFORM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef pthread_mutex_t cap_lock_t;
#define CAP_LOCK_INITIALIZER PTHREAD_MUTEX_INITIALIZER

void cap_lock_init(cap_lock_t *l);
void cap_lock_acquire(cap_lock_t *l);
void cap_lock_release(cap_lock_t *l);
/* Take the lock if it is free: true, or false without waiting. */
int cap_lock_try(cap_lock_t *l);
/* The forms for callers with interrupts enabled (the kernel's system
 * calls): on the host the same mutex. */
static inline void cap_lock_acquire_irq_on(cap_lock_t *l)
{
	cap_lock_acquire(l);
}

static inline int cap_lock_try_irq_on(cap_lock_t *l)
{
	return cap_lock_try(l);
}

static inline void cap_lock_release_irq_on(cap_lock_t *l)
{
	cap_lock_release(l);
}
void *cap_mem_alloc(size_t size);
void cap_mem_free(void *ptr, size_t size);
/* This thread's "draining the object callbacks" flag (cap/object.c). */
static inline int *cap_thread_draining(void)
{
	static __thread int draining;
	return &draining;
}
struct cap_table;
struct cap_object;
void cap_handle_retired(struct cap_table *t, uint32_t handle, struct cap_object *obj);
/* Accounting hook: the host tests charge nothing. */
#include "status.h"
static inline status_t cap_table_charge(struct cap_table *t, int32_t handles, int64_t bytes)
{
	(void)t;
	(void)handles;
	(void)bytes;
	return LO_OK;
}

/* Tests: handle values retired so far (cap_handle_retired calls). */
unsigned long cap_test_handles_retired(void);

/* Tests: while on, cap_lock_try fails as if another thread held the lock
 * (the slow paths behind every try). */
void cap_test_lock_try_fails(int on);

/* Tests: make the next `n` allocations succeed, then fail (-1: never fail). */
void cap_test_fail_allocs_after(long n);
/* Bytes currently allocated through cap_mem_alloc. */
size_t cap_test_bytes_allocated(void);

#endif
