/* Model-based fuzzing of the handle tables: the input bytes are a program
 * of operations on three real tables; a plain reference model predicts each
 * result, and after every step the two must agree. Checked: rights only
 * shrink, stale and guessed handles never resolve, refcounts and handle
 * counts match, nothing leaks at the end.
 *
 * Built two ways: with -fsanitize=fuzzer (LLVMFuzzerTestOneInput) for
 * `make fuzz-cap`, and with FUZZ_DRIVER for `make test`, which runs a fixed
 * number of pseudo-random programs from a fixed seed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "handle_table.h"
#include "test_objects.h"

#define TABLES   3
#define OBJECTS  4
#define QUOTA    12
#define MAX_LIVE (TABLES * QUOTA)

struct model_handle {
	int live;
	int table;
	cap_handle_t value;
	int object;
	rights_t rights;
};

struct model_taken {
	int live;
	struct cap_taken taken;
	int object;
	rights_t rights;
};

static struct cap_table tables[TABLES];
static struct test_object *objects[OBJECTS];
static int object_alive[OBJECTS];
static int kernel_refs[OBJECTS];          /* references held outside tables */
static struct model_handle handles[256];
static int handle_count_model;
static struct model_taken taken[8];
static cap_handle_t dead_values[512];    /* values that were closed */
static int dead_count;

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "model mismatch at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static int handles_of(int object)
{
	int n = 0;
	for (int i = 0; i < handle_count_model; i++)
		n += handles[i].live && handles[i].object == object;
	for (int i = 0; i < 8; i++)
		n += taken[i].live && taken[i].object == object;
	return n;
}

static int live_in_table(int t)
{
	int n = 0;
	for (int i = 0; i < handle_count_model; i++)
		n += handles[i].live && handles[i].table == t;
	return n;
}

static void check_invariants(void)
{
	for (int o = 0; o < OBJECTS; o++) {
		int h = handles_of(o);
		if (!object_alive[o])
			continue;
		CHECK((int)cap_handle_count(&objects[o]->base) == h);
		CHECK((int)cap_refcount(&objects[o]->base) == h + kernel_refs[o]);
		CHECK(objects[o]->destroyed == 0);
	}
	for (int i = 0; i < handle_count_model; i++) {
		struct model_handle *m = &handles[i];
		if (!m->live)
			continue;
		struct cap_object *got;
		rights_t r;
		CHECK(cap_lookup(&tables[m->table], m->value, CAP_TYPE_ANY, 0, &got, &r) == LO_OK);
		CHECK(got == &objects[m->object]->base && r == m->rights);
		cap_unref(got);
	}
	for (int i = 0; i < dead_count; i++) {
		/* A dead value may only resolve if the same value is live again
		 * (after 2^16 reuses of its slot, which this fuzzer cannot reach). */
		for (int t = 0; t < TABLES; t++) {
			struct cap_object *got;
			status_t st = cap_lookup(&tables[t], dead_values[i], CAP_TYPE_ANY, 0, &got, NULL);
			if (st == LO_OK) {
				int found = 0;
				for (int k = 0; k < handle_count_model; k++)
					found |= handles[k].live && handles[k].table == t &&
						 handles[k].value == dead_values[i];
				CHECK(found);
				cap_unref(got);
			} else {
				CHECK(st == LO_ERR_BAD_HANDLE);
			}
		}
	}
}

static void record_dead(cap_handle_t v)
{
	if (dead_count < 512)
		dead_values[dead_count++] = v;
}

static struct model_handle *pick_live(uint8_t sel)
{
	int live = 0;
	for (int i = 0; i < handle_count_model; i++)
		live += handles[i].live;
	if (!live)
		return NULL;
	int k = sel % live;
	for (int i = 0; i < handle_count_model; i++) {
		if (handles[i].live && k-- == 0)
			return &handles[i];
	}
	return NULL;
}

static struct model_handle *new_model_handle(void)
{
	for (int i = 0; i < handle_count_model; i++) {
		if (!handles[i].live)
			return &handles[i];
	}
	if (handle_count_model < 256)
		return &handles[handle_count_model++];
	return NULL;
}

