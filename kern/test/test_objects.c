/* Kernel object cores, driven directly (the user-space suite drives them
 * through system calls). Every test ends with the live object counts it
 * started with. */
#include "test/selftest.h"
#include "obj/kernel_types.h"
#include "obj/channel.h"
#include "obj/event.h"
#include "obj/port.h"
#include "obj/timer.h"
#include "obj/sysvar.h"
#include "obj/resource.h"
#include "sched/wait.h"
#include "sched/clock.h"
#include "sched/thread.h"
#include "lib/string.h"

#define MS 1000000ull

static void test_channel_messages(struct ktest_ctx *ctx)
{
	uint64_t live = kobject_live_count(LO_TYPE_CHANNEL);
	struct channel *a, *b;
	if (!CHECK(ctx, channel_alloc(&a, &b) == LO_OK))
		return;
	CHECK(ctx, kobject_signals(&a->obj) == LO_SIG_CHANNEL_WRITABLE);
	char buf[16];
	uint32_t n, nh;
	CHECK(ctx, channel_take_message(b, buf, sizeof(buf), &n, NULL, 0, &nh) == LO_ERR_SHOULD_WAIT);
	CHECK(ctx, channel_write(a, "hello", 5, NULL, 0) == LO_OK);
	CHECK(ctx, channel_write(a, "world!", 6, NULL, 0) == LO_OK);
	CHECK(ctx, kobject_signals(&b->obj) & LO_SIG_CHANNEL_READABLE);
	CHECK(ctx, channel_peek(b, &n, &nh) == LO_OK && n == 5 && nh == 0);
	/* Too small: the message stays, sizes reported. */
	CHECK(ctx, channel_take_message(b, buf, 3, &n, NULL, 0, &nh) == LO_ERR_BUFFER_TOO_SMALL);
	CHECK(ctx, n == 5);
	CHECK(ctx, channel_take_message(b, buf, sizeof(buf), &n, NULL, 0, &nh) == LO_OK);
	CHECK(ctx, n == 5 && memcmp(buf, "hello", 5) == 0);
	CHECK(ctx, channel_take_message(b, buf, sizeof(buf), &n, NULL, 0, &nh) == LO_OK);
	CHECK(ctx, n == 6 && memcmp(buf, "world!", 6) == 0);
	CHECK(ctx, !(kobject_signals(&b->obj) & LO_SIG_CHANNEL_READABLE));
	CHECK(ctx, channel_write(a, buf, LO_CHANNEL_MAX_BYTES + 1, NULL, 0) == LO_ERR_OUT_OF_RANGE);
	cap_unref(&a->obj.cap);
	cap_unref(&b->obj.cap);
	CHECK(ctx, kobject_live_count(LO_TYPE_CHANNEL) == live);
}

static void test_channel_queue_limit(struct ktest_ctx *ctx)
{
	struct channel *a, *b;
	if (!CHECK(ctx, channel_alloc(&a, &b) == LO_OK))
		return;
	int accepted = 0;
	while (channel_write(a, "x", 1, NULL, 0) == LO_OK)
		accepted++;
	CHECK(ctx, accepted == CHANNEL_MAX_QUEUED);
	CHECK(ctx, channel_write(a, "x", 1, NULL, 0) == LO_ERR_SHOULD_WAIT);
	CHECK(ctx, !(kobject_signals(&a->obj) & LO_SIG_CHANNEL_WRITABLE));
	char c;
	uint32_t n, nh;
	CHECK(ctx, channel_take_message(b, &c, 1, &n, NULL, 0, &nh) == LO_OK);
	CHECK(ctx, kobject_signals(&a->obj) & LO_SIG_CHANNEL_WRITABLE);
	/* Unread messages go with the channel. */
	cap_unref(&a->obj.cap);
	cap_unref(&b->obj.cap);
}

