#include "cap_platform.h"
#include <stdlib.h>

static long allocs_left = -1;
static size_t bytes_allocated;
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

void cap_lock_init(cap_lock_t *l) { pthread_mutex_init(l, NULL); }
void cap_lock_acquire(cap_lock_t *l) { pthread_mutex_lock(l); }
void cap_lock_release(cap_lock_t *l) { pthread_mutex_unlock(l); }

static int try_fails;
void cap_test_lock_try_fails(int on) { __atomic_store_n(&try_fails, on, __ATOMIC_RELAXED); }

int cap_lock_try(cap_lock_t *l)
{
	if (__atomic_load_n(&try_fails, __ATOMIC_RELAXED))
		return 0;
	return pthread_mutex_trylock(l) == 0;
}

void *cap_mem_alloc(size_t size)
{
	pthread_mutex_lock(&stats_lock);
	int fail = allocs_left == 0;
	if (allocs_left > 0)
		allocs_left--;
	if (!fail)
		bytes_allocated += size;
	pthread_mutex_unlock(&stats_lock);
	return fail ? NULL : calloc(1, size);
}

void cap_mem_free(void *ptr, size_t size)
{
	pthread_mutex_lock(&stats_lock);
	bytes_allocated -= size;
	pthread_mutex_unlock(&stats_lock);
	free(ptr);
}

static unsigned long retired;

void cap_handle_retired(struct cap_table *t, uint32_t handle, struct cap_object *obj)
{
	(void)t;
	(void)handle;
	(void)obj;
	__atomic_fetch_add(&retired, 1, __ATOMIC_RELAXED);
}

unsigned long cap_test_handles_retired(void)
{
	return __atomic_load_n(&retired, __ATOMIC_RELAXED);
}

void cap_test_fail_allocs_after(long n)
{
	pthread_mutex_lock(&stats_lock);
	allocs_left = n;
	pthread_mutex_unlock(&stats_lock);
}

size_t cap_test_bytes_allocated(void)
{
	pthread_mutex_lock(&stats_lock);
	size_t n = bytes_allocated;
	pthread_mutex_unlock(&stats_lock);
	return n;
}
