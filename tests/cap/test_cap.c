/* Unit tests of the capability core: every operation's success and each of
 * its failure paths, and the lifetime rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include "handle_table.h"
#include "test_objects.h"
#include "lightos/status_names.h"   /* generated from cap/status.h */

#define ALL LO_RIGHTS_ALL
#define RW  (LO_RIGHT_READ | LO_RIGHT_WRITE)

static struct cap_table table;

static int setup(void **state)
{
	(void)state;
	cap_test_fail_allocs_after(-1);
	cap_test_lock_try_fails(0);   /* a test that failed midway left it set */
	test_objects_live = 0;
	return cap_table_init(&table, 64, 0x12345678u) == LO_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cap_table_close_all(&table);
	/* Every test leaves nothing behind: no object, no table memory. */
	return test_objects_live == 0 && cap_test_bytes_allocated() == 0 ? 0 : -1;
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(lo_status_name(LO_OK), "OK");
	assert_string_equal(lo_status_name(LO_ERR_BAD_HANDLE), "BAD_HANDLE");
	assert_string_equal(lo_status_name(LO_ERR_ACCESS_DENIED), "ACCESS_DENIED");
	assert_string_equal(lo_status_name(LO_ERR_IO), "IO");
	assert_string_equal(lo_status_name(-999), "UNKNOWN");
}

static void test_rights_helpers(void **state)
{
	(void)state;
	assert_true(rights_has(RW, LO_RIGHT_READ));
	assert_false(rights_has(LO_RIGHT_READ, RW));
	assert_true(rights_is_subset(LO_RIGHT_READ, RW));
	assert_false(rights_is_subset(RW | LO_RIGHT_MAP, RW));
	assert_true(rights_is_subset(0, 0));
}

static void test_install_lookup(void **state)
{
	(void)state;
	struct test_object *o = test_object_new(TYPE_A, 1);
	cap_handle_t h;
	assert_int_equal(cap_install(&table, &o->base, RW, &h), LO_OK);
	assert_int_not_equal(h, CAP_HANDLE_INVALID);
	assert_int_equal(cap_refcount(&o->base), 2);
	assert_int_equal(cap_handle_count(&o->base), 1);
	struct cap_object *got;
	rights_t rights;
	assert_int_equal(cap_lookup(&table, h, TYPE_A, LO_RIGHT_READ, &got, &rights), LO_OK);
	assert_ptr_equal(got, &o->base);
	assert_int_equal(rights, RW);
	assert_int_equal(cap_refcount(&o->base), 3);   /* lookup's reference */
	cap_unref(got);
	assert_int_equal(cap_lookup(&table, h, CAP_TYPE_ANY, 0, &got, NULL), LO_OK);
	cap_unref(got);
	cap_unref(&o->base);                            /* the creator's */
	assert_int_equal(cap_close(&table, h), LO_OK);  /* destroys */
}

static void test_lookup_failures(void **state)
{
	(void)state;
	struct test_object *o = test_object_new(TYPE_A, 1);
	cap_handle_t h;
	assert_int_equal(cap_install(&table, &o->base, RW, &h), LO_OK);
	cap_unref(&o->base);
	struct cap_object *got = NULL;
	rights_t held = 0;
	assert_int_equal(cap_lookup(&table, 0, TYPE_A, 0, &got, NULL), LO_ERR_BAD_HANDLE);
	assert_int_equal(cap_lookup(&table, h, TYPE_B, 0, &got, NULL), LO_ERR_WRONG_TYPE);
	/* Each missing right is denied on its own, and the held rights are reported. */
	const rights_t each[] = { LO_RIGHT_DUPLICATE, LO_RIGHT_TRANSFER, LO_RIGHT_EXECUTE,
				  LO_RIGHT_MAP, LO_RIGHT_SIGNAL, LO_RIGHT_WAIT, LO_RIGHT_INSPECT,
				  LO_RIGHT_MANAGE, LO_RIGHT_DESTROY, 1u << 16, 1u << 31 };
	for (size_t i = 0; i < sizeof(each) / sizeof(each[0]); i++) {
		held = 0;
		assert_int_equal(cap_lookup(&table, h, TYPE_A, each[i], &got, &held),
				 LO_ERR_ACCESS_DENIED);
		assert_int_equal(held, RW);
	}
	assert_int_equal(cap_lookup(&table, h, TYPE_A, RW | LO_RIGHT_MAP, &got, NULL),
			 LO_ERR_ACCESS_DENIED);
	/* Wrong type is reported before missing rights. */
	assert_int_equal(cap_lookup(&table, h, TYPE_B, LO_RIGHT_MAP, &got, NULL),
			 LO_ERR_WRONG_TYPE);
	assert_null(got);
	assert_int_equal(cap_refcount(&o->base), 1);   /* failures take no reference */
	assert_int_equal(cap_close(&table, h), LO_OK);
}

