/* Unit tests of revocation (cap/revoke.c and its hooks in handle_table.c):
 * every handle derived from a grant stops at once, in tables and in
 * transit; nesting; the grant rules; nodes live exactly as long as their
 * holders. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "handle_table.h"
#include "test_objects.h"

#define ALL LO_RIGHTS_ALL
#define RW  (LO_RIGHT_READ | LO_RIGHT_WRITE)

static struct cap_table table, other;
static struct test_object *obj;
static cap_handle_t plain;   /* a plain handle to obj, with every right */

static int setup(void **state)
{
	(void)state;
	cap_test_fail_allocs_after(-1);
	test_objects_live = 0;
	if (cap_table_init(&table, 64, 0x12345678u) != LO_OK ||
	    cap_table_init(&other, 64, 0x9abcdef1u) != LO_OK)
		return -1;
	obj = test_object_new(TYPE_A, 1);
	cap_install(&table, &obj->base, ALL, &plain);
	cap_unref(&obj->base);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cap_table_close_all(&table);
	cap_table_close_all(&other);
	/* No object and no node left: every node reference was returned. */
	return test_objects_live == 0 && cap_test_bytes_allocated() == 0 ? 0 : -1;
}

static status_t use(struct cap_table *t, cap_handle_t h)
{
	struct cap_object *got;
	status_t st = cap_lookup(t, h, TYPE_A, LO_RIGHT_READ, &got, NULL);
	if (st == LO_OK)
		cap_unref(got);
	return st;
}

static void test_grant_then_revoke(void **state)
{
	(void)state;
	struct cap_revoke_node *node = NULL;
	cap_handle_t g, d, r;
	assert_int_equal(cap_grant_revocable(&table, plain, ALL, NULL, &node, &g), LO_OK);
	assert_non_null(node);
	assert_int_equal(use(&table, g), LO_OK);
	assert_int_equal(cap_duplicate(&table, g, RW | LO_RIGHT_DUPLICATE, &d), LO_OK);
	assert_int_equal(cap_replace(&table, d, RW | LO_RIGHT_DUPLICATE, &r), LO_OK);
	assert_true(cap_names(&table, r, &obj->base));
	cap_revoke(node);
	/* Every copy stops; the plain handle it came from does not. */
	assert_int_equal(use(&table, g), LO_ERR_REVOKED);
	assert_int_equal(use(&table, r), LO_ERR_REVOKED);
	assert_int_equal(use(&table, plain), LO_OK);
	assert_false(cap_names(&table, r, &obj->base));
	cap_handle_t x;
	struct cap_taken t;
	assert_int_equal(cap_duplicate(&table, r, RW, &x), LO_ERR_REVOKED);
	assert_int_equal(cap_replace(&table, r, RW, &x), LO_ERR_REVOKED);
	assert_int_equal(cap_take(&table, r, 0, &t), LO_ERR_REVOKED);
	assert_int_equal(cap_grant_revocable(&table, r, RW, NULL, &node, &x), LO_ERR_REVOKED);
	/* Revoked handles still close; the type check comes after REVOKED. */
	struct cap_object *got;
	assert_int_equal(cap_lookup(&table, g, TYPE_B, 0, &got, NULL), LO_ERR_REVOKED);
	assert_int_equal(cap_close(&table, g), LO_OK);
	assert_int_equal(cap_close(&table, r), LO_OK);
	assert_int_equal(use(&table, r), LO_ERR_BAD_HANDLE);
	cap_revoke_node_unref(node);
}

static void test_revoke_reaches_transfers_and_transit(void **state)
{
	(void)state;
	struct cap_revoke_node *node = NULL;
	cap_handle_t g, moved, back;
	assert_int_equal(cap_grant_revocable(&table, plain, ALL, NULL, &node, &g), LO_OK);
	/* One copy moved into another table, one still in flight. */
	struct cap_taken t1, t2;
	cap_handle_t g2;
	assert_int_equal(cap_duplicate(&table, g, ALL, &g2), LO_OK);
	assert_int_equal(cap_take(&table, g, LO_RIGHT_TRANSFER, &t1), LO_OK);
	assert_ptr_equal(t1.node, node);
	assert_int_equal(cap_install_taken(&other, &t1, &moved), LO_OK);
	assert_int_equal(cap_take(&table, g2, LO_RIGHT_TRANSFER, &t2), LO_OK);
	assert_int_equal(use(&other, moved), LO_OK);
	cap_revoke(node);
	assert_int_equal(use(&other, moved), LO_ERR_REVOKED);
	/* The one in flight arrives revoked. */
	assert_int_equal(cap_install_taken(&other, &t2, &back), LO_OK);
	assert_int_equal(use(&other, back), LO_ERR_REVOKED);
	cap_revoke_node_unref(node);
}

