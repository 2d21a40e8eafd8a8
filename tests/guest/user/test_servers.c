/* The user-space servers as a hostile client sees them: raw channel
 * messages, not the generated client (which refuses bad requests before
 * sending them). The registry server runs in a thread of this process; the
 * console driver (bin/serial) in a process of its own, on a channel of ours
 * and COM1's resources carved from the root. Every server must answer
 * whatever it gets (or drop it) and go on serving others at full function. */
#include "utest.h"
#include "lightos/registry_server.h"
#include "lightos/thread.h"

#define REPLY_MS 3000

/* --- raw messages --- */

static uint32_t next_txid = 0x70000000;

static void sleep_ms(uint64_t ms)
{
	lo_event_t e;
	uint32_t observed;
	if (lo_event_create(lo_job_self(), &e) != LO_OK)
		return;
	lo_handle_wait_one(lo_event_handle(e), LO_SIG_EVENT_SIGNALED, lo_deadline_after_ms(ms),
			   &observed);
	lo_handle_close(lo_event_handle(e));
}

/* The next reply on ch (waiting up to REPLY_MS); its handles go to h. */
static status_t read_reply(lo_channel_t ch, void *buf, uint32_t max, lo_handle_t *h,
			   uint32_t maxh, struct lo_channel_read_result *got)
{
	uint32_t observed = 0;
	status_t st = lo_handle_wait_one(lo_channel_handle(ch),
					 LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED,
					 lo_deadline_after_ms(REPLY_MS), &observed);
	if (st != LO_OK)
		return st;
	lo_memset(buf, 0, max);
	return lo_channel_read(ch, buf, max, h, maxh, got);
}

/* Send msg (its header gets a fresh txid) with handles; the reply's status
 * (a transport error if there was no reply), its handle (or closed). */
static int32_t raw_call(lo_channel_t ch, void *msg, uint32_t n, lo_handle_t *h, uint32_t nh,
			lo_handle_t *reply_handle)
{
	uint32_t txid = next_txid++;
	if (n >= sizeof(uint32_t))
		lo_memcpy(msg, &txid, sizeof(txid));
	status_t st = lo_channel_write(ch, msg, n, h, nh);
	if (st != LO_OK)
		return st;
	union {
		struct { struct lo_msg_header hdr; int32_t status; } r;
		char bytes[1024];
	} reply;
	/* A message too short for a txid gets an answer with txid 0; answers
	 * to earlier requests nobody read are passed over. */
	uint32_t want = n >= sizeof(uint32_t) ? txid : 0;
	for (;;) {
		lo_handle_t got_h[4];
		struct lo_channel_read_result got;
		st = read_reply(ch, &reply, sizeof(reply), got_h, 4, &got);
		if (st != LO_OK)
			return st;
		int mine = got.bytes >= sizeof(reply.r) && reply.r.hdr.txid == want;
		for (uint32_t i = 0; i < got.handles; i++) {
			if (mine && i == 0 && reply_handle)
				*reply_handle = got_h[0];
			else
				lo_handle_close(got_h[i]);
		}
		if (mine)
			return reply.r.status;
	}
}

static void drain(lo_channel_t ch)
{
	char buf[1024];
	lo_handle_t h[4];
	struct lo_channel_read_result got;
	while (lo_channel_read(ch, buf, sizeof(buf), h, 4, &got) == LO_OK) {
		for (uint32_t i = 0; i < got.handles; i++)
			lo_handle_close(h[i]);
	}
}

static lo_handle_t new_event(void)
{
	lo_event_t e;
	if (lo_event_create(lo_job_self(), &e) != LO_OK)
		return LO_HANDLE_INVALID;
	return lo_event_handle(e);
}

static uint32_t handle_count(lo_handle_t h)
{
	struct lo_object_info info;
	return lo_handle_info(h, &info) == LO_OK ? info.handle_count : 0;
}

static uint64_t live_objects(uint32_t type)
{
	uint64_t counts[LO_TYPE_COUNT];
	if (lo_resource_object_counts(utest_root, counts, LO_TYPE_COUNT) != LO_OK)
		return ~0ull;
	return counts[type];
}