static void test_channel_peer_closed(struct ktest_ctx *ctx)
{
	struct channel *a, *b;
	if (!CHECK(ctx, channel_alloc(&a, &b) == LO_OK))
		return;
	CHECK(ctx, channel_write(b, "last", 4, NULL, 0) == LO_OK);
	/* Drop b entirely: a sees PEER_CLOSED, can still read what was sent. */
	cap_unref(&b->obj.cap);
	CHECK(ctx, kobject_signals(&a->obj) & LO_SIG_CHANNEL_PEER_CLOSED);
	CHECK(ctx, channel_write(a, "x", 1, NULL, 0) == LO_ERR_PEER_CLOSED);
	char buf[8];
	uint32_t n, nh;
	CHECK(ctx, channel_take_message(a, buf, sizeof(buf), &n, NULL, 0, &nh) == LO_OK && n == 4);
	CHECK(ctx, channel_take_message(a, buf, sizeof(buf), &n, NULL, 0, &nh) == LO_ERR_PEER_CLOSED);
	cap_unref(&a->obj.cap);
}

static void test_port_bindings(struct ktest_ctx *ctx)
{
	uint64_t ports = kobject_live_count(LO_TYPE_PORT);
	uint64_t events = kobject_live_count(LO_TYPE_EVENT);
	struct port *p;
	struct event *e1, *e2;
	if (!CHECK(ctx, port_alloc(&p) == LO_OK && event_alloc(&e1) == LO_OK &&
			event_alloc(&e2) == LO_OK))
		return;
	struct port_packet pkt;
	CHECK(ctx, port_take(p, &pkt) == LO_ERR_SHOULD_WAIT);
	CHECK(ctx, port_bind_object(p, &e1->obj, 1, 111) == LO_OK);
	CHECK(ctx, port_bind_object(p, &e2->obj, 2, 222) == LO_OK);
	CHECK(ctx, port_bind_object(p, &p->obj, 1, 0) == LO_ERR_NOT_SUPPORTED);
	kobject_signal(&e2->obj, 0, 2);
	CHECK(ctx, port_wait_packet(p, NULL, 0, clock_ns() + 100 * MS, &pkt) == LO_OK);
	CHECK(ctx, pkt.key == 222 && pkt.signals == 2);
	/* One-shot: a second signal queues nothing. */
	kobject_signal(&e2->obj, 2, 0);
	kobject_signal(&e2->obj, 0, 2);
	CHECK(ctx, port_wait_packet(p, NULL, 0, clock_ns() + 10 * MS, &pkt) == LO_ERR_TIMED_OUT);
	CHECK(ctx, port_queue(p, 7, 9) == LO_OK);
	CHECK(ctx, port_take(p, &pkt) == LO_OK && pkt.key == 7 && pkt.signals == 9);
	/* e1's binding is still pending; it keeps e1 alive until the port
	 * closes. Simulate the last handle closing, then drop everything. */
	cap_unref(&e1->obj.cap);
	CHECK(ctx, kobject_live_count(LO_TYPE_EVENT) == events + 2);
	p->obj.cap.ops->on_zero_handles(&p->obj.cap);
	CHECK(ctx, kobject_live_count(LO_TYPE_EVENT) == events + 1);
	cap_unref(&e2->obj.cap);
	cap_unref(&p->obj.cap);
	CHECK(ctx, kobject_live_count(LO_TYPE_PORT) == ports);
	CHECK(ctx, kobject_live_count(LO_TYPE_EVENT) == events);
}

static void test_timer(struct ktest_ctx *ctx)
{
	struct timer *t;
	if (!CHECK(ctx, timer_alloc(&t) == LO_OK))
		return;
	uint64_t start = clock_ns();
	timer_arm(t, start + 20 * MS);
	struct wait_item item = { &t->obj, LO_SIG_TIMER_SIGNALED, 0, NULL, 0 };
	CHECK(ctx, wait_signals(&item, 1, start + 5 * MS) == LO_ERR_TIMED_OUT);
	CHECK(ctx, wait_signals(&item, 1, start + 1000 * MS) == LO_OK);
	CHECK(ctx, clock_ns() - start >= 20 * MS);
	timer_arm(t, clock_ns() + 10 * MS);
	CHECK(ctx, !(kobject_signals(&t->obj) & LO_SIG_TIMER_SIGNALED));
	timer_disarm(t);
	CHECK(ctx, wait_signals(&item, 1, clock_ns() + 30 * MS) == LO_ERR_TIMED_OUT);
	/* Destroying an armed timer disarms it. */
	timer_arm(t, clock_ns() + 5 * MS);
	cap_unref(&t->obj.cap);
	uint64_t until = clock_ns() + 20 * MS;
	while (clock_ns() < until)
		sched_yield();
	CHECK(ctx, kobject_live_count(LO_TYPE_TIMER) == 0);
}