/* An object with two handles in the table: h (RW and DUPLICATE) and g, a
 * revocable grant of RW made from it (revoked through *node). */
static struct test_object *object_with_grant(cap_handle_t *h, cap_handle_t *g,
					     struct cap_revoke_node **node)
{
	struct test_object *o = test_object_new(TYPE_A, 1);
	assert_int_equal(cap_install(&table, &o->base, RW | LO_RIGHT_DUPLICATE, h), LO_OK);
	cap_unref(&o->base);
	assert_int_equal(cap_grant_revocable(&table, *h, RW, NULL, node, g), LO_OK);
	return o;
}

/* Every answer cap_lookup gives, through the path that waits for the
 * table lock (taken when cap_lock_try fails) and through the one that does
 * not: the same status, rights, object and references. */
static void check_lookup_answers(void)
{
	cap_handle_t h, g;
	struct cap_revoke_node *node = NULL;
	struct test_object *o = object_with_grant(&h, &g, &node);
	struct cap_object *got = NULL;
	rights_t held = 0;
	assert_int_equal(cap_lookup(&table, h, TYPE_A, LO_RIGHT_READ, &got, &held), LO_OK);
	assert_ptr_equal(got, &o->base);
	assert_int_equal(held, RW | LO_RIGHT_DUPLICATE);
	assert_int_equal(cap_refcount(&o->base), 3);   /* two handles, the lookup */
	cap_unref(got);
	got = NULL;
	assert_int_equal(cap_lookup(&table, 0, TYPE_A, 0, &got, NULL), LO_ERR_BAD_HANDLE);
	assert_int_equal(cap_lookup(&table, h ^ 1, TYPE_A, 0, &got, NULL), LO_ERR_BAD_HANDLE);
	assert_int_equal(cap_lookup(&table, h, TYPE_B, 0, &got, NULL), LO_ERR_WRONG_TYPE);
	held = 0;
	assert_int_equal(cap_lookup(&table, g, TYPE_A, LO_RIGHT_MAP, &got, &held),
			 LO_ERR_ACCESS_DENIED);
	assert_int_equal(held, RW);
	cap_revoke(node);
	assert_int_equal(cap_lookup(&table, g, TYPE_A, 0, &got, NULL), LO_ERR_REVOKED);
	assert_null(got);
	assert_int_equal(cap_refcount(&o->base), 2);   /* failures take no reference */
	cap_revoke_node_unref(node);
	assert_int_equal(cap_close(&table, g), LO_OK);
	assert_int_equal(cap_close(&table, h), LO_OK);
	assert_int_equal(cap_lookup(&table, h, TYPE_A, 0, &got, NULL), LO_ERR_BAD_HANDLE);
}

static void test_lookup_lock_free_and_taken(void **state)
{
	(void)state;
	check_lookup_answers();
	cap_test_lock_try_fails(1);
	check_lookup_answers();
	cap_test_lock_try_fails(0);
}

/* A lookup while another thread holds the table lock waits for it, then
 * answers. */
struct waiting_lookup {
	cap_handle_t h;
	int done;
	status_t st;
};

static void *lookup_thread(void *arg)
{
	struct waiting_lookup *w = arg;
	struct cap_object *got = NULL;
	w->st = cap_lookup(&table, w->h, TYPE_A, LO_RIGHT_READ, &got, NULL);
	if (w->st == LO_OK)
		cap_unref(got);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_lookup_waits_for_lock(void **state)
{
	(void)state;
	struct test_object *o = test_object_new(TYPE_A, 1);
	struct waiting_lookup w = { 0, 0, LO_ERR_INTERNAL };
	assert_int_equal(cap_install(&table, &o->base, RW, &w.h), LO_OK);
	cap_unref(&o->base);
	cap_lock_acquire(&table.lock);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, lookup_thread, &w), 0);
	usleep(20000);
	int answered_early = __atomic_load_n(&w.done, __ATOMIC_ACQUIRE);
	cap_lock_release(&table.lock);
	assert_int_equal(answered_early, 0);
	pthread_join(t, NULL);
	assert_int_equal(w.st, LO_OK);
	assert_int_equal(cap_refcount(&o->base), 1);
	assert_int_equal(cap_close(&table, w.h), LO_OK);
}