/* --- the registry server --- */

static struct lo_registry_host host;
static volatile int stop_serving;

static void serve(void *arg)
{
	(void)arg;
	while (!stop_serving)
		lo_registry_host_serve(&host, lo_deadline_after_ms(20));
}

struct fixture {
	lo_thread_t server;
	struct lo_registry *root;
	lo_channel_t conn;
};

static int start(struct fixture *f)
{
	stop_serving = 0;
	if (!CHECK_ST(lo_registry_host_init(&host), LO_OK))
		return 0;
	f->root = lo_registry_create(&host, "root");
	if (!CHECK_ST(lo_registry_connect(&host, f->root, &f->conn), LO_OK))
		return 0;
	return CHECK_ST(lo_thread_run(serve, NULL, "registry", &f->server), LO_OK);
}

static void finish(struct fixture *f)
{
	lo_handle_close(lo_channel_handle(f->conn));
	stop_serving = 1;
	CHECK_ST(lo_thread_join(f->server, lo_deadline_after_ms(5000)), LO_OK);
	lo_registry_host_shutdown(&host);
	lo_registry_release(&host, f->root);
	CHECK(host.live_registries == 0);
	CHECK(host.live_watches == 0);
}

static uint32_t host_connections(void)
{
	uint32_t n = 0;
	for (int i = 0; i < LO_REGISTRY_HOST_CONNECTIONS; i++)
		n += host.conns[i].registry != NULL;
	return n;
}

/* Wait (up to 3 s) until the server holds `want` connections. */
static int connections_settle(uint32_t want)
{
	for (int i = 0; i < 300 && host_connections() != want; i++)
		sleep_ms(10);
	return host_connections() == want;
}

static int32_t open_conn(lo_channel_t reg, const char *path, lo_channel_t *out)
{
	int32_t status = LO_ERR_INTERNAL;
	uint32_t kind, consumed, granted, link_len;
	char link[8];
	lo_handle_t obj = LO_HANDLE_INVALID;
	status_t st = lo_registry_open(reg, path, (uint32_t)lo_strlen(path), LO_RIGHTS_ALL, LO_REGISTRY_RIGHTS_ALL, &status,
				       &kind, &consumed, &granted, link, sizeof(link), &link_len,
				       &obj);
	*out = lo_channel_from(obj);
	return st != LO_OK ? st : status;
}

static int32_t bind(lo_channel_t reg, const char *path, lo_handle_t h)
{
	int32_t status = LO_ERR_INTERNAL;
	status_t st = lo_registry_bind(reg, path, (uint32_t)lo_strlen(path), LO_DEFAULT_RIGHTS_EVENT,
				       h, &status);
	return st != LO_OK ? st : status;
}

/* An open request whose path is `len` bytes: slashes, then "x" as the last
 * byte. The byte array is one longer than the message's path field, so a
 * path of max+1 runs into the padding after it (a server reading one byte
 * too many finds "x" there). */
static int32_t raw_open(lo_channel_t ch, uint32_t len, lo_handle_t *obj)
{
	union {
		struct lo_registry_open_request req;
		char bytes[sizeof(struct lo_registry_open_request)];
	} m;
	lo_memset(&m, 0, sizeof(m));
	uint32_t at = __builtin_offsetof(struct lo_registry_open_request, path);
	_Static_assert(__builtin_offsetof(struct lo_registry_open_request, rights) >
		       __builtin_offsetof(struct lo_registry_open_request, path) + LO_REGISTRY_PATH_MAX,
		       "a padding byte after the path");
	m.req.hdr.ordinal = LO_REGISTRY_OPEN;
	m.req.path_len = len;
	m.req.rights = LO_RIGHT_INSPECT;
	for (uint32_t i = 0; i + 1 < len && i < LO_REGISTRY_PATH_MAX + 1; i++)
		m.bytes[at + i] = '/';
	if (len >= 1 && len <= LO_REGISTRY_PATH_MAX + 1)
		m.bytes[at + len - 1] = 'x';
	return raw_call(ch, &m, sizeof(m), NULL, 0, obj);
}

