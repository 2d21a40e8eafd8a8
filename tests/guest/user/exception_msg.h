/* What an exception handler receives (docs/exceptions.md), for the
 * exception tests: the report and its three handles, read and closed. */
#ifndef UTEST_EXCEPTION_MSG_H
#define UTEST_EXCEPTION_MSG_H

#include "utest.h"

#define EXC_TOUCH_ADDR 0x0000500000000000ull   /* as in child.c */

struct exc_msg {
	struct lo_exception_report report;
	lo_exception_t exception;
	lo_thread_t thread;
	lo_process_t process;
};

/* Let a child in an exc-* mode go on to its fault. */
static inline int send_go(lo_channel_t go)
{
	return CHECK_ST(lo_channel_write(go, "go", 2, NULL, 0), LO_OK);
}

/* The next exception message (within 5 s). */
static inline int read_exception(lo_channel_t exc, struct exc_msg *m)
{
	uint32_t observed;
	struct lo_channel_read_result got;
	lo_handle_t h[3];
	if (!CHECK_ST(lo_handle_wait_one(lo_channel_handle(exc), LO_SIG_CHANNEL_READABLE,
					 lo_deadline_after_ms(5000), &observed), LO_OK))
		return 0;
	if (!CHECK_ST(lo_channel_read(exc, &m->report, sizeof(m->report), h, 3, &got), LO_OK))
		return 0;
	if (!CHECK(got.bytes == sizeof(m->report) && got.handles == 3))
		return 0;
	m->exception = lo_exception_from(h[0]);
	m->thread = lo_thread_from(h[1]);
	m->process = lo_process_from(h[2]);
	return 1;
}

static inline void close_msg(struct exc_msg *m)
{
	lo_handle_close(lo_exception_handle(m->exception));
	lo_handle_close(lo_thread_handle(m->thread));
	lo_handle_close(lo_process_handle(m->process));
}

#endif
