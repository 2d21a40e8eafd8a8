/* Names in one request, when things go wrong: a mounted server that
 * answers late (its answer must reach nobody else: each forwarded request
 * has a txid of its own, and a stale or too-big answer is dropped), a
 * registry granted without OPEN (a name through it is denied, as two steps
 * are), a relative link at the root that names a registry, a thread
 * killed while it holds the root connection's lock, and requests of every
 * size on the raw wire (the serve loop reads small ones in one read). */
#include "lightos/startup.h"

#include "utest.h"
#include "reg_support.h"
#include "registry_fixture.h"

/* --- an honest but slow mounted server --- */
static lo_channel_t slow_end;
static volatile int slow_stop;
static volatile int slow_calls;
static lo_handle_t var_obj, pub_obj, nap;

static status_t slow_resolve(void *ctx, const struct lo_registry_resolve_request *req,
			     struct lo_registry_resolve_response *resp, lo_handle_t *rh, uint32_t *nrh)
{
	(void)ctx;
	if (slow_calls++ == 0) {
		uint32_t o;
		lo_handle_wait_one(nap, LO_SIG_EVENT_SIGNALED, lo_deadline_after_ms(1500), &o);
	}
	lo_handle_t obj;
	uint32_t entry;
	if (req->path_len == 3 && lo_strncmp(req->path, "var", 3) == 0) {
		obj = var_obj; entry = LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_INSPECT;
	} else if (req->path_len == 3 && lo_strncmp(req->path, "pub", 3) == 0) {
		obj = pub_obj; entry = LO_RIGHT_READ | LO_RIGHT_INSPECT;
	} else
		return LO_ERR_NOT_FOUND;
	uint32_t granted = entry & req->rights;
	status_t st = reg_answer_handle(obj, granted, rh, nrh);
	if (st != LO_OK)
		return st;
	resp->kind = LO_ENTRY_OBJECT;
	resp->consumed = req->path_len;
	resp->granted = granted;
	return LO_OK;
}
static const struct lo_registry_server slow_server = { .resolve = slow_resolve };
static void serve_slow(void *arg)
{
	(void)arg;
	reg_serve_until(slow_end, &slow_server, &slow_stop);
}

/* A server on a thread of this process (fn, serving slow_end), mounted at
 * files/m in f's root. */
static void mount_thread_server(struct fixture *f, void (*fn)(void *), const char *name,
				lo_thread_t *t)
{
	lo_channel_t client;
	CHECK_ST(lo_channel_create(lo_job_self(), &slow_end, &client), LO_OK);
	CHECK_ST(lo_thread_run(fn, NULL, name, t), LO_OK);
	CHECK_ST(reg_mkreg(f->conn, "files"), LO_OK);
	CHECK_ST(reg_mount(f->conn, "files/m", client), LO_OK);
}

/* Stop that server, then the host (finish checks nothing is left). */
static void end_mounted(struct fixture *f, lo_thread_t t)
{
	slow_stop = 1;
	CHECK_ST(lo_thread_join(t, lo_deadline_after_ms(5000)), LO_OK);
	finish(f);
	lo_handle_close(lo_channel_handle(slow_end));
}

/* What the slow servers hand out (var, pub) and the event they nap on. */
static void make_slow_objects(void)
{
	lo_sysvar_t v1, v2;
	CHECK_ST(lo_sysvar_create(lo_job_self(), LO_SYSVAR_STRING, &v1), LO_OK);
	CHECK_ST(lo_sysvar_create(lo_job_self(), LO_SYSVAR_STRING, &v2), LO_OK);
	var_obj = lo_sysvar_handle(v1);
	pub_obj = lo_sysvar_handle(v2);
	nap = reg_new_event();
}

static void close_slow_objects(void)
{
	lo_handle_close(var_obj);
	lo_handle_close(pub_obj);
	lo_handle_close(nap);
}