static void test_registry_path_limits(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	CHECK_ST(bind(f.conn, "x", new_event()), LO_OK);
	lo_handle_t obj = LO_HANDLE_INVALID;
	/* Exactly the longest path: resolved. */
	CHECK_ST(raw_open(f.conn, LO_REGISTRY_PATH_MAX, &obj), LO_OK);
	CHECK(obj.value != 0 && handle_count(obj) >= 2);
	lo_handle_close(obj);
	/* One byte more: refused, not read past the field (the next byte
	 * would complete a valid path). */
	obj = LO_HANDLE_INVALID;
	CHECK_ST(raw_open(f.conn, LO_REGISTRY_PATH_MAX + 1, &obj), LO_ERR_NAME_TOO_LONG);
	CHECK(obj.value == 0);
	CHECK_ST(raw_open(f.conn, 0xffffffffu, NULL), LO_ERR_NAME_TOO_LONG);
	/* A link whose target is one byte too long. */
	struct lo_registry_link_request lk;
	lo_memset(&lk, 0, sizeof(lk));
	lk.hdr.ordinal = LO_REGISTRY_LINK;
	lk.path_len = 1;
	lk.path[0] = 'l';
	lk.target_len = LO_REGISTRY_PATH_MAX + 1;
	CHECK_ST(raw_call(f.conn, &lk, sizeof(lk), NULL, 0, NULL), LO_ERR_NAME_TOO_LONG);
	/* An embedded NUL is no path either. */
	struct lo_registry_unbind_request ub;
	lo_memset(&ub, 0, sizeof(ub));
	ub.hdr.ordinal = LO_REGISTRY_UNBIND;
	ub.path_len = 3;
	ub.path[0] = 'x';
	CHECK_ST(raw_call(f.conn, &ub, sizeof(ub), NULL, 0, NULL), LO_ERR_NAME_TOO_LONG);
	finish(&f);
}

static void test_registry_malformed(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	static char big[8192];
	struct lo_registry_open_request req;
	lo_memset(&req, 0, sizeof(req));
	req.hdr.ordinal = 99;
	CHECK_ST(raw_call(f.conn, &req, sizeof(req), NULL, 0, NULL), LO_ERR_NOT_SUPPORTED);
	req.hdr.ordinal = LO_REGISTRY_OPEN;
	CHECK_ST(raw_call(f.conn, &req, sizeof(req) - 1, NULL, 0, NULL), LO_ERR_BAD_FORMAT);
	CHECK_ST(raw_call(f.conn, &req, 4, NULL, 0, NULL), LO_ERR_NOT_SUPPORTED);
	CHECK_ST(raw_call(f.conn, &req, 0, NULL, 0, NULL), LO_ERR_NOT_SUPPORTED);
	/* Handles the method does not take are refused and closed. */
	lo_handle_t ev = new_event();
	lo_handle_t extra[6];
	for (int i = 0; i < 6; i++)
		extra[i] = utest_dup(ev, LO_DEFAULT_RIGHTS_EVENT);
	CHECK(handle_count(ev) == 7);
	CHECK_ST(raw_call(f.conn, &req, sizeof(req), extra, 1, NULL), LO_ERR_BAD_FORMAT);
	/* More handles than any request has, and more bytes: answered, dropped. */
	CHECK_ST(raw_call(f.conn, &req, sizeof(req), extra + 1, 5, NULL), LO_ERR_BAD_FORMAT);
	CHECK(handle_count(ev) == 1);
	lo_memcpy(big + 4, &req.hdr.ordinal, 4);
	CHECK_ST(raw_call(f.conn, big, sizeof(big), NULL, 0, NULL), LO_ERR_BAD_FORMAT);
	/* A watch with a channel where the event goes: the wrong type. */
	lo_channel_t a, b;
	CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK);
	struct lo_registry_watch_request w;
	lo_memset(&w, 0, sizeof(w));
	w.hdr.ordinal = LO_REGISTRY_WATCH;
	lo_handle_t wh = lo_channel_handle(a);
	CHECK_ST(raw_call(f.conn, &w, sizeof(w), &wh, 1, NULL), LO_ERR_ACCESS_DENIED);
	lo_handle_close(lo_channel_handle(b));
	/* Still at full function. */
	lo_channel_t again;
	CHECK_ST(open_conn(f.conn, "", &again), LO_OK);
	lo_handle_close(lo_channel_handle(again));
	CHECK_ST(bind(f.conn, "ev", ev), LO_OK);
	finish(&f);
}