static void setup(void)
{
	test_objects_live = 0;
	for (int t = 0; t < TABLES; t++)
		cap_table_init(&tables[t], QUOTA, 0x1000193u * (uint32_t)(t + 7));
	for (int o = 0; o < OBJECTS; o++) {
		objects[o] = test_object_new(o % 2 ? TYPE_A : TYPE_B, 0);
		object_alive[o] = 1;
		kernel_refs[o] = 1;
	}
	memset(handles, 0, sizeof(handles));
	memset(taken, 0, sizeof(taken));
	handle_count_model = 0;
	dead_count = 0;
}

static void step(uint8_t op, uint8_t a, uint8_t b, uint8_t c)
{
	rights_t rights = ((rights_t)b << 8 | c) & 0x07ff;
	struct model_handle *m;
	cap_handle_t v;
	struct cap_object *got;
	switch (op % 9) {
	case 0: {   /* install */
		int t = a % TABLES, o = b % OBJECTS;
		if (!object_alive[o] || kernel_refs[o] == 0)
			break;
		status_t st = cap_install(&tables[t], &objects[o]->base, rights, &v);
		if (live_in_table(t) >= QUOTA) {
			CHECK(st == LO_ERR_NO_RESOURCES);
			break;
		}
		CHECK(st == LO_OK && v != 0);
		m = new_model_handle();
		CHECK(m != NULL);
		*m = (struct model_handle){ 1, t, v, o, rights };
		break;
	}
	case 1:     /* close */
		if (!(m = pick_live(a)))
			break;
		/* The general form or the system calls' (the same answers). */
		CHECK((b & 1 ? cap_sys_close : cap_close)(&tables[m->table], m->value) == LO_OK);
		m->live = 0;
		record_dead(m->value);
		break;
	case 2: {   /* duplicate with some rights */
		if (!(m = pick_live(a)))
			break;
		status_t st = (b & 1 ? cap_sys_duplicate : cap_duplicate)(&tables[m->table], m->value,
									 rights, &v);
		if (!(m->rights & LO_RIGHT_DUPLICATE))
			CHECK(st == LO_ERR_ACCESS_DENIED);
		else if (rights & ~m->rights)
			CHECK(st == LO_ERR_INVALID_ARGS);
		else if (live_in_table(m->table) >= QUOTA)
			CHECK(st == LO_ERR_NO_RESOURCES);
		else {
			CHECK(st == LO_OK);
			struct model_handle copy = { 1, m->table, v, m->object, rights };
			struct model_handle *n = new_model_handle();
			CHECK(n != NULL);
			*n = copy;
		}
		break;
	}
	case 3: {   /* replace */
		if (!(m = pick_live(a)))
			break;
		status_t st = cap_replace(&tables[m->table], m->value, rights, &v);
		if (rights & ~m->rights) {
			CHECK(st == LO_ERR_INVALID_ARGS);
		} else {
			CHECK(st == LO_OK && v != m->value);
			record_dead(m->value);
			m->value = v;
			m->rights = rights;
		}
		break;
	}
	case 4: {   /* lookup with required rights and a type */
		if (!(m = pick_live(a)))
			break;
		uint32_t type = b % 3;   /* 0 = any */
		status_t st = cap_lookup(&tables[m->table], m->value, type, rights, &got, NULL);
		uint32_t real = objects[m->object]->base.type;
		if (type && type != real)
			CHECK(st == LO_ERR_WRONG_TYPE);
		else if (rights & ~m->rights)
			CHECK(st == LO_ERR_ACCESS_DENIED);
		else {
			CHECK(st == LO_OK && got == &objects[m->object]->base);
			cap_unref(got);
		}
		break;
	}
	case 5: {   /* take for transfer */
		if (!(m = pick_live(a)))
			break;
		int slot = -1;
		for (int i = 0; i < 8; i++) {
			if (!taken[i].live)
				slot = i;
		}
		if (slot < 0)
			break;
		status_t st = cap_take(&tables[m->table], m->value, LO_RIGHT_TRANSFER, &taken[slot].taken);
		if (!(m->rights & LO_RIGHT_TRANSFER)) {
			CHECK(st == LO_ERR_ACCESS_DENIED);
			break;
		}
		CHECK(st == LO_OK);
		taken[slot].live = 1;
		taken[slot].object = m->object;
		taken[slot].rights = m->rights;
		m->live = 0;
		record_dead(m->value);
		break;
	}
	case 6: {   /* install a taken handle, or drop it */
		int slot = a % 8, t = b % TABLES;
		if (!taken[slot].live)
			break;
		if (c & 1) {
			cap_drop_taken(&taken[slot].taken);
			taken[slot].live = 0;
			break;
		}
		status_t st = cap_install_taken(&tables[t], &taken[slot].taken, &v);
		if (live_in_table(t) >= QUOTA) {
			CHECK(st == LO_ERR_NO_RESOURCES);
			break;
		}
		CHECK(st == LO_OK);
		m = new_model_handle();
		CHECK(m != NULL);
		*m = (struct model_handle){ 1, t, v, taken[slot].object, taken[slot].rights };
		taken[slot].live = 0;
		break;
	}
	case 7: {   /* drop or take a kernel-internal reference */
		int o = a % OBJECTS;
		if (!object_alive[o])
			break;
		if (b & 1) {
			cap_ref(&objects[o]->base);
			kernel_refs[o]++;
		} else if (kernel_refs[o] > 0) {
			kernel_refs[o]--;
			int last = kernel_refs[o] == 0 && handles_of(o) == 0;
			cap_unref(&objects[o]->base);
			if (last) {
				CHECK(objects[o]->destroyed == 1);
				object_alive[o] = 0;
			}
		}
		break;
	}
	case 8: {   /* a guessed value */
		cap_handle_t guess = (cap_handle_t)a << 24 | (cap_handle_t)b << 16 | (cap_handle_t)c << 8 | op;
		for (int t = 0; t < TABLES; t++) {
			status_t st = cap_lookup(&tables[t], guess, CAP_TYPE_ANY, 0, &got, NULL);
			if (st == LO_OK) {
				int found = 0;
				for (int k = 0; k < handle_count_model; k++)
					found |= handles[k].live && handles[k].table == t && handles[k].value == guess;
				CHECK(found);
				cap_unref(got);
			}
		}
		break;
	}
	}
	/* Objects whose last reference went through a close are dead. */
	for (int o = 0; o < OBJECTS; o++) {
		if (object_alive[o] && kernel_refs[o] == 0 && handles_of(o) == 0) {
			CHECK(objects[o]->destroyed == 1);
			object_alive[o] = 0;
		}
	}
	check_invariants();
}

