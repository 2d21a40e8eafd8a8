/* Host tests of the kernel's vsnprintf, compared against what C specifies.
 * Built with -Dsnprintf=kern_snprintf (see host.mk) so the kernel's code,
 * not the C library's, is under test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/printf.h"

static char buf[256];

static void expect(const char *want, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
}

static void test_integers(void **state)
{
	(void)state;
	expect("0", "%d", 0);
	expect("-1", "%d", -1);
	expect("2147483647 -2147483648", "%d %d", 2147483647, (int)-2147483647 - 1);
	expect("4294967295", "%u", 4294967295u);
	expect("-9223372036854775808", "%ld", (long)INT64_MIN);
	expect("18446744073709551615", "%lu", (unsigned long)UINT64_MAX);
	expect("ffffffffffffffff", "%llx", (unsigned long long)UINT64_MAX);
	expect("DEADBEEF deadbeef", "%X %x", 0xdeadbeefu, 0xdeadbeefu);
	expect("17", "%o", 15u);
	expect("123456", "%zu", (size_t)123456);
	expect("-5", "%zd", (size_t)-5);
}

static void test_width_and_flags(void **state)
{
	(void)state;
	expect("   42", "%5d", 42);
	expect("42   |", "%-5d|", 42);
	expect("00042", "%05d", 42);
	expect("-0042", "%05d", -42);
	expect("  -42", "%5d", -42);
	expect("0000beef", "%08x", 0xbeefu);
	expect("   ab", "%*s", 5, "ab");
	expect("ab   |", "%-*s|", 5, "ab");
	expect("ab   |", "%*s|", -5, "ab");
	expect("00123", "%.5d", 123);
	expect("", "%.0d", 0);
	expect("   007", "%6.3d", 7);
}

static void test_strings_chars(void **state)
{
	(void)state;
	expect("hello", "%s", "hello");
	expect("(null)", "%s", (char *)NULL);
	expect("hel", "%.3s", "hello");
	expect("x", "%c", 'x');
	expect("  x", "%3c", 'x');
	expect("100%", "%d%%", 100);
	expect("0x1000", "%p", (void *)0x1000);
	expect("%q", "%q");
}

static void test_truncation(void **state)
{
	(void)state;
	char small[5];
	memset(small, 'Z', sizeof(small));
	int n = snprintf(small, sizeof(small), "%s", "abcdefgh");
	assert_int_equal(n, 8);
	assert_string_equal(small, "abcd");
	/* Size 0 writes nothing at all but still measures. */
	small[0] = 'Q';
	n = snprintf(small, 0, "%d", 12345);
	assert_int_equal(n, 5);
	assert_int_equal(small[0], 'Q');
	/* Exactly fitting output. */
	n = snprintf(small, sizeof(small), "%d", 1234);
	assert_int_equal(n, 4);
	assert_string_equal(small, "1234");
}

static void test_trailing_percent(void **state)
{
	(void)state;
	const char *fmt = "50%";   /* not a literal: the compiler would refuse it */
	int n = snprintf(buf, sizeof(buf), fmt);
	assert_string_equal(buf, "50");
	assert_int_equal(n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_width_and_flags),
		cmocka_unit_test(test_strings_chars),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_trailing_percent),
	};
	return cmocka_run_group_tests_name("printf", tests, NULL, NULL);
}