static void test_sysvar(struct ktest_ctx *ctx)
{
	struct sysvar *n, *s;
	if (!CHECK(ctx, sysvar_alloc(LO_SYSVAR_U64, &n) == LO_OK &&
			sysvar_alloc(LO_SYSVAR_STRING, &s) == LO_OK))
		return;
	uint64_t v = 1;
	CHECK(ctx, sysvar_get_u64(n, &v) == LO_OK && v == 0);
	CHECK(ctx, sysvar_set_u64(n, 42) == LO_OK);
	CHECK(ctx, sysvar_get_u64(n, &v) == LO_OK && v == 42);
	CHECK(ctx, sysvar_set_string(n, "x", 1) == LO_ERR_WRONG_TYPE);
	char buf[8];
	uint32_t len;
	CHECK(ctx, sysvar_set_string(s, "lightos", 7) == LO_OK);
	CHECK(ctx, sysvar_get_string(s, buf, 3, &len) == LO_ERR_BUFFER_TOO_SMALL && len == 7);
	CHECK(ctx, sysvar_get_string(s, buf, sizeof(buf), &len) == LO_OK && memcmp(buf, "lightos", 7) == 0);
	CHECK(ctx, sysvar_alloc(99, &n) == LO_ERR_INVALID_ARGS);
	cap_unref(&n->obj.cap);
	cap_unref(&s->obj.cap);
}

static void test_resource_carving(struct ktest_ctx *ctx)
{
	struct resource *root, *ports, *sub, *bad;
	if (!CHECK(ctx, resource_create_root(&root) == LO_OK))
		return;
	CHECK(ctx, resource_carve(root, LO_RESOURCE_IOPORT, 0x3f8, 8, &ports) == LO_OK);
	CHECK(ctx, resource_carve(ports, LO_RESOURCE_IOPORT, 0x3fc, 4, &sub) == LO_OK);
	/* A device resource never grows or changes kind. */
	CHECK(ctx, resource_carve(ports, LO_RESOURCE_IOPORT, 0x3f0, 16, &bad) == LO_ERR_ACCESS_DENIED);
	CHECK(ctx, resource_carve(ports, LO_RESOURCE_IRQ, 4, 1, &bad) == LO_ERR_ACCESS_DENIED);
	CHECK(ctx, resource_carve(root, LO_RESOURCE_IOPORT, 0xfff0, 0x20, &bad) == LO_ERR_OUT_OF_RANGE);
	CHECK(ctx, resource_carve(root, LO_RESOURCE_IRQ, 0, 1, &bad) == LO_ERR_ACCESS_DENIED);
	/* RAM is never MMIO. */
	CHECK(ctx, resource_carve(root, LO_RESOURCE_MMIO, 0x100000, 0x1000, &bad) == LO_ERR_ACCESS_DENIED);
	uint32_t v;
	/* The serial line status register, through the resource. */
	CHECK(ctx, resource_io_in(sub, 0x3fd, 1, &v) == LO_OK && (v & 0x20));
	CHECK(ctx, resource_io_in(sub, 0x3fb, 1, &v) == LO_ERR_ACCESS_DENIED);
	CHECK(ctx, resource_io_in(sub, 0x3fe, 4, &v) == LO_ERR_ACCESS_DENIED);
	CHECK(ctx, resource_io_in(sub, 0x3fd, 3, &v) == LO_ERR_INVALID_ARGS);
	CHECK(ctx, resource_io_in(root, 0x3f8, 1, &v) == LO_ERR_ACCESS_DENIED);
	cap_unref(&sub->obj.cap);
	cap_unref(&ports->obj.cap);
	cap_unref(&root->obj.cap);
	CHECK(ctx, kobject_live_count(LO_TYPE_RESOURCE) == 0);
}

const struct ktest object_tests[] = {
	{ "obj.channel_messages", test_channel_messages },
	{ "obj.channel_queue_limit", test_channel_queue_limit },
	{ "obj.channel_peer_closed", test_channel_peer_closed },
	{ "obj.port_bindings", test_port_bindings },
	{ "obj.timer", test_timer },
	{ "obj.sysvar", test_sysvar },
	{ "obj.resource_carving", test_resource_carving },
	{ 0, 0 },
};
