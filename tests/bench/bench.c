/* bench: what handles and rights checks cost. Each case runs a warm-up,
 * then many timed iterations (rdtscp, fenced); it prints
 *   BENCH name=<case> median_cycles=<n> min_cycles=<n> iters=<n>
 * Under QEMU's -icount shift=0 one TSC tick is one guest instruction, so
 * the figures are instructions per operation; under plain TCG they are
 * emulation time. Started by init on the "bench" command line with the
 * log, the image, the root resource and a root namespace; "peer" runs the
 * other side of the two-process cases. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/spawn.h"
#include "lightos/registry.h"
#include "lightos/registry_server.h"
#include "lightos/thread.h"
#include "bench_storage.h"
#include "measure.h"

#define MAX_ITERS 2000

static uint64_t samples[MAX_ITERS];

static void report(const char *name, int n)
{
	sort_samples(samples, n);
	lo_printf(BENCH_LINE, name, samples[n / 2], samples[0], n);
}

/* Time op() n times, after n/10 warm-up runs. */
static void measure(const char *name, int n, void (*op)(void))
{
	for (int i = 0; i < n / 10 + 1; i++)
		op();
	for (int i = 0; i < n; i++) {
		uint64_t t0 = tsc();
		op();
		samples[i] = tsc() - t0;
	}
	report(name, n);
}

static lo_vmo_t image;
static lo_channel_t local_root, served_root;
static lo_event_t ev;
static lo_port_t port;
static lo_channel_t ping, pong_end;

static void dup_close(void)
{
	uint32_t d;
	lo_handle_duplicate(lo_event_handle(ev), LO_RIGHT_WAIT, &d);
	lo_handle_close((lo_handle_t){ d });
}

static void info(void)
{
	struct lo_object_info oi;
	lo_handle_info(lo_event_handle(ev), &oi);
}

static void round_trip_handles(int with_handle)
{
	char byte = 'x';
	lo_handle_t h[1];
	uint32_t observed;
	struct lo_channel_read_result got;
	if (with_handle) {
		h[0] = lo_event_handle(ev);
		lo_channel_write(ping, &byte, 1, h, 1);
	} else {
		lo_channel_write(ping, &byte, 1, NULL, 0);
	}
	lo_handle_wait_one(lo_channel_handle(ping), LO_SIG_CHANNEL_READABLE, UINT64_MAX, &observed);
	lo_channel_read(ping, &byte, 1, h, 1, &got);
	if (with_handle)
		ev = lo_event_from(h[0]);   /* it came back, maybe under a new value */
}

static void round_trip(void)
{
	round_trip_handles(0);
}

static void round_trip_handle(void)
{
	round_trip_handles(1);
}

/* The same echo through channel_call: the request (4 bytes, its txid)
 * out, the peer's echo back as the reply, in one call. */
static void call_round_trip(void)
{
	uint32_t msg = 7;
	struct lo_channel_read_result got;
	struct lo_channel_call_reply reply = {
		(uint64_t)(uintptr_t)&msg, 0, (uint64_t)(uintptr_t)&got, sizeof(msg), 0, UINT64_MAX
	};
	lo_channel_call(ping, &msg, sizeof(msg), NULL, 0, &reply);
}

/* The same call against a peer that serves with channel_reply_wait: its
 * reply and its wait for the next request are one call, and the request
 * is handed to it waiting. */
static lo_channel_t reply_ping;

static void call_reply_wait_round_trip(void)
{
	uint32_t msg = 7;
	struct lo_channel_read_result got;
	struct lo_channel_call_reply reply = {
		(uint64_t)(uintptr_t)&msg, 0, (uint64_t)(uintptr_t)&got, sizeof(msg), 0, UINT64_MAX
	};
	lo_channel_call(reply_ping, &msg, sizeof(msg), NULL, 0, &reply);
}

static void null_syscall(void)
{
	lo_system_null();
}

static lo_event_t ping_event, pong_event;

/* The cost of a creation call: one object made and closed. */
static void event_create_close(void)
{
	lo_event_t e;
	lo_event_create(lo_job_self(), &e);
	lo_handle_close(lo_event_handle(e));
}

/* Event ping-pong with another process, as programs do it: signal the
 * peer's event, then consume (wait for and clear, in one call) our own.
 * The same two steps as the Linux peer's write + read on two eventfds. */
static void event_wake(void)
{
	lo_handle_signal(lo_event_handle(ping_event), 0, LO_SIG_EVENT_SIGNALED);
	lo_event_consume(pong_event, UINT64_MAX);
}

/* The same ping-pong the old way, kept for comparison: signal, then
 * wait_one and clear the signal with a second call (three calls a side). */