static void test_stale_and_random_values(void **state)
{
	(void)state;
	struct test_object *o = test_object_new(TYPE_A, 0);
	cap_handle_t h;
	assert_int_equal(cap_install(&table, &o->base, RW, &h), LO_OK);
	assert_int_equal(cap_close(&table, h), LO_OK);
	assert_int_equal(o->destroyed, 0);   /* the creator still holds it */
	struct cap_object *got;
	assert_int_equal(cap_lookup(&table, h, TYPE_A, 0, &got, NULL), LO_ERR_BAD_HANDLE);
	assert_int_equal(cap_close(&table, h), LO_ERR_BAD_HANDLE);
	/* The slot is reused by the next install: the old value still fails. */
	struct test_object *o2 = test_object_new(TYPE_A, 1);
	cap_handle_t h2;
	assert_int_equal(cap_install(&table, &o2->base, RW, &h2), LO_OK);
	assert_int_not_equal(h, h2);
	assert_int_equal(cap_lookup(&table, h, TYPE_A, 0, &got, NULL), LO_ERR_BAD_HANDLE);
	/* Random values resolve to nothing, or only to the live handle itself. */
	srand(99);
	for (int i = 0; i < 200000; i++) {
		cap_handle_t guess = ((uint32_t)rand() << 16) ^ (uint32_t)rand();
		status_t st = cap_lookup(&table, guess, CAP_TYPE_ANY, 0, &got, NULL);
		if (st == LO_OK) {
			assert_int_equal(guess, h2);
			cap_unref(got);
		} else {
			assert_int_equal(st, LO_ERR_BAD_HANDLE);
		}
	}
	cap_unref(&o2->base);
	assert_int_equal(cap_close(&table, h2), LO_OK);
	cap_unref(&o->base);
	assert_int_equal(o->destroyed, 1);
	free(o);
}

static void test_slot_reuse_generation(void **state)
{
	(void)state;
	/* A closed value comes back only after 2^16 reuses of its slot. */
	struct test_object *o = test_object_new(TYPE_A, 1);
	cap_handle_t first, h;
	assert_int_equal(cap_install(&table, &o->base, RW, &first), LO_OK);
	assert_int_equal(cap_close(&table, first), LO_OK);
	for (uint32_t i = 1; i < 65536; i++) {
		assert_int_equal(cap_install(&table, &o->base, RW, &h), LO_OK);
		assert_int_not_equal(h, first);
		assert_int_not_equal(h, CAP_HANDLE_INVALID);
		assert_int_equal(cap_close(&table, h), LO_OK);
	}
	assert_int_equal(cap_install(&table, &o->base, RW, &h), LO_OK);
	assert_int_equal(h, first);   /* the generation wrapped: documented */
	assert_int_equal(cap_close(&table, h), LO_OK);
	cap_unref(&o->base);
}

static void test_duplicate(void **state)
{
	(void)state;
	struct test_object *o = test_object_new(TYPE_A, 1);
	cap_handle_t h, d;
	assert_int_equal(cap_install(&table, &o->base, RW | LO_RIGHT_DUPLICATE, &h), LO_OK);
	cap_unref(&o->base);
	assert_int_equal(cap_duplicate(&table, h, LO_RIGHT_READ, &d), LO_OK);
	assert_int_equal(cap_handle_count(&o->base), 2);
	struct cap_object *got;
	rights_t r;
	assert_int_equal(cap_lookup(&table, d, TYPE_A, 0, &got, &r), LO_OK);
	assert_int_equal(r, LO_RIGHT_READ);
	cap_unref(got);
	/* Rights never grow. */
	cap_handle_t x;
	assert_int_equal(cap_duplicate(&table, h, RW | LO_RIGHT_MAP, &x), LO_ERR_INVALID_ARGS);
	/* d lacks DUPLICATE. */
	assert_int_equal(cap_duplicate(&table, d, LO_RIGHT_READ, &x), LO_ERR_ACCESS_DENIED);
	assert_int_equal(cap_duplicate(&table, 0, 0, &x), LO_ERR_BAD_HANDLE);
	assert_int_equal(cap_close(&table, h), LO_OK);
	assert_int_equal(o->zero_handles, 0);
	assert_int_equal(cap_close(&table, d), LO_OK);   /* last: destroys */
}

/* The system-call forms of duplicate and close answer as cap_duplicate and
 * cap_close do, through their path that calls nothing and through each
 * fallback: the lock taken (cap_lock_try fails), a revocable handle, a bad
 * handle, no free slot (the array grows), the table's quota. */