static void test_stale_answer(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	make_slow_objects();
	slow_calls = 0;
	slow_stop = 0;
	uint64_t var_id = utest_object_id(var_obj), pub_id = utest_object_id(pub_obj);
	lo_thread_t t;
	mount_thread_server(&f, serve_slow, "slow server", &t);
	lo_handle_t h = LO_HANDLE_INVALID;
	/* Victim A (may write): its forwarded open times out. */
	const uint32_t rw = LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_INSPECT;
	status_t st = lo_resolve_name_in(f.conn, "files:/m/var", rw, &h);
	CHECK_ST(st, LO_ERR_TIMED_OUT);
	/* B: read-only, asks for "pub". */
	lo_channel_t ro;
	CHECK_ST(lo_resolve_path_as(f.conn, "", LO_DEFAULT_RIGHTS_CHANNEL,
				    LO_REGISTRY_RIGHT_OPEN | LO_REGISTRY_RIGHT_ENUMERATE, &h), LO_OK);
	ro = lo_channel_from(h);
	/* B's answer is B's: A's late one (a writable var) is dropped. */
	st = lo_resolve_name_in(ro, "files:/m/pub", rw, &h);
	CHECK_ST(st, LO_OK);
	if (st == LO_OK) {
		CHECK(utest_object_id(h) != var_id);
		CHECK(utest_object_id(h) == pub_id);
		CHECK(!(reg_rights_of(h) & LO_RIGHT_WRITE));
		lo_handle_close(h);
	}
	lo_handle_close(lo_channel_handle(ro));
	end_mounted(&f, t);
	close_slow_objects();
}

/* A relative link in the root itself, named as a registry. */
static void test_root_link(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	CHECK_ST(reg_mkreg(f.conn, "files"), LO_OK);
	uint64_t id = reg_bind_event(f.conn, "files/motd", LO_DEFAULT_RIGHTS_EVENT);
	CHECK_ST(reg_link(f.conn, "lnk", "files"), LO_OK);
	lo_handle_t h;
	/* two steps: connection to lnk, then motd */
	CHECK_ST(lo_resolve_path(f.conn, "lnk", LO_DEFAULT_RIGHTS_CHANNEL, &h), LO_OK);
	lo_channel_t r = lo_channel_from(h);
	status_t st = lo_resolve_path(r, "motd", LO_RIGHT_INSPECT, &h);
	CHECK_ST(st, LO_OK);
	if (st == LO_OK) {
		CHECK(utest_object_id(h) == id);
		lo_handle_close(h);
	}
	lo_handle_close(lo_channel_handle(r));
	/* one request: the same object, not a loop through "lnk/files" */
	st = lo_resolve_name_in(f.conn, "lnk:motd", LO_RIGHT_INSPECT, &h);
	CHECK_ST(st, LO_OK);
	if (st == LO_OK) {
		CHECK(utest_object_id(h) == id);
		lo_handle_close(h);
	}
	/* a link inside the registry named is still relative to it */
	CHECK_ST(reg_link(f.conn, "files/again", "motd"), LO_OK);
	st = lo_resolve_name_in(f.conn, "lnk:again", LO_RIGHT_INSPECT, &h);
	CHECK_ST(st, LO_OK);
	if (st == LO_OK) {
		CHECK(utest_object_id(h) == id);
		lo_handle_close(h);
	}
	finish(&f);
}


/* A thread killed while it holds the lock on the root connection (at some
 * point of a loop of opens): a later open takes the lock over, and reads
 * past the dead thread's answer if one comes. */