static void event_wake_wait_clear(void)
{
	uint32_t observed;
	lo_handle_signal(lo_event_handle(ping_event), 0, LO_SIG_EVENT_SIGNALED);
	lo_handle_wait_one(lo_event_handle(pong_event), LO_SIG_EVENT_SIGNALED, UINT64_MAX, &observed);
	lo_handle_signal(lo_event_handle(pong_event), LO_SIG_EVENT_SIGNALED, 0);
}

/* A one-shot binding, made again for each packet. */
static void port_bind_ready(void)
{
	struct lo_port_packet pkt;
	lo_port_bind(port, lo_event_handle(ev), LO_SIG_EVENT_SIGNALED, 1);
	lo_port_wait(port, UINT64_MAX, &pkt);
}

/* A lasting watch (made once, like an epoll registration) on a ready
 * object: each wait takes its packet, which is queued again. */
static void port_ready(void)
{
	struct lo_port_packet pkt;
	lo_port_wait(port, UINT64_MAX, &pkt);
}

static void vmo_cycle(void)
{
	lo_vmo_t v;
	uint64_t addr = 0;
	struct lo_map_request req = { 0, 0, 4096, LO_MAP_WRITE, 0 };
	lo_vmo_create(lo_job_self(), 4096, &v);
	lo_process_map(lo_self, v, &req, &addr);
	*(volatile char *)addr = 1;
	lo_process_unmap(lo_self, addr, 4096);
	lo_handle_close(lo_vmo_handle(v));
}

static void spawn_exit_wait(void)
{
	lo_process_t p;
	uint32_t observed;
	if (lo_spawn_from_image(image, "bin/bench", "exit", NULL, 0, &p, NULL) != LO_OK)
		return;
	lo_handle_wait_one(lo_process_handle(p), LO_SIG_PROCESS_TERMINATED, UINT64_MAX, &observed);
	lo_handle_close(lo_process_handle(p));
}

/* The old two steps: a connection to "files", then the path in it. */
static void open_motd_in(lo_channel_t root)
{
	lo_handle_t h;
	lo_handle_t files;
	if (lo_resolve_path(root, "files", LO_DEFAULT_RIGHTS_CHANNEL, &files) != LO_OK)
		return;
	if (lo_resolve_path(lo_channel_from(files), "etc/motd", LO_RIGHT_READ, &h) == LO_OK)
		lo_handle_close(h);
	lo_handle_close(files);
}

/* The path every program takes: the whole name, one request to the root. */
static void open_name_in(lo_channel_t root)
{
	lo_handle_t h;
	if (lo_resolve_name_in(root, "files:/etc/motd", LO_RIGHT_READ, &h) == LO_OK)
		lo_handle_close(h);
}

static void open_name_local(void)
{
	open_name_in(local_root);
}

static void open_name_served(void)
{
	open_name_in(served_root);
}

static void open_motd_local(void)
{
	open_motd_in(local_root);
}

static void open_motd_served(void)
{
	open_motd_in(served_root);
}

static struct lo_registry_host local_host;

static void local_server(void *arg)
{
	(void)arg;
	for (;;)
		lo_registry_host_serve(&local_host, UINT64_MAX);
}

/* Background load for the contention case: a process bouncing messages
 * through a channel of its own until its startup channel closes. */
static int spin(void)
{
	lo_channel_t parent = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	lo_channel_t a, b;
	lo_channel_create(lo_job_self(), &a, &b);
	for (;;) {
		char c = 's';
		struct lo_channel_read_result got;
		lo_channel_write(a, &c, 1, NULL, 0);
		lo_channel_read(b, &c, 1, NULL, 0, &got);
		uint32_t observed;
		if (lo_handle_wait_one(lo_channel_handle(parent), LO_SIG_CHANNEL_PEER_CLOSED, 0,
				       &observed) == LO_OK)
			return 0;
	}
}

/* Handle lookup and duplicate+close with `fill` handles in the table
 * (counting the ones this process already holds); the table's ceiling
 * LO_HANDLE_TABLE_MAX less one, so that dup+close still finds a slot. */
static void scale_handles(int fill)
{
	static uint32_t extra[LO_HANDLE_TABLE_MAX];
	struct lo_process_info pi;
	int held = lo_process_info(lo_self, &pi) == LO_OK ? (int)pi.handle_count : 0;
	int n = 0;
	while (held + n < fill &&
	       lo_handle_duplicate(lo_event_handle(ev), LO_RIGHT_WAIT, &extra[n]) == LO_OK)
		n++;
	char name[48];
	lo_snprintf(name, sizeof(name), "object_info_%d_handles", held + n);
	measure(name, 1000, info);
	lo_snprintf(name, sizeof(name), "handle_dup_close_%d_handles", held + n);
	measure(name, 1000, dup_close);
	for (int i = 0; i < n; i++)
		lo_handle_close((lo_handle_t){ extra[i] });
}