static void test_registry_open_flood(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	lo_channel_t other;
	CHECK_ST(lo_registry_connect(&host, f.root, &other), LO_OK);
	/* One client opens until it is refused: it keeps to its share. */
	static lo_channel_t mine[LO_REGISTRY_HOST_CONNECTIONS];
	uint32_t n = 0;
	int32_t st = LO_OK;
	while (n < LO_REGISTRY_HOST_CONNECTIONS) {
		/* Opening through a connection opened before: the same client. */
		st = open_conn(n ? mine[n - 1] : f.conn, "", &mine[n]);
		if (st != LO_OK)
			break;
		n++;
	}
	CHECK_ST(st, LO_ERR_NO_RESOURCES);
	CHECK(n + 1 == LO_REGISTRY_CLIENT_CONNECTIONS);
	/* Another client is served at full function. */
	lo_channel_t theirs;
	CHECK_ST(open_conn(other, "", &theirs), LO_OK);
	CHECK_ST(bind(theirs, "still", new_event()), LO_OK);
	lo_handle_close(lo_channel_handle(theirs));
	/* The first client's closed connections are its own again. */
	lo_handle_close(lo_channel_handle(mine[--n]));
	CHECK(connections_settle(n + 2));
	CHECK_ST(open_conn(f.conn, "", &mine[n]), LO_OK);
	n++;
	for (uint32_t i = 0; i < n; i++)
		lo_handle_close(lo_channel_handle(mine[i]));
	lo_handle_close(lo_channel_handle(other));
	finish(&f);
}

/* A client that never reads its answers fills its own queue; the server
 * goes on serving the others and, once it reads again, it. */
static void test_registry_unread_replies(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	lo_channel_t other;
	CHECK_ST(lo_registry_connect(&host, f.root, &other), LO_OK);
	struct lo_registry_list_request req;
	lo_memset(&req, 0, sizeof(req));
	req.hdr.ordinal = LO_REGISTRY_LIST;
	uint32_t sent = 0;
	for (int i = 0; i < 800; i++) {
		status_t st = lo_channel_write(f.conn, &req, sizeof(req), NULL, 0);
		if (st == LO_ERR_SHOULD_WAIT) {
			sleep_ms(5);
			continue;
		}
		sent += st == LO_OK;
	}
	CHECK(sent > 300);   /* more than our queue holds */
	lo_channel_t theirs;
	CHECK_ST(open_conn(other, "", &theirs), LO_OK);
	lo_handle_close(lo_channel_handle(theirs));
	sleep_ms(200);
	drain(f.conn);
	lo_handle_t obj = LO_HANDLE_INVALID;
	CHECK_ST(raw_open(f.conn, 0, &obj), LO_OK);
	lo_handle_close(obj);
	lo_handle_close(lo_channel_handle(other));
	finish(&f);
}

/* One client binds until refused; another still binds; what the first
 * unbinds it may bind again. Entries are charged through any connection
 * of the client. */