static lo_channel_t kroot;
static volatile int kstop, udone;
static void looper(void *arg)
{
	(void)arg;
	/* A name that is not there: the same lock and round trip, and no
	 * handle for the killed thread to leave open (an object it held
	 * would outlive the test). */
	while (!kstop) {
		lo_handle_t h;
		if (lo_resolve_name_in(kroot, "files:/none", LO_RIGHT_INSPECT, &h) == LO_OK)
			lo_handle_close(h);
	}
}
static void one(void *arg)
{
	(void)arg;
	lo_handle_t h;
	if (lo_resolve_name_in(kroot, "files:/motd", LO_RIGHT_INSPECT, &h) == LO_OK) {
		lo_handle_close(h);
		udone = 1;
	}
}
static void test_kill_holder(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	CHECK_ST(reg_mkreg(f.conn, "files"), LO_OK);
	CHECK_ST(reg_bind(f.conn, "files/motd", reg_new_event(), LO_DEFAULT_RIGHTS_EVENT), LO_OK);
	kroot = f.conn;
	lo_handle_t napper = reg_new_event();
	for (int round = 0; round < 5; round++) {
		kstop = 0;
		udone = 0;
		lo_thread_t t, u;
		CHECK_ST(lo_thread_run(looper, NULL, "looper", &t), LO_OK);
		uint32_t o;
		lo_handle_wait_one(napper, LO_SIG_EVENT_SIGNALED, lo_deadline_after_ms(30 + round * 7), &o);
		CHECK_ST(lo_thread_kill(t), LO_OK);
		lo_thread_join(t, lo_deadline_after_ms(2000));
		CHECK_ST(lo_thread_run(one, NULL, "one", &u), LO_OK);
		status_t st = lo_thread_join(u, lo_deadline_after_ms(3000));
		if (!CHECK_ST(st, LO_OK))
			return;   /* stuck for ever: leave it */
		CHECK(udone == 1);
	}
	lo_handle_close(napper);
	finish(&f);
}

/* A registry granted without OPEN (as init's policy could write it). */
static void test_no_open(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	struct lo_registry *files = lo_registry_create(&host, "files");
	const uint32_t g = LO_REGISTRY_RIGHT_ENUMERATE | LO_REGISTRY_RIGHT_WATCH;
	CHECK_ST(lo_registry_add_registry_as(&host, f.root, "files", files, g), LO_OK);
	CHECK_ST(lo_registry_add(&host, files, "motd", reg_new_event(), LO_DEFAULT_RIGHTS_EVENT), LO_OK);
	struct lo_registry_subgrant sub[] = { { files, g }, { NULL, 0 } };
	lo_channel_t c;
	CHECK_ST(lo_registry_connect_as(&host, f.root, LO_REGISTRY_RIGHT_ENUMERATE | LO_REGISTRY_RIGHT_OPEN |
					LO_REGISTRY_RIGHT_WATCH, sub, &c), LO_OK);
	lo_registry_release(&host, files);
	lo_handle_t h;
	CHECK_ST(lo_resolve_path(c, "files", LO_DEFAULT_RIGHTS_CHANNEL, &h), LO_OK);
	lo_channel_t fc = lo_channel_from(h);
	status_t st = lo_resolve_path(fc, "motd", LO_RIGHT_INSPECT, &h);
	CHECK_ST(st, LO_ERR_ACCESS_DENIED);
	if (st == LO_OK)
		lo_handle_close(h);
	lo_handle_close(lo_channel_handle(fc));
	/* one request: the same answer, recorded as a denial */
	uint64_t denials = host.denial_total;
	st = lo_resolve_name_in(c, "files:motd", LO_RIGHT_INSPECT, &h);
	CHECK_ST(st, LO_ERR_ACCESS_DENIED);
	if (st == LO_OK)
		lo_handle_close(h);
	CHECK(host.denial_total == denials + 1);
	lo_handle_close(lo_channel_handle(c));
	finish(&f);
}