static void check_sys_duplicate_close(void)
{
	struct test_object *o = test_object_new(TYPE_A, 1);
	cap_handle_t h, d, r, x;
	assert_int_equal(cap_install(&table, &o->base, RW | LO_RIGHT_DUPLICATE, &h), LO_OK);
	cap_unref(&o->base);
	assert_int_equal(cap_sys_duplicate(&table, h, LO_RIGHT_READ, &d), LO_OK);
	assert_int_equal(cap_handle_count(&o->base), 2);
	assert_int_equal(cap_refcount(&o->base), 2);
	struct cap_object *got;
	rights_t held;
	assert_int_equal(cap_lookup(&table, d, TYPE_A, 0, &got, &held), LO_OK);
	assert_int_equal(held, LO_RIGHT_READ);
	cap_unref(got);
	/* The errors, in cap_duplicate's order; none changes anything. */
	assert_int_equal(cap_sys_duplicate(&table, h, RW | LO_RIGHT_MAP, &x), LO_ERR_INVALID_ARGS);
	assert_int_equal(cap_sys_duplicate(&table, d, LO_RIGHT_READ, &x), LO_ERR_ACCESS_DENIED);
	assert_int_equal(cap_sys_duplicate(&table, d, RW | LO_RIGHT_MAP, &x), LO_ERR_ACCESS_DENIED);
	assert_int_equal(cap_sys_duplicate(&table, 0, 0, &x), LO_ERR_BAD_HANDLE);
	assert_int_equal(cap_sys_duplicate(&table, h ^ 1, 0, &x), LO_ERR_BAD_HANDLE);
	assert_int_equal(cap_handle_count(&o->base), 2);
	/* A revocable handle: the copy shares its node, so a revoke ends both. */
	struct cap_revoke_node *node = NULL;
	assert_int_equal(cap_grant_revocable(&table, h, RW | LO_RIGHT_DUPLICATE, NULL, &node, &r),
			 LO_OK);
	assert_int_equal(cap_sys_duplicate(&table, r, LO_RIGHT_READ, &x), LO_OK);
	cap_revoke(node);
	assert_int_equal(cap_lookup(&table, x, TYPE_A, 0, &got, NULL), LO_ERR_REVOKED);
	assert_int_equal(cap_sys_duplicate(&table, r, LO_RIGHT_READ, &x), LO_ERR_REVOKED);
	assert_int_equal(cap_sys_close(&table, x), LO_OK);   /* a revoked handle still closes */
	assert_int_equal(cap_sys_close(&table, r), LO_OK);
	cap_revoke_node_unref(node);
	/* No free slot: the copy grows the array; then the table's quota. */
	cap_handle_t many[64];
	uint32_t n = 0;
	status_t st;
	while ((st = cap_sys_duplicate(&table, h, LO_RIGHT_READ, &many[n])) == LO_OK)
		n++;
	assert_int_equal(st, LO_ERR_NO_RESOURCES);
	assert_int_equal(n, 64 - 2);   /* the quota is 64 handles: h and d are two */
	assert_int_equal(cap_handle_count(&o->base), 64);
	while (n > 0)
		assert_int_equal(cap_sys_close(&table, many[--n]), LO_OK);
	/* Close: each value once; the last handle runs on_zero_handles and
	 * the last reference destroys. */
	unsigned long retired = cap_test_handles_retired();
	assert_int_equal(cap_sys_close(&table, d), LO_OK);
	assert_int_equal(cap_sys_close(&table, d), LO_ERR_BAD_HANDLE);
	assert_int_equal(cap_sys_close(&table, 0), LO_ERR_BAD_HANDLE);
	assert_int_equal(cap_test_handles_retired(), retired + 1);
	assert_int_equal(cap_refcount(&o->base), 1);
	assert_int_equal(o->zero_handles, 0);
	cap_ref(&o->base);   /* keep it past its last handle to see on_zero_handles */
	assert_int_equal(cap_sys_close(&table, h), LO_OK);
	assert_int_equal(o->zero_handles, 1);
	assert_int_equal(o->destroyed, 0);
	cap_unref(&o->base);   /* destroys (and frees) it */
}

static void test_sys_duplicate_close(void **state)
{
	(void)state;
	check_sys_duplicate_close();
	cap_test_lock_try_fails(1);
	check_sys_duplicate_close();
	cap_test_lock_try_fails(0);
}

/* The held lookup (the IDL's `held` calls): the object without a new
 * reference and the lock kept on success; every error releases the lock. */