static void test_registry_entry_quota(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	lo_channel_t other, second;
	CHECK_ST(lo_registry_connect(&host, f.root, &other), LO_OK);
	CHECK_ST(open_conn(f.conn, "", &second), LO_OK);
	int32_t status = LO_ERR_INTERNAL;
	CHECK_ST(lo_registry_make_registry(second, "d", 1, &status), LO_OK);
	CHECK_ST(status, LO_OK);
	uint32_t n = 1;
	int32_t st = LO_OK;
	char name[16];
	while (n <= LO_REGISTRY_CLIENT_ENTRIES) {
		lo_snprintf(name, sizeof(name), "d/e%u", n);
		st = bind(n % 2 ? f.conn : second, name, new_event());
		if (st != LO_OK)
			break;
		n++;
	}
	CHECK_ST(st, LO_ERR_NO_RESOURCES);
	CHECK(n == LO_REGISTRY_CLIENT_ENTRIES);
	CHECK_ST(bind(other, "theirs", new_event()), LO_OK);
	status = LO_ERR_INTERNAL;
	CHECK_ST(lo_registry_unbind(f.conn, "d/e1", 4, &status), LO_OK);
	CHECK_ST(status, LO_OK);
	CHECK_ST(bind(second, "d/again", new_event()), LO_OK);
	lo_handle_close(lo_channel_handle(second));
	lo_handle_close(lo_channel_handle(other));
	finish(&f);
}

static int32_t watch(lo_channel_t conn, lo_handle_t ev)
{
	int32_t status = LO_ERR_INTERNAL;
	status_t st = lo_registry_watch(conn, utest_dup(ev, LO_RIGHT_SIGNAL | LO_RIGHT_TRANSFER |
							LO_RIGHT_INSPECT), &status);
	return st != LO_OK ? st : status;
}

static void test_registry_watches_freed(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	/* The watch of a connection that closes goes with it. */
	lo_handle_t ev = new_event();
	lo_channel_t second;
	CHECK_ST(open_conn(f.conn, "", &second), LO_OK);
	CHECK_ST(watch(second, ev), LO_OK);
	CHECK(handle_count(ev) == 2);
	lo_handle_close(lo_channel_handle(second));
	CHECK(connections_settle(1));
	CHECK(handle_count(ev) == 1);
	/* A watch whose event nobody else holds goes at the next change. */
	uint64_t events = live_objects(LO_TYPE_EVENT);
	CHECK_ST(watch(f.conn, ev), LO_OK);
	lo_handle_close(ev);
	CHECK(live_objects(LO_TYPE_EVENT) == events);   /* the server's copy */
	CHECK_ST(bind(f.conn, "change", new_event()), LO_OK);
	CHECK(live_objects(LO_TYPE_EVENT) == events);   /* the bound one, not the watch's */
	/* At most LO_REGISTRY_CONN_WATCHES per connection; others still may. */
	lo_handle_t evs[LO_REGISTRY_CONN_WATCHES + 1];
	for (int i = 0; i <= LO_REGISTRY_CONN_WATCHES; i++)
		evs[i] = new_event();
	for (int i = 0; i < LO_REGISTRY_CONN_WATCHES; i++)
		CHECK_ST(watch(f.conn, evs[i]), LO_OK);
	CHECK_ST(watch(f.conn, evs[LO_REGISTRY_CONN_WATCHES]), LO_ERR_NO_RESOURCES);
	CHECK_ST(open_conn(f.conn, "", &second), LO_OK);
	CHECK_ST(watch(second, evs[LO_REGISTRY_CONN_WATCHES]), LO_OK);
	lo_handle_close(lo_channel_handle(second));
	CHECK(connections_settle(1));
	for (int i = 0; i <= LO_REGISTRY_CONN_WATCHES; i++)
		lo_handle_close(evs[i]);
	CHECK_ST(bind(f.conn, "change2", new_event()), LO_OK);
	CHECK(host.live_watches == 0);
	finish(&f);
}

/* --- the console driver ---
 * A second instance on COM2 (IRQ 3; the test runner gives QEMU a second,
 * null serial port): COM1 and IRQ 4 belong to the real console. */

struct console {
	lo_channel_t ch;
	lo_process_t proc;
};