/* A referral (open "") that timed out leaves an open-sized answer behind. */
static volatile int open_calls;
static status_t slow_open(void *ctx, const struct lo_registry_open_request *req,
			  struct lo_registry_open_response *resp, lo_handle_t *rh, uint32_t *nrh)
{
	(void)ctx; (void)req;
	if (open_calls++ == 0) {
		uint32_t o;
		lo_handle_wait_one(nap, LO_SIG_EVENT_SIGNALED, lo_deadline_after_ms(1500), &o);
	}
	lo_channel_t a, b;
	status_t st = lo_channel_create(lo_job_self(), &a, &b);
	if (st != LO_OK)
		return st;
	lo_handle_close(lo_channel_handle(b));
	resp->kind = LO_ENTRY_REGISTRY;
	resp->consumed = req->path_len;
	rh[0] = lo_channel_handle(a);
	*nrh = 1;
	return LO_OK;
}
static const struct lo_registry_server slow2_server = { .open = slow_open, .resolve = slow_resolve };
static void serve_slow2(void *arg)
{
	(void)arg;
	reg_serve_until(slow_end, &slow2_server, &slow_stop);
}
static void test_stuck_after_referral(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	make_slow_objects();
	slow_calls = 1;   /* resolve: never slow */
	open_calls = 0;
	slow_stop = 0;
	lo_thread_t t;
	mount_thread_server(&f, serve_slow2, "slow server", &t);
	lo_handle_t h;
	status_t st = lo_resolve_path(f.conn, "files/m", LO_DEFAULT_RIGHTS_CHANNEL, &h);
	CHECK_ST(st, LO_ERR_TIMED_OUT);
	if (st == LO_OK)
		lo_handle_close(h);
	uint32_t o;
	lo_handle_wait_one(nap, LO_SIG_EVENT_SIGNALED, lo_deadline_after_ms(1000), &o);
	for (int i = 0; i < 3; i++) {
		st = lo_resolve_name_in(f.conn, "files:/m/pub", LO_RIGHT_INSPECT, &h);
		CHECK_ST(st, LO_OK);
		if (st == LO_OK)
			lo_handle_close(h);
	}
	end_mounted(&f, t);
	close_slow_objects();
}

/* A mounted server that answers a request with a stream of wrong
 * messages: the host reads past a bounded number (64) and gives up at
 * once, not at the end of its wait or never. */
#define JUNK_ANSWERS 80
static void junk_server(void *arg)
{
	(void)arg;
	uint32_t observed;
	if (lo_handle_wait_one(lo_channel_handle(slow_end), LO_SIG_CHANNEL_READABLE,
			       lo_deadline_after_ms(5000), &observed) != LO_OK)
		return;
	struct lo_registry_resolve_request rq;
	struct lo_channel_read_result got;
	if (lo_channel_read(slow_end, &rq, sizeof(rq), (lo_handle_t *)0, 0, &got) != LO_OK)
		return;
	uint64_t junk[2] = { 0, 0 };
	for (int i = 0; i < JUNK_ANSWERS; i++)
		lo_channel_write(slow_end, junk, sizeof(junk), (lo_handle_t *)0, 0);
}

static void test_junk_answers(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	lo_thread_t t;
	mount_thread_server(&f, junk_server, "junk server", &t);
	lo_handle_t h;
	uint64_t began = lo_now();
	status_t st = lo_resolve_name_in(f.conn, "files:/m/pub", LO_RIGHT_INSPECT, &h);
	CHECK_ST(st, LO_ERR_BAD_FORMAT);
	if (st == LO_OK)
		lo_handle_close(h);
	CHECK(lo_now() - began < LO_REGISTRY_MOUNT_WAIT / 2);
	end_mounted(&f, t);
}

/* A mounted server that says `exact` (a copy with just what was granted)
 * of a handle that has more (TRANSFER, WRITE): the host that forwards its
 * answer does not pass `exact` on, so the client still cuts the handle to
 * what was granted. */
