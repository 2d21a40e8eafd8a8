/* The lock liblightos's name lookups share between threads. */
#include "lightos/runtime.h"
#include "lightos/thread.h"
#include "registry_lock.h"
#include "registry_mounts.h"

/* A root connection is one channel for every thread that names things
 * through it: one request at a time on it, or one thread could read
 * another's answer. A lock per channel value (hashed into a few; only the
 * root entry points take them, for their hops on the root itself):
 * uncontended, one compare-exchange of the holder's stack pointer, which
 * names the holder for a waiter; a waiter naps 50 us at a time (a wait with
 * a deadline on the root: there is no object to sleep on that every
 * process holds), and now and then asks whether the holder still lives: a
 * thread killed while it held the lock leaves it to the next; a join of
 * that thread frees it before the stack can be reused (ROOT_STALE: free,
 * but the dead holder's answer may still come). One more slot guards the
 * kept mounts' table (registry_mounts.c). */
#define ROOT_LOCK_CHECK 20   /* naps between two looks at the holder (1 ms) */
#define ROOT_STALE 1ull      /* no stack pointer is 1 */
static uint64_t root_holder[LO_REGISTRY_LOCKS + 1];

void lo_thread_stack_gone(uint64_t stack, uint64_t size)
{
	lo_mounts_stack_gone(stack, size);
	for (int i = 0; i <= LO_REGISTRY_LOCKS; i++) {
		uint64_t was = __atomic_load_n(&root_holder[i], __ATOMIC_RELAXED);
		if (was - stack < size)
			__atomic_compare_exchange_n(&root_holder[i], &was, ROOT_STALE, 0, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED);
	}
}

/* 1: taken over from a dead holder, whose answer may still come. */
int lo_registry_lock(uint32_t slot, lo_channel_t nap_on)
{
	uint64_t *holder = &root_holder[slot];
	uint64_t me = (uint64_t)(uintptr_t)&holder;
	uint64_t was = 0;
	if (__atomic_compare_exchange_n(holder, &was, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 0;
	for (int naps = 1;; naps++) {
		uint32_t observed;
		lo_handle_wait_one(lo_channel_handle(nap_on), LO_SIG_CHANNEL_PEER_CLOSED,
				   lo_now() + 50 * 1000, &observed);
		was = 0;
		if (__atomic_compare_exchange_n(holder, &was, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 0;
		if (was == ROOT_STALE &&
		    __atomic_compare_exchange_n(holder, &was, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 1;
		if (naps % ROOT_LOCK_CHECK == 0 && lo_thread_stack_dead(was) &&
		    __atomic_compare_exchange_n(holder, &was, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 1;
	}
}

void lo_registry_unlock(uint32_t slot)
{
	__atomic_store_n(&root_holder[slot], 0, __ATOMIC_RELEASE);
}

