/* Kernel library code, checked in the kernel build (the host suite checks
 * the same code in more depth). */
#include "test/selftest.h"
#include "lib/printf.h"
#include "lib/string.h"

static void test_snprintf(struct ktest_ctx *ctx)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%d %u %x %s %c %5d|%-3d|%03d", -42, 7u, 0xbeefu, "ok", 'z', 12, 4, 9);
	CHECK(ctx, strcmp(buf, "-42 7 beef ok z    12|4  |009") == 0);
	CHECK(ctx, snprintf(buf, 4, "%s", "truncated") == 9);
	CHECK(ctx, strcmp(buf, "tru") == 0);
	snprintf(buf, sizeof(buf), "%lx %p", 0xffffffff80000000ul, (void *)0x1000);
	CHECK(ctx, strcmp(buf, "ffffffff80000000 0x1000") == 0);
}

const struct ktest lib_tests[] = {
	{ "lib.snprintf", test_snprintf },
	{ 0, 0 },
};