static void test_untake_and_drop_keep_the_node(void **state)
{
	(void)state;
	struct cap_revoke_node *node = NULL;
	cap_handle_t g;
	assert_int_equal(cap_grant_revocable(&table, plain, ALL, NULL, &node, &g), LO_OK);
	struct cap_taken t;
	assert_int_equal(cap_take(&table, g, 0, &t), LO_OK);
	assert_int_equal(cap_untake(&table, &t), LO_OK);   /* refused move: put back */
	cap_revoke(node);
	assert_int_equal(use(&table, g), LO_ERR_REVOKED);
	assert_int_equal(cap_close(&table, g), LO_OK);
	/* A message dropped unread returns its node reference too. */
	cap_handle_t g3;
	cap_revoke_node_unref(node);
	node = NULL;
	assert_int_equal(cap_grant_revocable(&table, plain, ALL, NULL, &node, &g3), LO_OK);
	assert_int_equal(cap_take(&table, g3, 0, &t), LO_OK);
	cap_drop_taken(&t);
	cap_revoke_node_unref(node);   /* teardown checks the node is freed */
}

static void test_many_copies_one_store(void **state)
{
	(void)state;
	struct cap_revoke_node *node = NULL;
	cap_handle_t g, copies[50];
	assert_int_equal(cap_grant_revocable(&table, plain, ALL, NULL, &node, &g), LO_OK);
	for (int i = 0; i < 50; i++)
		assert_int_equal(cap_duplicate(&table, g, ALL, &copies[i]), LO_OK);
	/* 51 handles, one node: the revoke touches nothing but its flag. */
	assert_int_equal(node->refs, 52);
	cap_revoke(node);
	for (int i = 0; i < 50; i++)
		assert_int_equal(use(&table, copies[i]), LO_ERR_REVOKED);
	cap_revoke_node_unref(node);
}

static void test_nested_grants(void **state)
{
	(void)state;
	struct cap_revoke_node *outer = NULL, *inner = NULL;
	cap_handle_t a, b, b2;
	assert_int_equal(cap_grant_revocable(&table, plain, ALL, NULL, &outer, &a), LO_OK);
	assert_int_equal(cap_grant_revocable(&table, a, ALL, NULL, &inner, &b), LO_OK);
	assert_ptr_equal(inner->parent, outer);
	assert_int_equal(cap_duplicate(&table, b, ALL, &b2), LO_OK);
	/* Revoking the inner grant leaves the outer one working... */
	cap_revoke(inner);
	assert_int_equal(use(&table, b2), LO_ERR_REVOKED);
	assert_int_equal(use(&table, a), LO_OK);
	cap_revoke_node_unref(inner);
	inner = NULL;
	assert_int_equal(cap_grant_revocable(&table, a, ALL, NULL, &inner, &b), LO_OK);
	/* ... revoking the outer one revokes the grants made from it. */
	cap_revoke(outer);
	assert_int_equal(use(&table, a), LO_ERR_REVOKED);
	assert_int_equal(use(&table, b), LO_ERR_REVOKED);
	cap_revoke_node_unref(inner);
	cap_revoke_node_unref(outer);
}

