/* Many threads on one handle table at once: duplicate, lookup, replace,
 * take/install and close race each other (duplicate, close and lookup in
 * their general and their system-call forms). Run under ThreadSanitizer; at the
 * end every object must be destroyed exactly once and no memory left. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "handle_table.h"
#include "test_objects.h"

#define THREADS 4
#define ROUNDS  20000

static struct cap_table table;
static struct test_object *shared_obj;
static cap_handle_t root;
static long failures;

/* A held lookup's object is alive until the unhold (its handle's own
 * reference keeps it). */
static void check_and_unhold(struct cap_object *got)
{
	if (got->type != TYPE_A || cap_handle_count(got) == 0)
		__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
	cap_sys_unhold(&table);
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	cap_handle_t mine[16] = { 0 };
	for (int r = 0; r < ROUNDS; r++) {
		seed = seed * 1103515245u + 12345u;
		int i = (seed >> 8) % 16;
		struct cap_object *got;
		switch ((seed >> 16) % 5) {
		case 0:
			if (!mine[i] && (seed & 1 ? cap_sys_duplicate : cap_duplicate)(&table, root, LO_RIGHTS_ALL,
										     &mine[i]) != LO_OK)
				mine[i] = 0;
			break;
		case 1:
			if (mine[i] && !(seed & 1) &&
			    cap_lookup(&table, mine[i], TYPE_A, LO_RIGHT_READ, &got, NULL) == LO_OK)
				cap_unref(got);
			if (mine[i] && (seed & 1)) {
				/* A held lookup reads the object under the lock. */
				if (!cap_sys_hold_try(&table))
					cap_sys_hold(&table);
				if (cap_sys_lookup_held(&table, mine[i], TYPE_A, LO_RIGHT_READ, &got, NULL) == LO_OK)
					check_and_unhold(got);
				else
					__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
			}
			break;
		case 2:
			if (mine[i]) {
				if ((seed & 1 ? cap_sys_close : cap_close)(&table, mine[i]) != LO_OK)
					__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
				mine[i] = 0;
			}
			break;
		case 3:
			if (mine[i] && cap_replace(&table, mine[i], LO_RIGHTS_ALL, &mine[i]) != LO_OK)
				__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
			break;
		case 4:
			if (mine[i]) {
				struct cap_taken t;
				if (cap_take(&table, mine[i], LO_RIGHT_TRANSFER, &t) != LO_OK ||
				    cap_install_taken(&table, &t, &mine[i]) != LO_OK)
					__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
			}
			break;
		}
	}
	for (int i = 0; i < 16; i++) {
		if (mine[i])
			cap_close(&table, mine[i]);
	}
	return NULL;
}

/* Revoke while 4 threads duplicate, move and look up copies of a grant:
 * once cap_revoke has returned, no copy, old or new, may work again. */
static struct cap_revoke_node *grant_node;
static cap_handle_t grant;
static int revoked_flag;
static long after_revoke_ok;

static void *revoke_worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	cap_handle_t mine[8] = { 0 };
	for (int r = 0; r < ROUNDS / 4; r++) {
		seed = seed * 1103515245u + 12345u;
		int i = (seed >> 8) % 8;
		struct cap_object *got;
		cap_handle_t from = mine[i] ? mine[i] : grant;
		switch ((seed >> 16) % 3) {
		case 0:
			if (mine[i])
				(seed & 1 ? cap_sys_close : cap_close)(&table, mine[i]);
			if ((seed & 1 ? cap_sys_duplicate : cap_duplicate)(&table, from, LO_RIGHTS_ALL,
									   &mine[i]) != LO_OK)
				mine[i] = 0;
			break;
		case 1:
			if (mine[i]) {
				struct cap_taken t;
				if (cap_take(&table, mine[i], LO_RIGHT_TRANSFER, &t) != LO_OK) {
					cap_close(&table, mine[i]);
					mine[i] = 0;
				} else if (cap_install_taken(&table, &t, &mine[i]) != LO_OK) {
					__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
				}
			}
			break;
		case 2: {
			/* Read the flag first: a success after it was set is a bug. */
			int was_revoked = __atomic_load_n(&revoked_flag, __ATOMIC_ACQUIRE);
			if (cap_lookup(&table, from, TYPE_A, LO_RIGHT_READ, &got, NULL) == LO_OK) {
				cap_unref(got);
				if (was_revoked)
					__atomic_fetch_add(&after_revoke_ok, 1, __ATOMIC_RELAXED);
			}
			break;
		}
		}
	}
	for (int i = 0; i < 8; i++) {
		if (mine[i])
			cap_close(&table, mine[i]);
	}
	return NULL;
}

static int revoke_race(void)
{
	cap_table_init(&table, 4096, 0xbeefu);
	struct test_object *o = test_object_new(TYPE_A, 0);
	cap_handle_t plain;
	cap_install(&table, &o->base, LO_RIGHTS_ALL, &plain);
	cap_unref(&o->base);
	if (cap_grant_revocable(&table, plain, LO_RIGHTS_ALL, NULL, &grant_node, &grant) != LO_OK)
		return 0;
	pthread_t th[THREADS];
	for (long i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, revoke_worker, (void *)(i + 7));
	for (volatile int spin = 0; spin < 200000; spin++)
		;
	cap_revoke(grant_node);
	__atomic_store_n(&revoked_flag, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	struct cap_object *got;
	int ok = failures == 0 && after_revoke_ok == 0 &&
		 cap_lookup(&table, grant, TYPE_A, 0, &got, NULL) == LO_ERR_REVOKED;
	cap_revoke_node_unref(grant_node);
	cap_table_close_all(&table);
	ok = ok && o->destroyed == 1 && cap_test_bytes_allocated() == 0;
	free(o);
	return ok;
}

int main(void)
{
	cap_table_init(&table, 4096, 0xfeedu);
	shared_obj = test_object_new(TYPE_A, 0);
	cap_install(&table, &shared_obj->base, LO_RIGHTS_ALL, &root);
	cap_unref(&shared_obj->base);
	pthread_t th[THREADS];
	for (long i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	int ok = failures == 0 && cap_handle_count(&shared_obj->base) == 1 &&
		 cap_refcount(&shared_obj->base) == 1;
	cap_close(&table, root);
	ok = ok && shared_obj->destroyed == 1 && shared_obj->zero_handles == 1;
	cap_table_close_all(&table);
	ok = ok && cap_test_bytes_allocated() == 0;
	printf("%s 1 - %d threads x %d mixed operations on one table (failures %ld)\n",
	       ok ? "ok" : "not ok", THREADS, ROUNDS, failures);
	free(shared_obj);
	int revoke_ok = revoke_race();
	printf("%s 2 - revoke during %d threads of duplicate, move and lookup (successes after it %ld)\n",
	       revoke_ok ? "ok" : "not ok", THREADS, after_revoke_ok);
	printf("1..2\n");
	return ok && revoke_ok ? 0 : 1;
}