static void check_lookup_held(void)
{
	cap_handle_t h, g;
	struct cap_revoke_node *node = NULL;
	struct test_object *o = object_with_grant(&h, &g, &node);
	struct cap_object *got = NULL;
	rights_t held = 0;
	if (!cap_sys_hold_try(&table))
		cap_sys_hold(&table);
	assert_int_equal(cap_sys_lookup_held(&table, h, TYPE_A, LO_RIGHT_READ, &got, &held), LO_OK);
	assert_ptr_equal(got, &o->base);
	assert_int_equal(held, RW | LO_RIGHT_DUPLICATE);
	assert_int_equal(cap_refcount(&o->base), 2);   /* two handles: no reference of its own */
	assert_int_not_equal(pthread_mutex_trylock(&table.lock), 0);   /* still held */
	cap_sys_unhold(&table);
	/* The errors, last the revoked grant (g, once revoked). */
	const struct { cap_handle_t value; uint32_t type; rights_t need; status_t st; } errors[] = {
		{ 0, TYPE_A, 0, LO_ERR_BAD_HANDLE },
		{ h ^ 1, TYPE_A, 0, LO_ERR_BAD_HANDLE },
		{ g, TYPE_B, 0, LO_ERR_WRONG_TYPE },
		{ g, TYPE_A, LO_RIGHT_MAP, LO_ERR_ACCESS_DENIED },
		{ g, TYPE_A, 0, LO_ERR_REVOKED },
	};
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		cap_handle_t v = errors[i].value;
		if (errors[i].st == LO_ERR_REVOKED)
			cap_revoke(node);
		held = 0;
		cap_sys_hold(&table);
		assert_int_equal(cap_sys_lookup_held(&table, v, errors[i].type, errors[i].need, &got, &held),
				 errors[i].st);
		if (errors[i].st == LO_ERR_ACCESS_DENIED)
			assert_int_equal(held, RW);
		assert_int_equal(pthread_mutex_trylock(&table.lock), 0);   /* the error released it */
		cap_lock_release(&table.lock);
	}
	assert_int_equal(cap_refcount(&o->base), 2);
	cap_revoke_node_unref(node);
	assert_int_equal(cap_close(&table, g), LO_OK);
	assert_int_equal(cap_close(&table, h), LO_OK);
}

static void test_sys_lookup_held(void **state)
{
	(void)state;
	check_lookup_held();
	cap_test_lock_try_fails(1);   /* cap_sys_hold_try fails: the caller waits with cap_sys_hold */
	check_lookup_held();
	cap_test_lock_try_fails(0);
}

static void test_replace(void **state)
{
	(void)state;
	struct test_object *o = test_object_new(TYPE_A, 0);
	cap_handle_t h, n;
	assert_int_equal(cap_install(&table, &o->base, RW, &h), LO_OK);
	assert_int_equal(cap_replace(&table, h, RW | LO_RIGHT_MAP, &n), LO_ERR_INVALID_ARGS);
	struct cap_object *got;
	assert_int_equal(cap_lookup(&table, h, TYPE_A, RW, &got, NULL), LO_OK);   /* unchanged */
	cap_unref(got);
	assert_int_equal(cap_replace(&table, h, LO_RIGHT_READ, &n), LO_OK);
	assert_int_equal(cap_lookup(&table, h, TYPE_A, 0, &got, NULL), LO_ERR_BAD_HANDLE);
	assert_int_equal(cap_lookup(&table, n, TYPE_A, LO_RIGHT_WRITE, &got, NULL),
			 LO_ERR_ACCESS_DENIED);
	assert_int_equal(cap_handle_count(&o->base), 1);
	assert_int_equal(cap_refcount(&o->base), 2);
	assert_int_equal(cap_replace(&table, 0, 0, &n), LO_ERR_BAD_HANDLE);
	/* Works even with the table full: it needs no new slot. */
	struct cap_table small;
	cap_handle_t s1, s2;
	assert_int_equal(cap_table_init(&small, 1, 7), LO_OK);
	assert_int_equal(cap_install(&small, &o->base, RW, &s1), LO_OK);
	assert_int_equal(cap_replace(&small, s1, LO_RIGHT_READ, &s2), LO_OK);
	cap_table_close_all(&small);
	assert_int_equal(cap_close(&table, n), LO_OK);
	assert_int_equal(o->zero_handles, 1);   /* when the last of both tables went */
	cap_unref(&o->base);
	assert_int_equal(o->destroyed, 1);
	free(o);
}

static void test_quota_and_growth(void **state)
{
	(void)state;
	struct test_object *o = test_object_new(TYPE_A, 1);
	cap_handle_t h[64], extra;
	for (int i = 0; i < 64; i++)
		assert_int_equal(cap_install(&table, &o->base, RW | LO_RIGHT_DUPLICATE, &h[i]), LO_OK);
	assert_int_equal(cap_install(&table, &o->base, RW, &extra), LO_ERR_NO_RESOURCES);
	assert_int_equal(cap_duplicate(&table, h[0], RW, &extra), LO_ERR_NO_RESOURCES);
	for (int i = 0; i < 64; i++) {
		for (int j = i + 1; j < 64; j++)
			assert_int_not_equal(h[i], h[j]);
	}
	assert_int_equal(cap_handle_count(&o->base), 64);
	assert_int_equal(cap_close(&table, h[10]), LO_OK);
	assert_int_equal(cap_install(&table, &o->base, RW, &extra), LO_OK);
	cap_unref(&o->base);
	/* close_all releases everything (teardown checks nothing is left). */
	cap_table_close_all(&table);
	assert_int_equal(test_objects_live, 0);
	struct cap_table bad;
	assert_int_equal(cap_table_init(&bad, 0, 1), LO_ERR_INVALID_ARGS);
	assert_int_equal(cap_table_init(&bad, CAP_TABLE_MAX_HANDLES + 1, 1), LO_ERR_INVALID_ARGS);
}

