/* The kernel log ring (kern/obj/log.c): positions, a reader that falls
 * behind, the rights it takes, and the kernel leaving the UART to the
 * console driver once init runs (docs/bootstrap.md). */
#include "utest.h"

/* Read from `cursor` until `text` turns up or the log ends. */
static int log_contains(uint64_t cursor, const char *text)
{
	size_t len = lo_strlen(text);
	char buf[1024 + 128];
	size_t kept = 0;   /* the tail of the last chunk, for a match across two */
	for (;;) {
		uint32_t got = 0;
		uint64_t next = cursor;
		if (lo_log_read(lo_log, buf + kept, 1024, cursor, &got, &next) != LO_OK || got == 0)
			return 0;
		size_t have = kept + got;
		for (size_t k = 0; k + len <= have; k++)
			if (lo_memcmp(buf + k, text, len) == 0)
				return 1;
		kept = have < len ? have : len;
		for (size_t i = 0; i < kept; i++)   /* forward: the target is lower */
			buf[i] = buf[have - kept + i];
		cursor = next;
	}
}

/* The logger has put everything written so far on the console. */
static int wait_drained(void)
{
	uint32_t observed = 0;
	return lo_handle_wait_one(lo_log_handle(lo_log), LO_SIG_LOG_DRAINED,
				  lo_deadline_after_ms(20000), &observed) == LO_OK;
}

static void test_positions(void)
{
	struct lo_log_info before, after;
	CHECK_ST(lo_log_info(lo_log, &before), LO_OK);
	CHECK(before.ring_size == 65536);
	CHECK(before.oldest <= before.shown && before.shown <= before.written);
	const char *text = "log.positions: one record\n";
	uint32_t len = (uint32_t)lo_strlen(text);
	CHECK_ST(lo_log_write(lo_log, text, len), LO_OK);
	CHECK_ST(lo_log_info(lo_log, &after), LO_OK);
	CHECK(after.written >= before.written + len);
	/* The record sits whole at or after the position written before. */
	CHECK(log_contains(before.written, text));
	/* Reading continues where `next` says; at the end there is nothing. */
	char buf[64];
	uint32_t got = 0;
	uint64_t next = 0;
	CHECK_ST(lo_log_read(lo_log, buf, 4, before.written, &got, &next), LO_OK);
	CHECK(got == 4 && next == before.written + 4);
	CHECK_ST(lo_log_read(lo_log, buf, sizeof(buf), UINT64_MAX, &got, &next), LO_OK);
	CHECK(got == 0);
	/* The logger shows it: DRAINED comes, and shown catches up. */
	CHECK(wait_drained());
	CHECK_ST(lo_log_info(lo_log, &after), LO_OK);
	CHECK(after.shown >= before.written + len);
}

static void test_reader_behind_sees_gap(void)
{
	CHECK(wait_drained());   /* so the flood below hides nothing earlier */
	struct lo_log_info start, end;
	CHECK_ST(lo_log_info(lo_log, &start), LO_OK);
	const char *mark = "log.gap: the first record\n";
	CHECK_ST(lo_log_write(lo_log, mark, (uint32_t)lo_strlen(mark)), LO_OK);
	char line[1024];
	lo_memset(line, '.', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	for (uint64_t n = 0; n < start.ring_size + sizeof(line); n += sizeof(line))
		CHECK_ST(lo_log_write(lo_log, line, sizeof(line)), LO_OK);
	CHECK_ST(lo_log_info(lo_log, &end), LO_OK);
	CHECK(end.oldest > start.written);
	/* A reader still at start.written gets the oldest bytes held and can
	 * tell how many it lost: next - actual - cursor. */
	char buf[256];
	uint32_t got = 0;
	uint64_t next = 0;
	CHECK_ST(lo_log_read(lo_log, buf, sizeof(buf), start.written, &got, &next), LO_OK);
	CHECK(got == sizeof(buf));
	uint64_t gap = next - got - start.written;
	CHECK(gap >= end.oldest - start.written && gap > lo_strlen(mark));
	CHECK(!log_contains(start.written, "log.gap: the first"));
	CHECK(end.lost >= start.lost);
	CHECK(wait_drained());
}

static void test_rights(void)
{
	lo_handle_t no_read = utest_dup(lo_log_handle(lo_log), LO_DEFAULT_RIGHTS_LOG & ~LO_RIGHT_READ);
	char buf[16];
	uint32_t got = 0;
	uint64_t next = 0;
	CHECK_ST(lo_log_read(lo_log_from(no_read), buf, sizeof(buf), 0, &got, &next),
		 LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_log_shown(lo_log_from(no_read), 0), LO_OK);   /* no-op: not past shown */
	lo_handle_t no_console = utest_dup(lo_log_handle(lo_log),
					   LO_DEFAULT_RIGHTS_LOG & ~LO_RIGHT_LOG_CONSOLE);
	CHECK_ST(lo_log_shown(lo_log_from(no_console), 0), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_log_read(lo_log_from(no_console), buf, sizeof(buf), 0, &got, &next), LO_OK);
	/* No claiming the console showed what was never written. */
	CHECK_ST(lo_log_shown(lo_log, UINT64_MAX), LO_ERR_OUT_OF_RANGE);
	lo_handle_close(no_read);
	lo_handle_close(no_console);
}

/* A process fault report is kernel output at run time: it must reach the
 * ring and not the UART, which only the console driver drives now. */
static void test_kernel_quiet_after_init(void)
{
	struct lo_log_info before, after;
	CHECK_ST(lo_log_info(lo_log, &before), LO_OK);
	CHECK(before.kernel_uart_bytes == 0);
	lo_process_t child;
	if (!CHECK_ST(utest_spawn_child("crash", NULL, 0, &child), LO_OK))
		return;
	uint64_t id = utest_object_id(lo_process_handle(child));
	struct lo_process_info info;
	CHECK(utest_wait_process(child, &info));
	lo_handle_close(lo_process_handle(child));
	CHECK(info.exit_reason != LO_EXIT_NORMAL);
	char want[64];
	lo_snprintf(want, sizeof(want), "process child (%lu): page fault", (unsigned long)id);
	CHECK(log_contains(before.written, want));
	CHECK_ST(lo_log_info(lo_log, &after), LO_OK);
	CHECK(after.kernel_uart_bytes == 0);
}

static const struct utest log_tests[] = {
	{ "log.positions", test_positions },
	{ "log.reader_behind_sees_gap", test_reader_behind_sees_gap },
	{ "log.rights", test_rights },
	{ "log.kernel_quiet_after_init", test_kernel_quiet_after_init },
	{ 0, 0 },
};

UTEST_SUITE(log_tests);
