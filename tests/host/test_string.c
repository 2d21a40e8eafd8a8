/* Host tests of the kernel's string helpers. The kernel's functions carry
 * the C library's names, so this test builds them renamed (see host.mk). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

void *kern_memcpy(void *dst, const void *src, size_t n);
void *kern_memmove(void *dst, const void *src, size_t n);
void *kern_memset(void *dst, int c, size_t n);
int kern_memcmp(const void *a, const void *b, size_t n);
size_t kern_strlen(const char *s);
size_t kern_strnlen(const char *s, size_t max);
int kern_strcmp(const char *a, const char *b);
int kern_strncmp(const char *a, const char *b, size_t n);
size_t kern_strlcpy(char *dst, const char *src, size_t size);
void bytes_to_str(char *dst, size_t size, const void *src, size_t len);

static void test_mem(void **state)
{
	(void)state;
	char a[16] = "abcdefghijklmno";
	kern_memmove(a + 2, a, 5);            /* overlapping, forward */
	assert_memory_equal(a, "ababcdehijklmno", 15);
	kern_memmove(a, a + 2, 5);            /* overlapping, backward */
	assert_memory_equal(a, "abcdedehijklmno", 15);
	kern_memset(a, 'x', 3);
	assert_memory_equal(a, "xxx", 3);
	char b[4];
	assert_ptr_equal(kern_memcpy(b, "wxyz", 4), b);
	assert_memory_equal(b, "wxyz", 4);
	assert_int_equal(kern_memcmp("abc", "abd", 3), -1);
	assert_int_equal(kern_memcmp("abd", "abc", 3), 1);
	assert_int_equal(kern_memcmp("abc", "abd", 2), 0);
	assert_true(kern_memcmp("\xff", "\x01", 1) > 0);   /* compares unsigned */
}

/* memcpy and memset move eight bytes a step, then the rest: every length
 * 0..40 at every start offset 0..7, each byte checked (and the bytes just
 * outside untouched) against a byte-by-byte reference. */
static void test_mem_lengths(void **state)
{
	(void)state;
	for (size_t off = 0; off < 8; off++) {
		for (size_t n = 0; n <= 40; n++) {
			unsigned char src[64], dst[64], want[64];
			for (size_t i = 0; i < sizeof(src); i++) {
				src[i] = (unsigned char)(i * 7 + 1);
				dst[i] = want[i] = 0xee;
			}
			for (size_t i = 0; i < n; i++)
				want[off + i] = src[i + 3];
			assert_ptr_equal(kern_memcpy(dst + off, src + 3, n), dst + off);
			assert_memory_equal(dst, want, sizeof(dst));
			for (size_t i = 0; i < n; i++)
				want[off + i] = 0xa5;
			assert_ptr_equal(kern_memset(dst + off, 0x1a5, n), dst + off);   /* only the low byte */
			assert_memory_equal(dst, want, sizeof(dst));
		}
	}
}

static void test_str(void **state)
{
	(void)state;
	assert_int_equal(kern_strlen(""), 0);
	assert_int_equal(kern_strlen("four"), 4);
	assert_int_equal(kern_strnlen("four", 2), 2);
	assert_int_equal(kern_strnlen("four", 10), 4);
	assert_true(kern_strcmp("a", "b") < 0);
	assert_true(kern_strcmp("b", "a") > 0);
	assert_int_equal(kern_strcmp("same", "same"), 0);
	assert_true(kern_strcmp("ab", "abc") < 0);
	assert_int_equal(kern_strncmp("abcX", "abcY", 3), 0);
	assert_true(kern_strncmp("abcX", "abcY", 4) < 0);
	char d[4];
	assert_int_equal(kern_strlcpy(d, "longer", sizeof(d)), 6);
	assert_string_equal(d, "lon");
	assert_int_equal(kern_strlcpy(d, "ab", sizeof(d)), 2);
	assert_string_equal(d, "ab");
	d[0] = 'Q';
	kern_strlcpy(d, "zz", 0);
	assert_int_equal(d[0], 'Q');
}

/* A name from a system call: its bytes need not end in NUL. */
static void test_bytes_to_str(void **state)
{
	(void)state;
	char d[4];
	bytes_to_str(d, sizeof(d), "abcdef", 6);   /* cut, and terminated */
	assert_string_equal(d, "abc");
	bytes_to_str(d, sizeof(d), "xyZZ", 2);     /* only the bytes given */
	assert_string_equal(d, "xy");
	bytes_to_str(d, sizeof(d), "", 0);
	assert_string_equal(d, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_mem_lengths),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_bytes_to_str),
	};
	return cmocka_run_group_tests_name("string", tests, NULL, NULL);
}
