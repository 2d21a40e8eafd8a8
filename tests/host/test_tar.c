/* The image builder (scripts/mkimage.py) and the tar reader (libos/tar.c)
 * together: every file's bytes start on a page boundary (so spawn can map
 * them), GNU tar still lists the archive, and the reader skips the pax
 * padding and finds every file with its exact bytes. Files of sizes that
 * leave each possible gap before the next header. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lightos/tar.h"

#define FILES 9

static size_t file_size(int i)
{
	return i == 0 ? 0 : (size_t)i * 512 - (i % 3);   /* gaps of every size */
}

static uint8_t byte_of(int i, size_t at)
{
	return (uint8_t)(i * 31 + at * 7);
}

static void test_image_aligned_and_readable(void **state)
{
	(void)state;
	char dir[] = "/tmp/lightos-tar-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char cmd[4096], path[256];
	int n = snprintf(cmd, sizeof(cmd), "python3 scripts/mkimage.py %s/image.tar", dir);
	for (int i = 0; i < FILES; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		for (size_t b = 0; b < file_size(i); b++)
			fputc(byte_of(i, b), f);
		fclose(f);
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " bin/f%d=%s", i, path);
	}
	assert_int_equal(system(cmd), 0);

	/* GNU tar reads it: the directory, then each file, nothing else. */
	snprintf(cmd, sizeof(cmd), "tar tf %s/image.tar | tr '\\n' ' '", dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char listed[512] = "";
	assert_non_null(fgets(listed, sizeof(listed), p));
	assert_int_equal(pclose(p), 0);
	assert_string_equal(listed, "bin/ bin/f0 bin/f1 bin/f2 bin/f3 bin/f4 bin/f5 bin/f6 bin/f7 bin/f8 ");

	snprintf(path, sizeof(path), "%s/image.tar", dir);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static uint8_t tar[1 << 20];
	size_t size = fread(tar, 1, sizeof(tar), f);
	fclose(f);
	uint64_t cursor = 0;
	struct lo_tar_entry e;
	assert_int_equal(lo_tar_next(tar, size, &cursor, &e), LO_OK);
	assert_string_equal(e.name, "bin");
	for (int i = 0; i < FILES; i++) {
		char name[32];
		snprintf(name, sizeof(name), "bin/f%d", i);
		assert_int_equal(lo_tar_next(tar, size, &cursor, &e), LO_OK);
		assert_string_equal(e.name, name);
		assert_false(e.is_pax);
		assert_int_equal(e.offset % 4096, 0);
		assert_int_equal(e.size, file_size(i));
		for (size_t b = 0; b < e.size; b++)
			assert_int_equal(tar[e.offset + b], byte_of(i, b));
		struct lo_tar_entry found;
		assert_int_equal(lo_tar_find(tar, size, name, &found), LO_OK);
		assert_int_equal(found.offset, e.offset);
	}
	assert_int_equal(lo_tar_next(tar, size, &cursor, &e), LO_ERR_NOT_FOUND);
	snprintf(cmd, sizeof(cmd), "rm -r %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_aligned_and_readable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
