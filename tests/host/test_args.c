/* Host tests of the guest suite's command-line options (tests/guest/user/args.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "../guest/user/args.h"

static void test_fuzz_entry(void **state)
{
	(void)state;
	const char *p = args_option("test selfcheck fuzz 7 200000 race,cycle", "fuzz");
	assert_non_null(p);
	assert_int_equal(args_number(&p), 7);
	assert_int_equal(args_number(&p), 200000);
	char classes[48];
	assert_int_equal(args_word(&p, classes, sizeof(classes)), 10);
	assert_string_equal(classes, "race,cycle");
	assert_null(args_option("test selfcheck fuzz 7 200000 race,cycle", "only"));
	/* No classes: an empty word (the suite then runs all). */
	p = args_option("test selfcheck fuzz 1 5", "fuzz");
	assert_int_equal(args_number(&p), 1);
	assert_int_equal(args_number(&p), 5);
	assert_int_equal(args_word(&p, classes, sizeof(classes)), 0);
	assert_string_equal(classes, "");
}

/* A test name that holds "fuzz" is not the fuzz option: ONLY="user.syscall_fuzz 5"
 * once started the long fuzz run. */
static void test_only_with_fuzz_in_the_name(void **state)
{
	(void)state;
	const char *line = "test selfcheck only user.syscall_fuzz 5";
	assert_null(args_option(line, "fuzz"));
	const char *p = args_option(line, "only");
	assert_non_null(p);
	char prefix[64];
	args_word(&p, prefix, sizeof(prefix));
	assert_string_equal(prefix, "user.syscall_fuzz");
	assert_int_equal(args_number(&p), 5);
	/* Not even as a whole word, when it is only's own argument. */
	assert_null(args_option("test selfcheck only fuzz 3", "fuzz"));
	assert_null(args_option("test selfcheck only x fuzz", "fuzz"));
	assert_null(args_option("test fuzzy 1 2", "fuzz"));
	assert_null(args_option("test selfcheck", "only"));
	assert_null(args_option("", "only"));
}

static void test_word_is_cut_to_fit(void **state)
{
	(void)state;
	const char *p = "  user.a_very_long_name 12";
	char small[8];
	assert_int_equal(args_word(&p, small, sizeof(small)), 7);
	assert_string_equal(small, "user.a_");
	assert_int_equal(args_number(&p), 12);   /* past the whole word */
	assert_int_equal(args_number(&p), 0);    /* nothing left */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_entry),
		cmocka_unit_test(test_only_with_fuzz_in_the_name),
		cmocka_unit_test(test_word_is_cut_to_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