static void finish(void)
{
	for (int i = 0; i < 8; i++) {
		if (taken[i].live)
			cap_drop_taken(&taken[i].taken);
	}
	for (int t = 0; t < TABLES; t++)
		cap_table_close_all(&tables[t]);
	for (int o = 0; o < OBJECTS; o++) {
		while (object_alive[o] && kernel_refs[o] > 0) {
			kernel_refs[o]--;
			cap_unref(&objects[o]->base);
		}
		CHECK(objects[o]->destroyed == 1);   /* exactly once, nothing leaked */
		free(objects[o]);
	}
	CHECK(test_objects_live == 0);
	CHECK(cap_test_bytes_allocated() == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	for (size_t i = 0; i + 4 <= size; i += 4)
		step(data[i], data[i + 1], data[i + 2], data[i + 3]);
	finish();
	return 0;
}

#ifdef FUZZ_DRIVER
int main(int argc, char **argv)
{
	long runs = argc > 1 ? atol(argv[1]) : 3000;
	uint32_t seed = 0x1ee7c0de;
	uint8_t program[512];
	for (long r = 0; r < runs; r++) {
		size_t len = 4 + (seed % (sizeof(program) - 4));
		for (size_t i = 0; i < len; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			program[i] = (uint8_t)seed;
		}
		LLVMFuzzerTestOneInput(program, len);
	}
	printf("ok 1 - capability model fuzz: %ld programs agree with the model\n", runs);
	printf("1..1\n");
	return 0;
}
#endif
