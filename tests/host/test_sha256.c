/* libos/sha256.c against the host's sha256sum: the empty input, the FIPS
 * "abc" vector, every length around the padding boundaries, a megabyte fed
 * in odd-sized pieces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lightos/sha256.h"

/* sha256sum's answer for data[0..len). */
static void reference(const uint8_t *data, size_t len, char out[65])
{
	char path[] = "/tmp/lightos-sha256-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "wb");
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "sha256sum %s", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(out, 65, p));
	pclose(p);
	remove(path);
	out[64] = 0;
}

static void check(const uint8_t *data, size_t len, size_t piece)
{
	char want[65], got[65];
	uint8_t digest[LO_SHA256_BYTES];
	struct lo_sha256 s;
	lo_sha256_init(&s);
	for (size_t off = 0; off < len; off += piece)
		lo_sha256_update(&s, data + off, len - off < piece ? len - off : piece);
	lo_sha256_final(&s, digest);
	lo_sha256_hex(digest, got);
	reference(data, len, want);
	assert_string_equal(got, want);
}

static void test_known_vectors(void **state)
{
	(void)state;
	char hex[65];
	uint8_t d[LO_SHA256_BYTES];
	lo_sha256("abc", 3, d);
	lo_sha256_hex(d, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	lo_sha256("", 0, d);
	lo_sha256_hex(d, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_padding_boundaries(void **state)
{
	(void)state;
	uint8_t data[200];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 11);
	static const size_t lens[] = { 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 200 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		check(data, lens[i], lens[i]);
}

static void test_megabyte_in_pieces(void **state)
{
	(void)state;
	size_t len = 1 << 20;
	uint8_t *data = malloc(len);
	uint32_t x = 12345;
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (uint8_t)(x >> 16);
	}
	check(data, len, len);
	check(data, len, 1000);   /* pieces that straddle blocks */
	check(data, len, 63);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_padding_boundaries),
		cmocka_unit_test(test_megabyte_in_pieces),
	};
	return cmocka_run_group_tests_name("sha256", tests, NULL, NULL);
}
