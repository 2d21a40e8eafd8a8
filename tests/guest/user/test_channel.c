/* Channels: messages of bytes and handles, in one process and between two. */
#include "lightos/startup.h"
#include "utest.h"

static void test_channel_basic(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	char buf[32];
	struct lo_channel_read_result got;
	CHECK_ST(lo_channel_read(b, buf, sizeof(buf), NULL, 0, &got), LO_ERR_SHOULD_WAIT);
	CHECK_ST(lo_channel_write(a, "ping", 4, NULL, 0), LO_OK);
	CHECK_ST(lo_channel_read(b, buf, 2, NULL, 0, &got), LO_ERR_BUFFER_TOO_SMALL);
	CHECK(got.bytes == 4 && got.handles == 0);
	CHECK_ST(lo_channel_read(b, buf, sizeof(buf), NULL, 0, &got), LO_OK);
	CHECK(got.bytes == 4 && lo_memcmp(buf, "ping", 4) == 0);
	/* Bad pointers are refused, not fatal. */
	CHECK_ST(lo_channel_write(a, (void *)8, 4, NULL, 0), LO_ERR_FAULT);
	CHECK_ST(lo_channel_write(a, buf, 65537, NULL, 0), LO_ERR_OUT_OF_RANGE);
	/* A read-only end cannot write. */
	lo_channel_t ro = lo_channel_from(utest_dup(lo_channel_handle(a), LO_RIGHT_READ));
	CHECK_ST(lo_channel_write(ro, "x", 1, NULL, 0), LO_ERR_ACCESS_DENIED);
	lo_handle_close(lo_channel_handle(ro));
	lo_handle_close(lo_channel_handle(a));
	CHECK_ST(lo_channel_read(b, buf, sizeof(buf), NULL, 0, &got), LO_ERR_PEER_CLOSED);
	CHECK_ST(lo_channel_write(b, "x", 1, NULL, 0), LO_ERR_PEER_CLOSED);
	lo_handle_close(lo_channel_handle(b));
}

static void test_channel_handle_transfer(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	uint64_t id = utest_object_id(lo_event_handle(e));
	lo_handle_t h = lo_event_handle(e);
	CHECK_ST(lo_channel_write(a, "e", 1, &h, 1), LO_OK);
	/* It left our table, and counts as a handle in transit. */
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(h, &info), LO_ERR_BAD_HANDLE);
	lo_handle_t got_h[2];
	char c;
	struct lo_channel_read_result got;
	CHECK_ST(lo_channel_read(b, &c, 1, got_h, 2, &got), LO_OK);
	CHECK(got.handles == 1);
	CHECK(utest_object_id(got_h[0]) == id);
	CHECK_ST(lo_handle_info(got_h[0], &info), LO_OK);
	CHECK(info.rights == LO_DEFAULT_RIGHTS_EVENT);
	/* Without TRANSFER a handle cannot travel; nothing is consumed then. */
	lo_handle_t stay = utest_dup(got_h[0], LO_RIGHT_WAIT | LO_RIGHT_INSPECT);
	CHECK_ST(lo_channel_write(a, "e", 1, &stay, 1), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_handle_info(stay, &info), LO_OK);
	/* A channel end cannot be sent through its own pair; the write still
	 * consumes the handle, as every write does (here: a duplicate). */
	lo_handle_t self = utest_dup(lo_channel_handle(b), LO_DEFAULT_RIGHTS_CHANNEL);
	CHECK_ST(lo_channel_write(a, "s", 1, &self, 1), LO_ERR_NOT_SUPPORTED);
	CHECK_ST(lo_handle_info(self, &info), LO_ERR_BAD_HANDLE);
	/* Messages never read are released with the channel: no leak (the
	 * runner checks the object counts). */
	lo_handle_t again = utest_dup(got_h[0], LO_DEFAULT_RIGHTS_EVENT);
	CHECK_ST(lo_channel_write(a, "e", 1, &again, 1), LO_OK);
	lo_handle_close(stay);
	lo_handle_close(got_h[0]);
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(lo_channel_handle(b));
}

