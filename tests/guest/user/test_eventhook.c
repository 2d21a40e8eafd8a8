/* Eventhooks (idl/eventhook.idl, libos/eventhook.c): each open of a source
 * is a session; READ subscribes with a channel, WRITE publishes; a source
 * takes 16 subscribers; a subscriber that does not read loses events,
 * counted in the next one it gets, and holds up neither the server nor the
 * other subscribers. Served here by a registry host in a second thread. */
#include "registry_fixture.h"
#include "lightos/eventhook.h"

#define SOURCE_RIGHTS (LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_WAIT | LO_RIGHT_INSPECT)
#define CHANNEL_QUEUE 256   /* messages a channel end holds (kern/obj/channel.h) */

static struct lo_eventhook_hub hub;
static struct lo_eventhook_source open_source, read_only_source;

struct hooks {
	lo_thread_t server;
	struct lo_registry *root;
	lo_channel_t writable, plain;   /* connections: with and without WRITABLE */
};

static int hooks_start(struct hooks *h)
{
	lo_memset(h, 0, sizeof(*h));
	lo_memset(&open_source, 0, sizeof(open_source));
	lo_memset(&read_only_source, 0, sizeof(read_only_source));
	stop_serving = 0;
	if (!CHECK_ST(lo_registry_host_init(&host), LO_OK))
		return 0;
	lo_eventhook_hub_init(&hub, &host);
	h->root = lo_registry_create(&host, "event");
	CHECK_ST(lo_registry_add_service(&host, h->root, "open", SOURCE_RIGHTS, &open_source), LO_OK);
	CHECK_ST(lo_registry_add_service(&host, h->root, "fixed", SOURCE_RIGHTS & ~LO_RIGHT_WRITE,
					 &read_only_source), LO_OK);
	const uint32_t look = LO_REGISTRY_RIGHT_ENUMERATE | LO_REGISTRY_RIGHT_OPEN;
	if (!CHECK_ST(lo_registry_connect_as(&host, h->root, look | LO_REGISTRY_RIGHT_WRITABLE, NULL,
					     &h->writable), LO_OK) ||
	    !CHECK_ST(lo_registry_connect_as(&host, h->root, look, NULL, &h->plain), LO_OK))
		return 0;
	return CHECK_ST(lo_thread_run(serve, NULL, "registry", &h->server), LO_OK);
}

static void hooks_stop(struct hooks *h)
{
	lo_handle_close(lo_channel_handle(h->writable));
	lo_handle_close(lo_channel_handle(h->plain));
	stop_serving = 1;
	CHECK_ST(lo_thread_join(h->server, lo_deadline_after_ms(5000)), LO_OK);
	lo_registry_host_shutdown(&host);
	for (uint32_t i = 0; i < LO_EVENTHOOK_SESSIONS; i++) {
		if (hub.sessions[i].channel.value)
			lo_handle_close(lo_channel_handle(hub.sessions[i].channel));
	}
	struct lo_eventhook_source *srcs[2] = { &open_source, &read_only_source };
	for (int s = 0; s < 2; s++) {
		for (uint32_t i = 0; i < LO_EVENTHOOK_SUBSCRIBERS_MAX; i++) {
			if (srcs[s]->subs[i].channel.value)
				lo_handle_close(lo_channel_handle(srcs[s]->subs[i].channel));
		}
	}
	lo_registry_release(&host, h->root);
	CHECK(host.live_registries == 0);
}

static lo_channel_t open_session(lo_channel_t conn, const char *name, uint32_t rights)
{
	lo_handle_t s = LO_HANDLE_INVALID;
	CHECK_ST(lo_resolve_path(conn, name, rights, &s), LO_OK);
	return lo_channel_from(s);
}

/* A subscription: our end of the channel the events come on. */
static status_t subscribe(lo_channel_t session, lo_channel_t *mine)
{
	lo_channel_t theirs;
	status_t st = lo_channel_create(lo_job_self(), mine, &theirs);
	if (st != LO_OK)
		return st;
	int32_t status = LO_OK;
	st = lo_eventhook_subscribe(session, lo_channel_handle(theirs), &status);
	if (st == LO_OK)
		st = status;
	if (st != LO_OK)
		lo_handle_close(lo_channel_handle(*mine));
	return st;
}

static status_t publish(lo_channel_t session, uint64_t id, uint32_t *delivered)
{
	int32_t status = LO_OK;
	status_t st = lo_eventhook_publish(session, 7, id, -(int64_t)id, "hello", 5, &status, delivered);
	return st != LO_OK ? st : status;
}

static int next_event(lo_channel_t mine, struct lo_hook_event *ev)
{
	uint32_t observed;
	struct lo_channel_read_result got;
	return lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE, lo_deadline_after_ms(2000),
				  &observed) == LO_OK &&
	       lo_channel_read(mine, ev, sizeof(*ev), NULL, 0, &got) == LO_OK && got.bytes == sizeof(*ev);
}

