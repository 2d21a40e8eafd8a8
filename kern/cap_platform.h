/* The capability core's platform hooks, as the kernel provides them:
 * spinlocks for cap_lock_t and the kernel heap for memory. */
#ifndef KERN_CAP_PLATFORM_H
#define KERN_CAP_PLATFORM_H

#include <stddef.h>
#include "sched/spinlock.h"
#include "mm/heap.h"

typedef struct spinlock cap_lock_t;
#define CAP_LOCK_INITIALIZER SPINLOCK_INIT("cap")

static inline void cap_lock_init(cap_lock_t *l)
{
	spin_init(l, "cap");
}

static inline void cap_lock_acquire(cap_lock_t *l)
{
	spin_lock(l);
}

static inline void cap_lock_release(cap_lock_t *l)
{
	spin_unlock(l);
}

static inline void *cap_mem_alloc(size_t size)
{
	return kmalloc(size);   /* zeroed */
}

static inline void cap_mem_free(void *ptr, size_t size)
{
	(void)size;
	kfree(ptr);
}

/* The running thread's "draining the object callbacks" flag (cap/object.c;
 * sched/thread.c). */
int *cap_thread_draining(void);

/* A handle value died while its object lives on: waits made through it
 * end with LO_ERR_CANCELED (obj/kobject.c). */
struct cap_table;
struct cap_object;
void cap_handle_retired(struct cap_table *t, uint32_t handle, struct cap_object *obj);

/* Handles placed or removed and slot-array bytes: charged to the job of the
 * process that owns the table (obj/job.c). */
#include <stdint.h>
#include "status.h"
status_t cap_table_charge(struct cap_table *t, int32_t handles, int64_t bytes);

#endif