static status_t liar_resolve(void *ctx, const struct lo_registry_resolve_request *req,
			     struct lo_registry_resolve_response *resp, lo_handle_t *rh, uint32_t *nrh)
{
	(void)ctx;
	if (req->path_len != 3 || lo_strncmp(req->path, "pub", 3) != 0)
		return LO_ERR_NOT_FOUND;
	uint32_t dup = 0;
	status_t st = lo_handle_duplicate(pub_obj, LO_DEFAULT_RIGHTS_SYSVAR, &dup);
	if (st != LO_OK)
		return st;
	rh[0].value = dup;
	*nrh = 1;
	resp->kind = LO_ENTRY_OBJECT;
	resp->consumed = req->path_len;
	resp->granted = req->rights & LO_RIGHT_INSPECT;
	resp->exact = 1;
	return LO_OK;
}
static const struct lo_registry_server liar_server = { .resolve = liar_resolve };
static void serve_liar(void *arg)
{
	(void)arg;
	reg_serve_until(slow_end, &liar_server, &slow_stop);
}
static void test_forwarded_exact(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	make_slow_objects();
	slow_stop = 0;
	CHECK((LO_DEFAULT_RIGHTS_SYSVAR & (LO_RIGHT_TRANSFER | LO_RIGHT_WRITE)) ==
	      (LO_RIGHT_TRANSFER | LO_RIGHT_WRITE));
	lo_thread_t t;
	mount_thread_server(&f, serve_liar, "liar server", &t);
	lo_handle_t h = LO_HANDLE_INVALID;
	status_t st = lo_resolve_name_in(f.conn, "files:/m/pub", LO_RIGHT_INSPECT, &h);
	CHECK_ST(st, LO_OK);
	if (st == LO_OK) {
		CHECK(utest_object_id(h) == utest_object_id(pub_obj));
		CHECK(reg_rights_of(h) == LO_RIGHT_INSPECT);
		lo_handle_close(h);
	}
	/* The host's own answer to that resolve says exact 0. */
	int32_t status = 0;
	uint32_t kind = 0, consumed = 0, granted = 0, exact = 7, kept = 7;
	h = LO_HANDLE_INVALID;
	CHECK_ST(lo_registry_resolve(f.conn, LO_RIGHT_INSPECT, LO_REGISTRY_RIGHTS_ALL, 0, "files/m/pub", 11,
				     &status, &kind, &consumed, &granted, &exact, &kept, &h), LO_OK);
	CHECK(status == LO_OK && kind == LO_ENTRY_OBJECT && exact == 0);
	if (h.value)
		lo_handle_close(h);
	end_mounted(&f, t);
	close_slow_objects();
}

/* --- the generated serve loop's reads and answers, on the raw wire --- */

/* Write msg[0..n) on ch and read the one answer into ans (1 KiB). */
static status_t raw_ask(lo_channel_t ch, const void *msg, uint32_t n, void *ans,
			struct lo_channel_read_result *got)
{
	status_t st = lo_channel_write(ch, msg, n, (lo_handle_t *)0, 0);
	if (st != LO_OK)
		return st;
	uint32_t observed;
	st = lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE,
				lo_deadline_after_ms(5000), &observed);
	if (st != LO_OK)
		return st;
	lo_handle_t h[LO_REGISTRY_MAX_HANDLES];
	lo_memset(ans, 0, 1024);
	st = lo_channel_read(ch, ans, 1024, h, LO_REGISTRY_MAX_HANDLES, got);
	for (uint32_t i = 0; st == LO_OK && i < got->handles; i++)
		lo_handle_close(h[i]);
	return st;
}

static void open_request(struct lo_registry_open_request *rq, uint32_t txid, const char *path)
{
	lo_memset(rq, 0, sizeof(*rq));
	rq->hdr.txid = txid;
	rq->hdr.ordinal = LO_REGISTRY_OPEN;
	rq->path_len = (uint32_t)lo_strlen(path);
	lo_memcpy(rq->path, path, rq->path_len);
	rq->rights = LO_RIGHT_INSPECT;
	rq->conn_rights = LO_REGISTRY_RIGHTS_ALL;
}

/* A server reads a request with what the kernel keeps on its stack (256
 * bytes) first: a bigger one (open, rename) is read again whole, one too
 * big for any request is dropped with BAD_FORMAT and the next is served.
 * It sends nothing it did not set: a header too short to have come reads
 * as zero, and a failed open's answer carries no text of an earlier one. */