static int console_start(struct console *c)
{
	lo_channel_t theirs;
	lo_resource_t ports, irq;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &c->ch, &theirs), LO_OK) ||
	    !CHECK_ST(lo_resource_carve(utest_root, LO_RESOURCE_IOPORT, 0x2f8, 8, &ports), LO_OK) ||
	    !CHECK_ST(lo_resource_carve(utest_root, LO_RESOURCE_IRQ, 3, 1, &irq), LO_OK))
		return 0;
	struct lo_give give[4] = {
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
		{ LO_STARTUP_IOPORTS, lo_resource_handle(ports) },
		{ LO_STARTUP_IRQ, lo_resource_handle(irq) },
		{ LO_STARTUP_LOG, utest_dup(lo_log_handle(lo_log), LO_DEFAULT_RIGHTS_LOG) },
	};
	const char *why = NULL;
	return CHECK_ST(lo_spawn_from_image(utest_image, "bin/serial", "", give, 4, &c->proc, &why),
			LO_OK);
}

/* The driver ends when its clients' channel closes. */
static void console_stop(struct console *c)
{
	lo_handle_close(lo_channel_handle(c->ch));
	struct lo_process_info info;
	if (!CHECK(utest_wait_process(c->proc, &info)))
		lo_process_kill(c->proc);
	lo_handle_close(lo_process_handle(c->proc));
}

static int32_t console_stat(lo_channel_t ch)
{
	struct lo_file_stat_request req;
	lo_memset(&req, 0, sizeof(req));
	req.hdr.ordinal = LO_FILE_STAT;
	return raw_call(ch, &req, sizeof(req), NULL, 0, NULL);
}

static void test_console_malformed(void)
{
	struct console c;
	if (!console_start(&c))
		return;
	static char big[8192];
	struct lo_file_stat_request req;
	lo_memset(&req, 0, sizeof(req));
	CHECK_ST(console_stat(c.ch), LO_OK);
	req.hdr.ordinal = LO_FILE_WRITE;
	lo_memcpy(big + 4, &req.hdr.ordinal, 4);
	/* Bigger than any request: answered, dropped, and the next is served. */
	CHECK_ST(raw_call(c.ch, big, sizeof(big), NULL, 0, NULL), LO_ERR_BAD_FORMAT);
	CHECK_ST(console_stat(c.ch), LO_OK);
	req.hdr.ordinal = 77;
	CHECK_ST(raw_call(c.ch, &req, sizeof(req), NULL, 0, NULL), LO_ERR_NOT_SUPPORTED);
	req.hdr.ordinal = LO_FILE_STAT;
	CHECK_ST(raw_call(c.ch, &req, sizeof(req) + 0 - 4, NULL, 0, NULL), LO_ERR_NOT_SUPPORTED);
	CHECK_ST(raw_call(c.ch, &req, 0, NULL, 0, NULL), LO_ERR_NOT_SUPPORTED);
	/* Write with a wrong size, and the methods the console lacks. */
	CHECK_ST(raw_call(c.ch, big, 100, NULL, 0, NULL), LO_ERR_BAD_FORMAT);
	struct lo_file_seek_request seek;
	lo_memset(&seek, 0, sizeof(seek));
	seek.hdr.ordinal = LO_FILE_SEEK;
	CHECK_ST(raw_call(c.ch, &seek, sizeof(seek), NULL, 0, NULL), LO_ERR_NOT_SUPPORTED);
	/* Handles: one too many for stat, and more than any request has. */
	lo_handle_t ev = new_event();
	lo_handle_t extra[6];
	for (int i = 0; i < 6; i++)
		extra[i] = utest_dup(ev, LO_DEFAULT_RIGHTS_EVENT);
	CHECK_ST(raw_call(c.ch, &req, sizeof(req), extra, 1, NULL), LO_ERR_BAD_FORMAT);
	CHECK_ST(raw_call(c.ch, &req, sizeof(req), extra + 1, 5, NULL), LO_ERR_BAD_FORMAT);
	CHECK(handle_count(ev) == 1);
	lo_handle_close(ev);
	CHECK_ST(console_stat(c.ch), LO_OK);
	console_stop(&c);
}

/* A read waits for input, and not in the way of the requests behind it;
 * past the driver's limit more reads are refused. */