/* The other side of the two-process cases. */
static int peer(void)
{
	lo_channel_t ch = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	for (;;) {
		uint32_t observed = 0;
		lo_handle_wait_one(lo_channel_handle(ch), LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED,
				   UINT64_MAX, &observed);
		if (observed & LO_SIG_CHANNEL_READABLE) {
			char buf[16];
			lo_handle_t h[1];
			struct lo_channel_read_result got;
			if (lo_channel_read(ch, buf, sizeof(buf), h, 1, &got) == LO_OK)
				lo_channel_write(ch, buf, got.bytes, h, got.handles);
		} else if (observed & LO_SIG_CHANNEL_PEER_CLOSED) {
			return 0;
		}
	}
}

/* The event side, a process of its own (as Linux's eventfd peer is): each
 * ping it consumes and answers with a pong, until it is killed. With
 * wait_clear, it waits and clears in two calls (event_wake_wait_clear). */
static int event_peer(int wait_clear)
{
	lo_event_t a = lo_event_from(lo_startup_handle(LO_STARTUP_USER));
	lo_event_t b = lo_event_from(lo_startup_handle(LO_STARTUP_USER + 1));
	for (;;) {
		if (wait_clear) {
			uint32_t observed = 0;
			if (lo_handle_wait_one(lo_event_handle(a), LO_SIG_EVENT_SIGNALED, UINT64_MAX,
					       &observed) != LO_OK)
				return 1;
			lo_handle_signal(lo_event_handle(a), LO_SIG_EVENT_SIGNALED, 0);
		} else if (lo_event_consume(a, UINT64_MAX) != LO_OK) {
			return 1;
		}
		lo_handle_signal(lo_event_handle(b), 0, LO_SIG_EVENT_SIGNALED);
	}
}

/* The other side of call_reply_wait_round_trip: a server loop of one
 * call per request (the first call has no reply to send). */
static int reply_wait_peer(void)
{
	lo_channel_t ch = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	char buf[16];
	lo_handle_t h[1];
	struct lo_channel_read_result got = { 0, 0 };
	struct lo_channel_call_reply next = {
		(uint64_t)(uintptr_t)buf, (uint64_t)(uintptr_t)h, (uint64_t)(uintptr_t)&got,
		sizeof(buf), 1, UINT64_MAX
	};
	uint32_t nbytes = 0, nhandles = 0;
	for (;;) {
		if (lo_channel_reply_wait(ch, buf, nbytes, h, nhandles, &next) != LO_OK)
			return 0;   /* the client closed its end (or sent too much) */
		nbytes = got.bytes;
		nhandles = got.handles;
	}
}

static lo_handle_t dup(lo_handle_t h, uint32_t rights)
{
	uint32_t out = 0;
	lo_handle_duplicate(h, rights, &out);
	return (lo_handle_t){ out };
}

/* Measure op against an event peer process started with `args`. */
static void event_ping_pong(const char *args, const char *name, void (*op)(void))
{
	struct lo_give give[2] = {
		{ LO_STARTUP_USER, dup(lo_event_handle(ping_event), LO_DEFAULT_RIGHTS_EVENT) },
		{ LO_STARTUP_USER + 1, dup(lo_event_handle(pong_event), LO_DEFAULT_RIGHTS_EVENT) },
	};
	lo_process_t p;
	uint32_t observed;
	if (lo_spawn_from_image(image, "bin/bench", args, give, 2, &p, NULL) != LO_OK)
		return;
	measure(name, 1000, op);
	lo_process_kill(p);
	lo_handle_wait_one(lo_process_handle(p), LO_SIG_PROCESS_TERMINATED, UINT64_MAX, &observed);
	lo_handle_close(lo_process_handle(p));
}