static void test_request_sizes(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	CHECK_ST(reg_mkreg(f.conn, "files"), LO_OK);
	CHECK_ST(reg_mkreg(f.conn, "files/etc"), LO_OK);
	reg_bind_event(f.conn, "files/etc/motd", LO_DEFAULT_RIGHTS_EVENT);
	CHECK_ST(reg_link(f.conn, "files/greeting", "etc/motd"), LO_OK);
	static uint64_t ans_words[128], msg_words[256];
	char *msg = (char *)msg_words;
	struct lo_channel_read_result got;

	/* Bigger than the first read: served whole. */
	struct lo_registry_open_request rq;
	struct lo_registry_open_response *rs = (void *)ans_words;
	CHECK(sizeof(rq) > 256);
	open_request(&rq, 7, "files/etc/motd");
	CHECK_ST(raw_ask(f.conn, &rq, sizeof(rq), rs, &got), LO_OK);
	CHECK(got.bytes == sizeof(*rs) && got.handles == 1);
	CHECK(rs->hdr.txid == 7 && rs->status == LO_OK && rs->kind == LO_ENTRY_OBJECT);

	/* The biggest request (rename: no handler here) is read whole too;
	 * its bytes fill the server's request buffer for the next step. */
	struct lo_registry_rename_request *big = (void *)msg;
	lo_memset(big, 0xff, sizeof(*big));
	big->hdr.txid = 8;
	big->hdr.ordinal = LO_REGISTRY_RENAME;
	CHECK_ST(raw_ask(f.conn, big, sizeof(*big), ans_words, &got), LO_OK);
	CHECK(got.bytes >= 12 && rs->hdr.txid == 8 && rs->hdr.ordinal == LO_REGISTRY_RENAME);
	CHECK(rs->status == LO_ERR_NOT_SUPPORTED);

	/* Two bytes: the rest of the header reads as zero, not as the 0xff
	 * the last request left. */
	uint16_t tiny = 0x1234;
	CHECK_ST(raw_ask(f.conn, &tiny, sizeof(tiny), ans_words, &got), LO_OK);
	CHECK(got.bytes >= 12 && rs->hdr.txid == 0x1234 && rs->hdr.ordinal == 0);
	CHECK(rs->status == LO_ERR_NOT_SUPPORTED);

	/* 256 bytes (the first read takes it all) but no request's size. */
	lo_memset(msg, 0, 256);
	((struct lo_msg_header *)msg)->txid = 9;
	((struct lo_msg_header *)msg)->ordinal = LO_REGISTRY_RESOLVE;
	CHECK_ST(raw_ask(f.conn, msg, 256, ans_words, &got), LO_OK);
	CHECK(rs->hdr.txid == 9 && rs->status == LO_ERR_BAD_FORMAT);

	/* Bigger than any request: dropped, answered, and the next served. */
	lo_memset(msg, 0, sizeof(msg_words));
	((struct lo_msg_header *)msg)->txid = 10;
	((struct lo_msg_header *)msg)->ordinal = LO_REGISTRY_OPEN;
	CHECK_ST(raw_ask(f.conn, msg, sizeof(msg_words), ans_words, &got), LO_OK);
	CHECK(rs->status == LO_ERR_BAD_FORMAT && got.handles == 0);

	/* A link's text in one answer; the next, failed, open carries none. */
	open_request(&rq, 11, "files/greeting");
	CHECK_ST(raw_ask(f.conn, &rq, sizeof(rq), rs, &got), LO_OK);
	CHECK(rs->status == LO_OK && rs->kind == LO_ENTRY_LINK && rs->link_len == 8);
	open_request(&rq, 12, "files/none");
	CHECK_ST(raw_ask(f.conn, &rq, sizeof(rq), rs, &got), LO_OK);
	CHECK(got.bytes == sizeof(*rs) && rs->hdr.txid == 12 && rs->status == LO_ERR_NOT_FOUND);
	uint32_t dirty = rs->kind | rs->consumed | rs->granted | rs->link_len;
	for (uint32_t i = 0; i < sizeof(rs->link); i++)
		dirty |= (uint8_t)rs->link[i];
	CHECK(dirty == 0);

	/* And a name in one request still works after all that. */
	lo_handle_t h;
	CHECK_ST(lo_resolve_name_in(f.conn, "files:/etc/motd", LO_RIGHT_INSPECT, &h), LO_OK);
	lo_handle_close(h);
	finish(&f);
}

static const struct utest regfault_tests[] = {
	{ "user.regfault_late_answer", test_stale_answer },
	{ "user.regfault_root_link", test_root_link },
	{ "user.regfault_no_open", test_no_open },
	{ "user.regfault_big_late_answer", test_stuck_after_referral },
	{ "user.regfault_killed_holder", test_kill_holder },
	{ "user.regfault_junk_answers", test_junk_answers },
	{ "user.regfault_request_sizes", test_request_sizes },
	{ "user.regfault_forwarded_exact", test_forwarded_exact },
	{ 0, 0 },
};
UTEST_SUITE(regfault_tests);