static void test_console_read_waits_aside(void)
{
	struct console c;
	if (!console_start(&c))
		return;
	struct lo_file_read_request rd;
	lo_memset(&rd, 0, sizeof(rd));
	rd.hdr.ordinal = LO_FILE_READ;
	rd.count = 1;
	rd.hdr.txid = 1;
	CHECK_ST(lo_channel_write(c.ch, &rd, sizeof(rd), NULL, 0), LO_OK);
	CHECK_ST(console_stat(c.ch), LO_OK);
	int32_t last = LO_OK;
	for (int i = 0; i < 16 && last == LO_OK; i++) {
		CHECK_ST(lo_channel_write(c.ch, &rd, sizeof(rd), NULL, 0), LO_OK);
		/* Either it waits (no answer) or it is refused. */
		struct { struct lo_msg_header hdr; int32_t status; char rest[4100]; } r;
		struct lo_channel_read_result got;
		uint32_t observed;
		if (lo_handle_wait_one(lo_channel_handle(c.ch), LO_SIG_CHANNEL_READABLE,
				       lo_deadline_after_ms(100), &observed) == LO_OK &&
		    CHECK_ST(lo_channel_read(c.ch, &r, sizeof(r), NULL, 0, &got), LO_OK))
			last = r.status;
	}
	CHECK_ST(last, LO_ERR_NO_RESOURCES);
	CHECK_ST(console_stat(c.ch), LO_OK);
	console_stop(&c);
}

/* A client that never reads its answers: the driver must not wait for it. */
static void test_console_unread_replies(void)
{
	struct console c;
	if (!console_start(&c))
		return;
	struct lo_file_stat_request req;
	lo_memset(&req, 0, sizeof(req));
	req.hdr.ordinal = LO_FILE_STAT;
	uint32_t sent = 0;
	for (int i = 0; i < 600; i++) {
		status_t st = lo_channel_write(c.ch, &req, sizeof(req), NULL, 0);
		if (st == LO_ERR_SHOULD_WAIT) {
			sleep_ms(5);
			continue;
		}
		sent += st == LO_OK;
	}
	CHECK(sent > 300);   /* more than our queue holds */
	/* Drain what came back, then a fresh request is answered. */
	sleep_ms(200);
	char buf[64];
	struct lo_channel_read_result got;
	while (lo_channel_read(c.ch, buf, sizeof(buf), NULL, 0, &got) == LO_OK)
		;
	CHECK_ST(console_stat(c.ch), LO_OK);
	console_stop(&c);
}

/* --- a bounded random stress of both servers (a fixed seed) --- */

static uint64_t rng = 0x5e7e75eedull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* One random message on ch: junk, oversized, with handles, or well formed
 * (a copy of `good`). Returns 1 if the server owes an answer. */
static int random_message(lo_channel_t ch, const void *good, uint32_t good_size,
			  uint32_t ordinals, uint32_t skip_size)
{
	static char buf[12000];
	lo_handle_t h[8];
	uint32_t nh = 0, n;
	switch (rnd(5)) {
	case 0:   /* well formed */
		n = good_size;
		lo_memcpy(buf, good, n);
		break;
	case 1:   /* oversized */
		n = 4097 + rnd(sizeof(buf) - 4097);
		break;
	case 2:   /* with handles */
		nh = 1 + rnd(8);
		n = rnd(600);
		break;
	default:  /* any size up to a page */
		n = rnd(4200);
		break;
	}
	if (n == skip_size && n != good_size)
		n++;
	for (uint32_t i = (n == good_size && !nh) ? good_size : 0; i < n; i++)
		buf[i] = (char)rnd(256);
	if (n >= 8 && rnd(2)) {
		uint32_t ordinal = rnd(ordinals + 2);
		lo_memcpy(buf + 4, &ordinal, 4);
	}
	for (uint32_t i = 0; i < nh; i++)
		h[i] = new_event();
	status_t st = lo_channel_write(ch, buf, n, h, nh);
	return st == LO_OK;
}