static void test_depth_limit(void **state)
{
	(void)state;
	struct cap_revoke_node *nodes[CAP_REVOKE_MAX_DEPTH + 1] = { 0 };
	cap_handle_t h = plain, g;
	for (unsigned i = 0; i < CAP_REVOKE_MAX_DEPTH; i++) {
		assert_int_equal(cap_grant_revocable(&table, h, ALL, NULL, &nodes[i], &g), LO_OK);
		assert_int_equal(nodes[i]->depth, i + 1);
		h = g;
	}
	assert_int_equal(cap_grant_revocable(&table, h, ALL, NULL, &nodes[CAP_REVOKE_MAX_DEPTH], &g),
			 LO_ERR_NO_RESOURCES);
	assert_null(nodes[CAP_REVOKE_MAX_DEPTH]);
	cap_revoke(nodes[0]);
	assert_int_equal(use(&table, h), LO_ERR_REVOKED);   /* the deepest */
	for (unsigned i = 0; i < CAP_REVOKE_MAX_DEPTH; i++)
		cap_revoke_node_unref(nodes[i]);
}

static void test_grant_rules(void **state)
{
	(void)state;
	struct cap_revoke_node *node = NULL;
	cap_handle_t g, x, nodup, other_plain;
	/* DUPLICATE needed, rights only shrink, no handle 0. */
	assert_int_equal(cap_duplicate(&table, plain, RW, &nodup), LO_OK);
	assert_int_equal(cap_grant_revocable(&table, nodup, RW, NULL, &node, &x), LO_ERR_ACCESS_DENIED);
	assert_int_equal(cap_grant_revocable(&table, 0, RW, NULL, &node, &x), LO_ERR_BAD_HANDLE);
	assert_null(node);
	assert_int_equal(cap_grant_revocable(&table, plain, LO_RIGHT_READ | LO_RIGHT_DUPLICATE, NULL, &node, &g), LO_OK);
	assert_int_equal(cap_grant_revocable(&table, g, RW, NULL, &node, &x), LO_ERR_INVALID_ARGS);
	/* A second grant of the same node: same object, same origin. */
	assert_int_equal(cap_grant_revocable(&table, plain, RW, &obj->base, &node, &x), LO_OK);
	struct test_object *o2 = test_object_new(TYPE_A, 1);
	cap_install(&table, &o2->base, ALL, &other_plain);
	cap_unref(&o2->base);
	assert_int_equal(cap_grant_revocable(&table, other_plain, RW, &obj->base, &node, &x),
			 LO_ERR_INVALID_ARGS);
	struct cap_revoke_node *child = NULL;
	cap_handle_t c;
	cap_handle_t dupg;
	assert_int_equal(cap_duplicate(&table, plain, ALL, &dupg), LO_OK);
	assert_int_equal(cap_grant_revocable(&table, dupg, ALL, NULL, &child, &c), LO_OK);
	/* c's node is child: granting from c under `node` would mix origins. */
	assert_int_equal(cap_grant_revocable(&table, c, RW, &obj->base, &node, &x), LO_ERR_INVALID_ARGS);
	cap_revoke_node_unref(child);
	cap_revoke_node_unref(node);
}

static void test_no_memory(void **state)
{
	(void)state;
	struct cap_revoke_node *node = NULL;
	cap_handle_t g;
	cap_test_fail_allocs_after(0);
	assert_int_equal(cap_grant_revocable(&table, plain, ALL, NULL, &node, &g), LO_ERR_NO_MEMORY);
	cap_test_fail_allocs_after(-1);
	assert_null(node);
	assert_int_equal(cap_handle_count(&obj->base), 1);
}

static void test_list_flags(void **state)
{
	(void)state;
	struct cap_revoke_node *node = NULL;
	cap_handle_t g;
	assert_int_equal(cap_grant_revocable(&table, plain, ALL, NULL, &node, &g), LO_OK);
	struct cap_handle_info info[4];
	uint32_t cursor = 0;
	assert_int_equal(cap_table_list(&table, &cursor, info, 4), 2);
	assert_int_equal(info[0].flags, 0);
	assert_int_equal(info[1].flags, CAP_INFO_REVOCABLE);
	cap_revoke(node);
	cursor = 0;
	assert_int_equal(cap_table_list(&table, &cursor, info, 4), 2);
	assert_int_equal(info[1].flags, CAP_INFO_REVOCABLE | CAP_INFO_REVOKED);
	cap_revoke_node_unref(node);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grant_then_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke_reaches_transfers_and_transit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untake_and_drop_keep_the_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_copies_one_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_grants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_flags, setup, teardown),
	};
	return cmocka_run_group_tests_name("revoke", tests, NULL, NULL);
}