static void test_alloc_failure(void **state)
{
	(void)state;
	struct test_object *o = test_object_new(TYPE_A, 1);
	cap_handle_t h;
	cap_test_fail_allocs_after(0);
	assert_int_equal(cap_install(&table, &o->base, RW, &h), LO_ERR_NO_MEMORY);
	assert_int_equal(cap_refcount(&o->base), 1);
	assert_int_equal(cap_handle_count(&o->base), 0);
	cap_test_fail_allocs_after(-1);
	assert_int_equal(cap_install(&table, &o->base, RW, &h), LO_OK);
	cap_unref(&o->base);
}

/* Every way a handle value dies reports it once (the kernel cancels waits
 * made through it); a duplicate, a failed call, a lookup report nothing. */
static void test_handle_retired_hook(void **state)
{
	(void)state;
	struct test_object *o = test_object_new(TYPE_A, 0);
	cap_handle_t h, d, n;
	assert_int_equal(cap_install(&table, &o->base, ALL, &h), LO_OK);
	cap_unref(&o->base);
	unsigned long before = cap_test_handles_retired();
	assert_true(cap_names(&table, h, &o->base));
	assert_false(cap_names(&table, h ^ 1, &o->base));
	assert_int_equal(cap_duplicate(&table, h, RW, &d), LO_OK);
	assert_int_equal(cap_replace(&table, d, ALL, &n), LO_ERR_INVALID_ARGS);
	assert_int_equal(cap_test_handles_retired(), before);
	assert_int_equal(cap_replace(&table, d, LO_RIGHT_READ, &n), LO_OK);   /* d dies */
	assert_int_equal(cap_test_handles_retired(), before + 1);
	assert_false(cap_names(&table, d, &o->base));
	assert_true(cap_names(&table, n, &o->base));
	struct cap_taken taken;
	assert_int_equal(cap_take(&table, n, 0, &taken), LO_OK);             /* n dies */
	assert_int_equal(cap_test_handles_retired(), before + 2);
	cap_drop_taken(&taken);
	assert_int_equal(cap_close(&table, h), LO_OK);                       /* h dies */
	assert_int_equal(cap_close(&table, h), LO_ERR_BAD_HANDLE);
	assert_int_equal(cap_test_handles_retired(), before + 3);
	assert_int_equal(o->destroyed, 1);
	free(o);
}

static void test_take_and_transfer(void **state)
{
	(void)state;
	struct cap_table other;
	assert_int_equal(cap_table_init(&other, 4, 0xabcdef01u), LO_OK);
	struct test_object *o = test_object_new(TYPE_A, 0);
	cap_handle_t h, moved;
	assert_int_equal(cap_install(&table, &o->base, RW, &h), LO_OK);
	cap_unref(&o->base);
	struct cap_taken taken;
	assert_int_equal(cap_take(&table, h, LO_RIGHT_TRANSFER, &taken), LO_ERR_ACCESS_DENIED);
	assert_int_equal(cap_take(&table, 0, 0, &taken), LO_ERR_BAD_HANDLE);
	assert_int_equal(cap_take(&table, h, LO_RIGHT_READ, &taken), LO_OK);
	/* In transit: out of the table, still counted as a handle. */
	struct cap_object *got;
	assert_int_equal(cap_lookup(&table, h, TYPE_A, 0, &got, NULL), LO_ERR_BAD_HANDLE);
	assert_int_equal(cap_handle_count(&o->base), 1);
	assert_int_equal(o->zero_handles, 0);
	assert_int_equal(cap_install_taken(&other, &taken, &moved), LO_OK);
	rights_t r;
	assert_int_equal(cap_lookup(&other, moved, TYPE_A, 0, &got, &r), LO_OK);
	assert_int_equal(r, RW);   /* moves with its rights */
	cap_unref(got);
	assert_int_equal(cap_refcount(&o->base), 1);
	/* Taken and dropped: that is a close. */
	assert_int_equal(cap_take(&other, moved, 0, &taken), LO_OK);
	cap_drop_taken(&taken);
	assert_int_equal(o->zero_handles, 1);
	assert_int_equal(o->destroyed, 1);
	free(o);
	cap_table_close_all(&other);
}

/* A refused move gives handles back under their own values; not once the
 * slot has been reused, nor after the table was emptied. */