static void test_delivery(void)
{
	struct hooks h;
	if (hooks_start(&h)) {
		lo_channel_t reader = open_session(h.writable, "open", LO_RIGHT_READ | LO_RIGHT_WAIT);
		lo_channel_t writer = open_session(h.writable, "open", SOURCE_RIGHTS);
		CHECK(utest_object_id(lo_channel_handle(reader)) != utest_object_id(lo_channel_handle(writer)));
		lo_channel_t mine;
		uint32_t delivered = 0;
		if (CHECK_ST(subscribe(reader, &mine), LO_OK)) {
			CHECK_ST(publish(writer, 42, &delivered), LO_OK);
			CHECK(delivered == 1);
			struct lo_hook_event ev;
			CHECK(next_event(mine, &ev));
			CHECK(ev.kind == 7 && ev.id == 42 && ev.code == -42 && ev.dropped == 0);
			CHECK(!lo_strcmp(ev.text, "hello"));
			/* The reading session may not publish; its subscription
			 * outlives it. */
			CHECK_ST(publish(reader, 1, &delivered), LO_ERR_ACCESS_DENIED);
			lo_handle_close(lo_channel_handle(reader));
			CHECK_ST(publish(writer, 43, &delivered), LO_OK);
			CHECK(delivered == 1);
			CHECK(next_event(mine, &ev) && ev.id == 43);
			/* A subscriber that closed its end is forgotten. */
			lo_handle_close(lo_channel_handle(mine));
			CHECK_ST(publish(writer, 44, &delivered), LO_OK);
			CHECK(delivered == 0);
		}
		lo_handle_close(lo_channel_handle(writer));
	}
	hooks_stop(&h);
}

/* No WRITE in the entry, or no WRITABLE on the connection: no publishing;
 * no READ: no subscribing. */
static void test_rights_denied(void)
{
	struct hooks h;
	if (hooks_start(&h)) {
		uint32_t delivered;
		lo_channel_t mine;
		lo_channel_t fixed = open_session(h.writable, "fixed", SOURCE_RIGHTS);
		CHECK_ST(publish(fixed, 1, &delivered), LO_ERR_ACCESS_DENIED);
		CHECK_ST(subscribe(fixed, &mine), LO_OK);
		lo_handle_close(lo_channel_handle(mine));
		lo_handle_close(lo_channel_handle(fixed));
		lo_channel_t plain = open_session(h.plain, "open", SOURCE_RIGHTS);
		CHECK_ST(publish(plain, 1, &delivered), LO_ERR_ACCESS_DENIED);
		lo_handle_close(lo_channel_handle(plain));
		lo_channel_t write_only = open_session(h.writable, "open", LO_RIGHT_WRITE | LO_RIGHT_WAIT);
		CHECK_ST(subscribe(write_only, &mine), LO_ERR_ACCESS_DENIED);
		CHECK_ST(publish(write_only, 1, &delivered), LO_OK);
		lo_handle_close(lo_channel_handle(write_only));
	}
	hooks_stop(&h);
}

/* One subscriber never reads: it loses what its channel cannot hold, and
 * is told how much; the other gets every event; publishing never waits. */
static void test_slow_subscriber_drops(void)
{
	enum { EXTRA = 5 };
	struct hooks h;
	if (hooks_start(&h)) {
		lo_channel_t session = open_session(h.writable, "open", SOURCE_RIGHTS);
		lo_channel_t slow, fast;
		if (CHECK_ST(subscribe(session, &slow), LO_OK) && CHECK_ST(subscribe(session, &fast), LO_OK)) {
			uint32_t got_fast = 0, delivered;
			for (uint64_t i = 1; i <= CHANNEL_QUEUE + EXTRA; i++) {
				if (!CHECK_ST(publish(session, i, &delivered), LO_OK))
					break;
				struct lo_hook_event ev;
				if (next_event(fast, &ev) && ev.id == i && ev.dropped == 0)
					got_fast++;
			}
			CHECK(got_fast == CHANNEL_QUEUE + EXTRA);
			/* The slow one holds the first CHANNEL_QUEUE; once it has
			 * read them, the next event says what it missed. */
			struct lo_hook_event ev;
			for (uint32_t i = 0; i < CHANNEL_QUEUE; i++)
				CHECK(next_event(slow, &ev) && ev.id == i + 1);
			CHECK_ST(publish(session, 1000, &delivered), LO_OK);
			CHECK(delivered == 2);
			CHECK(next_event(slow, &ev));
			CHECK(ev.id == 1000 && ev.dropped == EXTRA);
			CHECK(next_event(fast, &ev) && ev.dropped == 0);
			lo_handle_close(lo_channel_handle(slow));
			lo_handle_close(lo_channel_handle(fast));
		}
		lo_handle_close(lo_channel_handle(session));
	}
	hooks_stop(&h);
}

static void test_subscriber_limit(void)
{
	struct hooks h;
	if (hooks_start(&h)) {
		lo_channel_t session = open_session(h.writable, "open", SOURCE_RIGHTS);
		lo_channel_t subs[LO_EVENTHOOK_SUBSCRIBERS_MAX + 1];
		uint32_t n = 0;
		while (n < LO_EVENTHOOK_SUBSCRIBERS_MAX && CHECK_ST(subscribe(session, &subs[n]), LO_OK))
			n++;
		CHECK_ST(subscribe(session, &subs[n]), LO_ERR_NO_RESOURCES);
		for (uint32_t i = 0; i < n; i++)
			lo_handle_close(lo_channel_handle(subs[i]));
		lo_handle_close(lo_channel_handle(session));
	}
	hooks_stop(&h);
}

static const struct utest eventhook_tests[] = {
	{ "user.eventhook.delivery", test_delivery },
	{ "user.eventhook.rights_denied", test_rights_denied },
	{ "user.eventhook.slow_subscriber_drops", test_slow_subscriber_drops },
	{ "user.eventhook.subscriber_limit", test_subscriber_limit },
	{ 0, 0 },
};

UTEST_SUITE(eventhook_tests);