static void test_channel_queue_full(void)
{
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	int sent = 0;
	status_t st;
	while ((st = lo_channel_write(a, "x", 1, NULL, 0)) == LO_OK)
		sent++;
	CHECK_ST(st, LO_ERR_SHOULD_WAIT);
	CHECK(sent == 256);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(lo_channel_handle(a), &info), LO_OK);
	CHECK(!(info.signals & LO_SIG_CHANNEL_WRITABLE));
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(lo_channel_handle(b));
}

static void test_transfer_between_processes(void)
{
	/* The child echoes every message back, handles included. */
	lo_channel_t mine, theirs;
	CHECK_ST(lo_channel_create(lo_job_self(), &mine, &theirs), LO_OK);
	struct lo_give give = { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) };
	lo_process_t child;
	if (!CHECK_ST(utest_spawn_child("echo", &give, 1, &child), LO_OK))
		return;
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	uint64_t id = utest_object_id(lo_event_handle(e));
	lo_handle_t h = utest_dup(lo_event_handle(e), LO_RIGHT_TRANSFER | LO_RIGHT_INSPECT | LO_RIGHT_WAIT);
	CHECK_ST(lo_channel_write(mine, "round trip", 10, &h, 1), LO_OK);
	uint32_t observed;
	CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
				    lo_deadline_after_ms(5000), &observed), LO_OK);
	char buf[16];
	lo_handle_t back[1];
	struct lo_channel_read_result got;
	CHECK_ST(lo_channel_read(mine, buf, sizeof(buf), back, 1, &got), LO_OK);
	CHECK(got.bytes == 10 && lo_memcmp(buf, "round trip", 10) == 0);
	CHECK(got.handles == 1);
	/* The same object came back, with the rights it left with. */
	CHECK(utest_object_id(back[0]) == id);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(back[0], &info), LO_OK);
	CHECK(info.rights == (LO_RIGHT_TRANSFER | LO_RIGHT_INSPECT | LO_RIGHT_WAIT));
	lo_handle_close(back[0]);
	/* Closing our end ends the echo loop; the child exits. */
	lo_handle_close(lo_channel_handle(mine));
	struct lo_process_info pinfo;
	CHECK(utest_wait_process(child, &pinfo));
	CHECK(pinfo.exit_reason == LO_EXIT_NORMAL && pinfo.exit_code == 0);
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_event_handle(e));
}

static void test_killed_with_handles_in_transit(void)
{
	/* A child dies while a message carrying a handle waits in its queue. */
	lo_channel_t mine;
	lo_process_t child;
	if (!utest_spawn_holding(&mine, &child))
		return;
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t h = utest_dup(lo_event_handle(e), LO_DEFAULT_RIGHTS_EVENT);
	CHECK_ST(lo_channel_write(mine, "take", 4, &h, 1), LO_OK);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
	CHECK(info.handle_count == 2);
	CHECK_ST(lo_process_kill(child), LO_OK);
	struct lo_process_info pinfo;
	CHECK(utest_wait_process(child, &pinfo));
	CHECK_ST(lo_handle_info(lo_event_handle(e), &info), LO_OK);
	CHECK(info.handle_count == 1 && info.refcount == 1);
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_event_handle(e));
	lo_handle_close(lo_channel_handle(mine));
}

/* channel_write_copy: the message carries a copy with exactly the rights
 * given, the sender keeps its handle; a right it lacks, rights beyond its
 * own or a closed peer send nothing; the copy shares the handle's
 * revocation, as a duplicate does. */