static void test_untake(void **state)
{
	(void)state;
	struct test_object *o = test_object_new(TYPE_A, 0);
	struct test_object *p = test_object_new(TYPE_B, 0);
	cap_handle_t ho, hp, other;
	assert_int_equal(cap_install(&table, &o->base, RW, &ho), LO_OK);
	assert_int_equal(cap_install(&table, &p->base, RW, &hp), LO_OK);
	cap_unref(&o->base);   /* the handles hold them now */
	cap_unref(&p->base);
	struct cap_taken to, tp;
	assert_int_equal(cap_take(&table, ho, 0, &to), LO_OK);
	assert_int_equal(cap_take(&table, hp, 0, &tp), LO_OK);
	/* Back in the order they left and in the other order. */
	assert_int_equal(cap_untake(&table, &to), LO_OK);
	assert_int_equal(cap_untake(&table, &tp), LO_OK);
	assert_null(to.obj);
	struct cap_object *got;
	assert_int_equal(cap_lookup(&table, ho, TYPE_A, 0, &got, NULL), LO_OK);
	cap_unref(got);
	assert_int_equal(cap_lookup(&table, hp, TYPE_B, 0, &got, NULL), LO_OK);
	cap_unref(got);
	assert_int_equal(cap_handle_count(&o->base), 1);
	/* The table still works: a fresh handle gets another slot. */
	assert_int_equal(cap_install(&table, &o->base, RW, &other), LO_OK);
	assert_int_equal(cap_close(&table, other), LO_OK);
	/* Slot reused by someone else: no way back, the taken handle stays. */
	assert_int_equal(cap_take(&table, ho, 0, &to), LO_OK);
	assert_int_equal(cap_install(&table, &p->base, RW, &other), LO_OK);
	assert_int_equal(cap_close(&table, other), LO_OK);
	assert_int_equal(cap_untake(&table, &to), LO_ERR_BAD_HANDLE);
	assert_non_null(to.obj);
	cap_drop_taken(&to);
	assert_int_equal(o->destroyed, 1);
	/* The table was emptied (process exit): no way back either. */
	assert_int_equal(cap_take(&table, hp, 0, &tp), LO_OK);
	cap_table_close_all(&table);
	assert_int_equal(cap_untake(&table, &tp), LO_ERR_BAD_HANDLE);
	cap_drop_taken(&tp);
	assert_int_equal(p->destroyed, 1);
	free(o);
	free(p);
}

static void test_install_taken_full(void **state)
{
	(void)state;
	struct cap_table full;
	assert_int_equal(cap_table_init(&full, 1, 3), LO_OK);
	struct test_object *a = test_object_new(TYPE_A, 1);
	struct test_object *b = test_object_new(TYPE_B, 1);
	cap_handle_t ha, hb, x;
	assert_int_equal(cap_install(&full, &a->base, RW, &ha), LO_OK);
	assert_int_equal(cap_install(&table, &b->base, RW, &hb), LO_OK);
	cap_unref(&a->base);
	cap_unref(&b->base);
	struct cap_taken t;
	assert_int_equal(cap_take(&table, hb, 0, &t), LO_OK);
	assert_int_equal(cap_install_taken(&full, &t, &x), LO_ERR_NO_RESOURCES);
	assert_non_null(t.obj);   /* still the caller's on failure */
	cap_drop_taken(&t);
	cap_drop_taken(&t);       /* a second drop is harmless */
	/* b is freed now: the teardown's live count checks it. */
	cap_table_close_all(&full);
}

static void test_destroy_exactly_once(void **state)
{
	(void)state;
	struct test_object *o = test_object_new(TYPE_A, 0);
	cap_handle_t h1, h2;
	assert_int_equal(cap_install(&table, &o->base, ALL, &h1), LO_OK);
	assert_int_equal(cap_duplicate(&table, h1, ALL, &h2), LO_OK);
	cap_ref(&o->base);   /* a kernel-internal reference */
	cap_unref(&o->base); /* the creator's */
	assert_int_equal(cap_close(&table, h1), LO_OK);
	assert_int_equal(cap_close(&table, h2), LO_OK);
	assert_int_equal(o->zero_handles, 1);
	assert_int_equal(o->destroyed, 0);   /* the internal reference keeps it */
	cap_unref(&o->base);
	assert_int_equal(o->destroyed, 1);
	free(o);
}

/* Callbacks on two threads at once. A destroy that blocks (here: until
 * another thread's object has been destroyed) must not hold up every other
 * thread's callbacks: on a machine with one drainer, the second object
 * would wait in the queue behind the first and this would time out. */
static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cb_cond = PTHREAD_COND_INITIALIZER;
static int cb_blocked, cb_other_destroyed, cb_timed_out;

static void wait_for(int *flag)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	pthread_mutex_lock(&cb_lock);
	while (!*flag && !cb_timed_out)
		if (pthread_cond_timedwait(&cb_cond, &cb_lock, &until) != 0)
			cb_timed_out = 1;
	pthread_mutex_unlock(&cb_lock);
}