static void test_registry_stress(void)
{
	struct fixture f;
	if (!start(&f))
		return;
	CHECK_ST(bind(f.conn, "x", new_event()), LO_OK);
	uint64_t channels = live_objects(LO_TYPE_CHANNEL);
	/* Well formed: a list, or an open whose answer carries a connection
	 * (which the server must take back when the answer is never read). */
	struct lo_registry_list_request list;
	lo_memset(&list, 0, sizeof(list));
	list.hdr.ordinal = LO_REGISTRY_LIST;
	struct lo_registry_open_request open;
	lo_memset(&open, 0, sizeof(open));
	open.hdr.ordinal = LO_REGISTRY_OPEN;
	for (int round = 0; round < 300; round++) {
		lo_channel_t conn;
		if (!CHECK_ST(open_conn(f.conn, "", &conn), LO_OK))
			break;
		uint32_t owed = 0, burst = 1 + rnd(6);
		for (uint32_t i = 0; i < burst; i++)
			owed += (uint32_t)(round % 2 ?
					   random_message(conn, &list, sizeof(list), 7, 0) :
					   random_message(conn, &open, sizeof(open), 7, 0));
		if (rnd(4) == 0) {
			/* Abandoned mid-request: gone before the answers. */
			lo_handle_close(lo_channel_handle(conn));
			continue;
		}
		char buf[1024];
		lo_handle_t h[4];
		struct lo_channel_read_result got;
		while (owed && CHECK_ST(read_reply(conn, buf, sizeof(buf), h, 4, &got), LO_OK)) {
			for (uint32_t i = 0; i < got.handles; i++)
				lo_handle_close(h[i]);
			owed--;
		}
		lo_handle_close(lo_channel_handle(conn));
	}
	/* Still answers a well-formed request; nothing left behind. */
	CHECK(connections_settle(1));
	lo_handle_t obj = LO_HANDLE_INVALID;
	CHECK_ST(raw_open(f.conn, 1, &obj), LO_OK);
	lo_handle_close(obj);
	drain(f.conn);
	CHECK(live_objects(LO_TYPE_CHANNEL) == channels);
	CHECK(host.live_registries == 1 && host.live_watches == 0);
	finish(&f);
}

static void test_console_stress(void)
{
	struct console c;
	if (!console_start(&c))
		return;
	struct lo_file_stat_request good;
	lo_memset(&good, 0, sizeof(good));
	good.hdr.ordinal = LO_FILE_STAT;
	for (int round = 0; round < 200; round++) {
		/* A read with no input waits for it (answered later): messages of
		 * its size are left out of the mix. */
		uint32_t owed = 0, burst = 1 + rnd(6);
		for (uint32_t i = 0; i < burst; i++)
			owed += (uint32_t)random_message(c.ch, &good, sizeof(good), 0,
							 sizeof(struct lo_file_read_request));
		char buf[1024];
		struct lo_channel_read_result got;
		while (owed && CHECK_ST(read_reply(c.ch, buf, sizeof(buf), NULL, 0, &got), LO_OK))
			owed--;
		if (owed)
			break;
	}
	CHECK_ST(console_stat(c.ch), LO_OK);
	console_stop(&c);
}

static const struct utest server_tests[] = {
	{ "user.servers_registry_path_limits", test_registry_path_limits },
	{ "user.servers_registry_malformed", test_registry_malformed },
	{ "user.servers_registry_open_flood", test_registry_open_flood },
	{ "user.servers_registry_unread_replies", test_registry_unread_replies },
	{ "user.servers_registry_entry_quota", test_registry_entry_quota },
	{ "user.servers_registry_watches_freed", test_registry_watches_freed },
	{ "user.servers_console_malformed", test_console_malformed },
	{ "user.servers_console_read_waits_aside", test_console_read_waits_aside },
	{ "user.servers_console_unread_replies", test_console_unread_replies },
	{ "user.servers_registry_stress", test_registry_stress },
	{ "user.servers_console_stress", test_console_stress },
	{ 0, 0 },
};
UTEST_SUITE(server_tests);