static void test_channel_write_copy(void)
{
	lo_channel_t a, b;
	lo_event_t e;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t ev = lo_event_handle(e);
	char buf[8];
	lo_handle_t got_h[2];
	struct lo_channel_read_result got;
	struct lo_object_info info;

	CHECK_ST(lo_channel_write_copy(a, "c", 1, ev, LO_RIGHT_WAIT | LO_RIGHT_INSPECT), LO_OK);
	CHECK_ST(lo_channel_read(b, buf, sizeof(buf), got_h, 2, &got), LO_OK);
	CHECK(got.bytes == 1 && got.handles == 1 && buf[0] == 'c');
	CHECK_ST(lo_handle_info(got_h[0], &info), LO_OK);
	CHECK(info.rights == (LO_RIGHT_WAIT | LO_RIGHT_INSPECT));   /* no TRANSFER */
	CHECK(utest_object_id(got_h[0]) == utest_object_id(ev) && info.handle_count == 2);
	CHECK_ST(lo_handle_info(ev, &info), LO_OK);
	CHECK(info.rights == LO_DEFAULT_RIGHTS_EVENT);   /* the sender's stays as it was */
	lo_handle_close(got_h[0]);

	/* Refused: rights beyond the handle's, a handle without DUPLICATE or
	 * without TRANSFER, a write to a closed peer. Nothing is queued. */
	CHECK_ST(lo_channel_write_copy(a, "c", 1, ev, LO_RIGHT_WAIT | LO_RIGHT_READ), LO_ERR_INVALID_ARGS);
	lo_handle_t no_dup = utest_dup(ev, LO_DEFAULT_RIGHTS_EVENT & ~LO_RIGHT_DUPLICATE);
	lo_handle_t no_transfer = utest_dup(ev, LO_DEFAULT_RIGHTS_EVENT & ~LO_RIGHT_TRANSFER);
	CHECK_ST(lo_channel_write_copy(a, "c", 1, no_dup, LO_RIGHT_WAIT), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_channel_write_copy(a, "c", 1, no_transfer, LO_RIGHT_WAIT), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_channel_read(b, buf, sizeof(buf), got_h, 2, &got), LO_ERR_SHOULD_WAIT);
	lo_handle_close(no_dup);
	lo_handle_close(no_transfer);

	/* A copy of a revocable grant is revoked with it. */
	lo_revoker_t r;
	uint32_t v = 0;
	CHECK_ST(lo_revoker_create(lo_job_self(), &r), LO_OK);
	CHECK_ST(lo_revoker_grant(r, ev, LO_DEFAULT_RIGHTS_EVENT, &v), LO_OK);
	CHECK_ST(lo_channel_write_copy(a, "c", 1, (lo_handle_t){ v }, LO_RIGHT_INSPECT), LO_OK);
	CHECK_ST(lo_channel_read(b, buf, sizeof(buf), got_h, 2, &got), LO_OK);
	CHECK(got.handles == 1);
	CHECK_ST(lo_handle_info(got_h[0], &info), LO_OK);
	CHECK_ST(lo_revoker_revoke(r), LO_OK);
	CHECK_ST(lo_handle_info(got_h[0], &info), LO_ERR_REVOKED);
	lo_handle_close(got_h[0]);
	lo_handle_close((lo_handle_t){ v });
	lo_handle_close(lo_revoker_handle(r));

	lo_handle_close(lo_channel_handle(b));
	CHECK_ST(lo_channel_write_copy(a, "c", 1, ev, LO_RIGHT_WAIT), LO_ERR_PEER_CLOSED);
	CHECK_ST(lo_handle_info(ev, &info), LO_OK);
	CHECK(info.handle_count == 1);   /* the copy that could not go is gone */
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(ev);
}

static const struct utest channel_tests[] = {
	{ "user.channel_basic", test_channel_basic },
	{ "user.channel_handle_transfer", test_channel_handle_transfer },
	{ "user.channel_write_copy", test_channel_write_copy },
	{ "user.channel_queue_full", test_channel_queue_full },
	{ "user.channel_transfer_between_processes", test_transfer_between_processes },
	{ "user.killed_with_handles_in_transit", test_killed_with_handles_in_transit },
	{ 0, 0 },
};
UTEST_SUITE(channel_tests);