static void set_flag(int *flag)
{
	pthread_mutex_lock(&cb_lock);
	*flag = 1;
	pthread_cond_broadcast(&cb_cond);
	pthread_mutex_unlock(&cb_lock);
}

static void blocking_destroy(struct cap_object *obj)
{
	set_flag(&cb_blocked);
	wait_for(&cb_other_destroyed);
	free(obj);
}

static void other_destroy(struct cap_object *obj)
{
	free(obj);
	set_flag(&cb_other_destroyed);
}

static const struct cap_object_ops blocking_ops = { blocking_destroy, NULL };
static const struct cap_object_ops other_ops = { other_destroy, NULL };

static void *unref_thread(void *arg)
{
	cap_unref(arg);
	return NULL;
}

static void test_callbacks_not_serialised(void **state)
{
	(void)state;
	cb_blocked = cb_other_destroyed = cb_timed_out = 0;
	struct cap_object *slow = calloc(1, sizeof(*slow));
	struct cap_object *other = calloc(1, sizeof(*other));
	cap_object_init(slow, TYPE_A, &blocking_ops);
	cap_object_init(other, TYPE_B, &other_ops);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, unref_thread, slow), 0);
	wait_for(&cb_blocked);
	cap_unref(other);   /* runs its destroy here, not behind `slow` */
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_false(cb_timed_out);
	assert_true(cb_other_destroyed);
}

/* An object's destroy never overlaps its on_zero_handles, even when its
 * last reference goes while that callback runs on another thread. */
static int zh_running, zh_overlap;

static void zh_on_zero(struct cap_object *obj)
{
	(void)obj;
	__atomic_store_n(&zh_running, 1, __ATOMIC_SEQ_CST);
	set_flag(&cb_blocked);
	usleep(50000);   /* the other thread drops the last reference now */
	__atomic_store_n(&zh_running, 0, __ATOMIC_SEQ_CST);
}

static void zh_destroy(struct cap_object *obj)
{
	if (__atomic_load_n(&zh_running, __ATOMIC_SEQ_CST))
		zh_overlap = 1;
	free(obj);
	set_flag(&cb_other_destroyed);
}

static const struct cap_object_ops zh_ops = { zh_destroy, zh_on_zero };

static void *close_handle_thread(void *arg)
{
	cap_handle_opened(arg);
	cap_handle_closed(arg);   /* runs on_zero_handles here */
	return NULL;
}

static void test_destroy_waits_for_on_zero_handles(void **state)
{
	(void)state;
	cb_blocked = cb_other_destroyed = cb_timed_out = 0;
	zh_running = zh_overlap = 0;
	struct cap_object *o = calloc(1, sizeof(*o));
	cap_object_init(o, TYPE_A, &zh_ops);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, close_handle_thread, o), 0);
	wait_for(&cb_blocked);
	cap_unref(o);   /* the last reference, during the callback */
	assert_int_equal(pthread_join(t, NULL), 0);
	wait_for(&cb_other_destroyed);
	assert_false(cb_timed_out);
	assert_false(zh_overlap);
}

static void test_list(void **state)
{
	(void)state;
	struct test_object *a = test_object_new(TYPE_A, 1);
	struct test_object *b = test_object_new(TYPE_B, 1);
	cap_handle_t ha, hb;
	assert_int_equal(cap_install(&table, &a->base, RW, &ha), LO_OK);
	assert_int_equal(cap_install(&table, &b->base, LO_RIGHT_READ, &hb), LO_OK);
	struct cap_handle_info info[1];
	uint32_t cursor = 0;
	int seen = 0;
	size_t n;
	while ((n = cap_table_list(&table, &cursor, info, 1)) > 0) {
		seen++;
		if (info[0].handle == ha) {
			assert_int_equal(info[0].type, TYPE_A);
			assert_int_equal(info[0].rights, RW);
			assert_int_equal(info[0].object_id, a->base.id);
			assert_int_equal(info[0].refcount, 2);
			assert_int_equal(info[0].handle_count, 1);
		} else {
			assert_int_equal(info[0].handle, hb);
			assert_int_equal(info[0].type, TYPE_B);
		}
	}
	assert_int_equal(seen, 2);
	assert_true(a->base.id != b->base.id);
	cap_unref(&a->base);
	cap_unref(&b->base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_rights_helpers),
		cmocka_unit_test_setup_teardown(test_install_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_lock_free_and_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_waits_for_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_random_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_reuse_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sys_duplicate_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sys_lookup_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quota_and_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_take_and_transfer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handle_retired_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_taken_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_exactly_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test(test_callbacks_not_serialised),
		cmocka_unit_test(test_destroy_waits_for_on_zero_handles),
	};
	return cmocka_run_group_tests_name("cap", tests, NULL, NULL);
}