int main(void)
{
	const char *args = lo_startup_args();
	if (!lo_strcmp(args, "exit"))
		return 0;
	if (!lo_strcmp(args, "peer"))
		return peer();
	if (!lo_strcmp(args, "event_peer"))
		return event_peer(0);
	if (!lo_strcmp(args, "event_peer_wait_clear"))
		return event_peer(1);
	if (!lo_strcmp(args, "reply_wait_peer"))
		return reply_wait_peer();
	if (!lo_strcmp(args, "spin"))
		return spin();
	image = lo_vmo_from(lo_startup_handle(LO_STARTUP_IMAGE));
	served_root = lo_root_registry();
	lo_free(lo_malloc(1 << 20));
	lo_event_create(lo_job_self(), &ev);
	lo_handle_signal(lo_event_handle(ev), 0, LO_SIG_EVENT_SIGNALED);
	lo_port_create(lo_job_self(), &port);
	lo_printf("BENCH begin\n");

	measure("null_syscall", 2000, null_syscall);
	measure("handle_dup_close", 2000, dup_close);
	measure("object_info", 2000, info);
	measure("event_create_close", 2000, event_create_close);

	/* The peer processes: event ping-pong (consume, then the old wait and
	 * clear), and channel echo. */
	lo_event_create(lo_job_self(), &ping_event);
	lo_event_create(lo_job_self(), &pong_event);
	event_ping_pong("event_peer", "event_wake_other_process", event_wake);
	event_ping_pong("event_peer_wait_clear", "event_wake_other_process_wait_clear",
			event_wake_wait_clear);
	lo_channel_create(lo_job_self(), &ping, &pong_end);
	struct lo_give give[1] = { { LO_STARTUP_CHANNEL, lo_channel_handle(pong_end) } };
	lo_process_t peer_process;
	if (lo_spawn_from_image(image, "bin/bench", "peer", give, 1, &peer_process, NULL) == LO_OK) {
		measure("channel_round_trip", 1000, round_trip);
		measure("channel_round_trip_handle", 1000, round_trip_handle);
		measure("channel_call_round_trip", 1000, call_round_trip);
		lo_channel_t theirs;
		lo_process_t p;
		if (lo_channel_create(lo_job_self(), &reply_ping, &theirs) == LO_OK) {
			struct lo_give g = { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) };
			if (lo_spawn_from_image(image, "bin/bench", "reply_wait_peer", &g, 1, &p, NULL) == LO_OK) {
				measure("channel_call_reply_wait_round_trip", 1000, call_reply_wait_round_trip);
				lo_handle_close(lo_process_handle(p));
			}
			lo_handle_close(lo_channel_handle(reply_ping));   /* the peer ends */
		}
		/* The same round trip with 1, 3 and 7 more processes busy on
		 * channels of their own. */
		lo_channel_t keep[7];
		int spinners = 0;
		static const int busy[] = { 1, 3, 7 };
		for (int k = 0; k < 3; k++) {
			while (spinners < busy[k]) {
				lo_channel_t theirs;
				lo_process_t p;
				if (lo_channel_create(lo_job_self(), &keep[spinners], &theirs) != LO_OK)
					break;
				struct lo_give g = { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) };
				if (lo_spawn_from_image(image, "bin/bench", "spin", &g, 1, &p, NULL) != LO_OK) {
					lo_handle_close(lo_channel_handle(keep[spinners]));
					break;
				}
				lo_handle_close(lo_process_handle(p));
				spinners++;
			}
			if (spinners != busy[k])
				break;
			char name[48];
			lo_snprintf(name, sizeof(name), "channel_round_trip_%d_busy", busy[k]);
			measure(name, 200, round_trip);
		}
		for (int i = 0; i < spinners; i++)
			lo_handle_close(lo_channel_handle(keep[i]));
	}
	/* Flat with the table's size? Up to the table's ceiling. */
	scale_handles(16);
	scale_handles(1000);
	scale_handles(LO_HANDLE_TABLE_MAX - 1);
	measure("port_bind_wait_ready", 1000, port_bind_ready);
	if (lo_port_watch(port, lo_event_handle(ev), LO_SIG_EVENT_SIGNALED, 2) == LO_OK) {
		measure("port_wait_ready", 1000, port_ready);
		lo_port_unwatch(port, 2);
	}
	measure("vmo_create_map_touch_unmap_close", 1000, vmo_cycle);
	measure("spawn_exit_wait", 50, spawn_exit_wait);

	/* Registry lookups: a registry served by a thread of this process,
	 * and init's, through its server. */
	if (lo_registry_host_init(&local_host) == LO_OK) {
		struct lo_registry *root = lo_registry_create(&local_host, "root");
		struct lo_registry *files = lo_registry_create(&local_host, "files");
		struct lo_registry *etc = lo_registry_create(&local_host, "etc");
		lo_registry_add_registry(&local_host, root, "files", files);
		lo_registry_add_registry(&local_host, files, "etc", etc);
		lo_vmo_t motd;
		lo_vmo_create(lo_job_self(), 64, &motd);
		lo_registry_add(&local_host, etc, "motd", lo_vmo_handle(motd), LO_DEFAULT_RIGHTS_VMO);
		lo_registry_connect(&local_host, root, &local_root);
		lo_thread_t t;
		lo_thread_run(local_server, NULL, "registry", &t);
		measure("registry_open_local", 500, open_motd_local);
		measure("registry_open_name_local", 500, open_name_local);
	}
	if (served_root.value) {
		measure("registry_open_server", 500, open_motd_served);
		measure("registry_open_name_server", 500, open_name_served);
	}
	bench_storage();
	lo_printf("BENCH end\n");
	/* The logger shows the log on the serial line: let it finish. */
	uint32_t observed;
	lo_handle_wait_one(lo_log_handle(lo_log), LO_SIG_LOG_DRAINED, lo_deadline_after_ms(5000),
			   &observed);

	/* init sees this process end and ends; the kernel then leaves QEMU. */
	return 0;
}
