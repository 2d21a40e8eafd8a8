/* A tiny object type for capability-core tests: counts its destruction
 * and its on-zero-handles calls. */
#ifndef TESTS_CAP_TEST_OBJECTS_H
#define TESTS_CAP_TEST_OBJECTS_H

#include "object.h"

#define TYPE_A 1
#define TYPE_B 2

struct test_object {
	struct cap_object base;
	int destroyed;          /* times destroy ran (must end at exactly 1) */
	int zero_handles;       /* times on_zero_handles ran */
	int freed_on_destroy;   /* destroy frees the memory when set */
};

struct test_object *test_object_new(uint32_t type, int free_on_destroy);
extern long test_objects_live;

#endif
