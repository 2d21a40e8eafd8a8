/* serial: the console driver, in user space. It owns a 16550 UART (COM1
 * on the console; the tests start a second one on COM2) through an
 * I/O-port resource and IRQ 4 through an interrupt object, and serves the
 * file protocol (idl/file.idl) on sessions: read returns the bytes typed
 * so far (waiting for at least one; a Ctrl-D typed ends one read with what
 * came before it, or with nothing: an end of input), write sends bytes out. Each open of
 * the device (dev:/console) is a session of its own: init's registry entry
 * asks for one over the device channel (LO_STARTUP_USER + 1, a registry
 * open of "" answered with a new channel), with READ and WRITE as the open
 * was granted them. A read with nothing typed yet waits aside (at most
 * MAX_PENDING of them) while the requests behind it are served; typed
 * input goes to the oldest waiting read, whichever session it came on.
 * Startup handles: LO_STARTUP_CHANNEL (one session given at start, with
 * every right; optional), LO_STARTUP_USER + 1 (the device channel;
 * optional), LO_STARTUP_IOPORTS and LO_STARTUP_IRQ (its resources), and
 * LO_STARTUP_USER + 0: the logger's own channel (the kernel log's way
 * out), served apart so that a client's read waiting for input never
 * holds the log back. It ends when it has neither a session nor a device
 * channel left. As init/system.policy grants them. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/protocols.h"
#include "lightos/registry.h"

#define RX_SIZE  1024
#define MAX_PENDING 8
#define MAX_SESSIONS 8
#define END_OF_INPUT 0x04   /* Ctrl-D */

/* Open sessions (channel 0: slot free), each with its file rights. */
static struct session {
	lo_channel_t channel;
	uint32_t rights;   /* LO_FILE_RIGHT_* */
} sessions[MAX_SESSIONS];
static lo_resource_t ports;
static uint32_t uart;   /* the UART's first port: the I/O-port resource's base */
static char rx[RX_SIZE];
static uint32_t rx_head, rx_tail;   /* bytes rx[tail..head) are waiting */

/* Reads that wait for input, oldest first, with their session. */
static struct {
	struct lo_msg_header hdr;
	uint32_t count;
	struct session *session;
} pending[MAX_PENDING];
static uint32_t npending;

static uint32_t inb(uint32_t port)
{
	uint32_t v = 0;
	lo_resource_port_in(ports, port, 1, &v);
	return v;
}

static void outb(uint32_t port, uint32_t v)
{
	lo_resource_port_out(ports, port, 1, v);
}

static void uart_putc(char c)
{
	while (!(inb(uart + 5) & 0x20))
		;
	outb(uart, (uint8_t)c);
}

static void drain_uart(void)
{
	while (inb(uart + 5) & 1) {
		char c = (char)inb(uart);
		if (rx_head - rx_tail < RX_SIZE)
			rx[rx_head++ % RX_SIZE] = c;
	}
}

static status_t on_read(void *ctx, const struct lo_file_read_request *req,
			struct lo_file_read_response *resp)
{
	if (rx_tail == rx_head && req->count > 0) {
		if (npending == MAX_PENDING || !ctx)
			return LO_ERR_NO_RESOURCES;
		pending[npending].hdr = req->hdr;
		pending[npending].session = ctx;
		pending[npending++].count = req->count;
		return LO_DEFERRED;
	}
	/* Ctrl-D ends the input of one read: what came before it, or else
	 * nothing (the end of a file, for cat and the like). */
	uint32_t n = 0;
	while (n < req->count && n < sizeof(resp->data) && rx_tail != rx_head &&
	       rx[rx_tail % RX_SIZE] != END_OF_INPUT)
		resp->data[n++] = rx[rx_tail++ % RX_SIZE];
	if (n == 0 && rx_tail != rx_head)
		rx_tail++;   /* the Ctrl-D itself */
	resp->data_len = n;
	return LO_OK;
}

/* Answer the waiting reads that input has arrived for. A client whose
 * queue is full loses its answer: the driver never waits for a client. */
static void answer_pending(void)
{
	static struct lo_file_read_response resp;
	while (npending && rx_tail != rx_head) {
		lo_memset(&resp, 0, sizeof(resp));
		resp.hdr = pending[0].hdr;
		struct lo_file_read_request req = { .count = pending[0].count };
		on_read(NULL, &req, &resp);
		lo_channel_write(pending[0].session->channel, &resp, sizeof(resp), NULL, 0);
		npending--;
		for (uint32_t i = 0; i < npending; i++)
			pending[i] = pending[i + 1];
	}
}

/* A session ended: its channel closes, its waiting reads go. */
static void end_session(struct session *s)
{
	uint32_t kept = 0;
	for (uint32_t i = 0; i < npending; i++) {
		if (pending[i].session != s)
			pending[kept++] = pending[i];
	}
	npending = kept;
	lo_handle_close(lo_channel_handle(s->channel));
	s->channel.value = 0;
}

static status_t on_write(void *ctx, const struct lo_file_write_request *req,
			 struct lo_file_write_response *resp)
{
	(void)ctx;
	uint32_t n = req->data_len < sizeof(req->data) ? req->data_len : sizeof(req->data);
	for (uint32_t i = 0; i < n; i++) {
		if (req->data[i] == '\n')
			uart_putc('\r');
		uart_putc(req->data[i]);
	}
	resp->written = n;
	return LO_OK;
}

static status_t on_stat(void *ctx, struct lo_file_stat_response *resp)
{
	(void)ctx;
	resp->size = rx_head - rx_tail;
	resp->kind = 3;   /* a character device */
	return LO_OK;
}

/* Nothing to release: a session ends when its channel closes. */
static status_t on_close(void *ctx)
{
	(void)ctx;
	return LO_OK;
}

static const struct lo_file_server server = {
	.read = on_read,
	.write = on_write,
	.stat = on_stat,
	.close = on_close,
};

/* Serve every queued request of a session. lo_file_serve_one answers a
 * malformed or oversized request with an error and takes it off the
 * queue, and never waits for a client that does not read its answers
 * (SHOULD_WAIT: the answer is lost). The session ends with its peer. */
static void serve_session(struct session *s)
{
	for (;;) {
		status_t st = lo_file_serve_one(s->channel, &server, s, s->rights);
		if (st == LO_ERR_PEER_CLOSED)
			end_session(s);
		/* SHOULD_WAIT: nothing queued, or a lost answer (then the
		 * channel is still readable and the wait returns at once). */
		if (st != LO_OK)
			return;
	}
}

/* The device channel: a registry open of "" makes a new session with the
 * file rights the open was granted (READ, WRITE). */
static status_t on_open(void *ctx, const struct lo_registry_open_request *req,
			struct lo_registry_open_response *resp, lo_handle_t *handles, uint32_t *nhandles)
{
	(void)ctx;
	if (req->path_len != 0)
		return LO_ERR_NOT_FOUND;
	struct session *s = NULL;
	for (uint32_t i = 0; i < MAX_SESSIONS && !s; i++) {
		if (!sessions[i].channel.value)
			s = &sessions[i];
	}
	if (!s)
		return LO_ERR_NO_RESOURCES;
	lo_channel_t client;
	status_t st = lo_channel_create(lo_job_self(), &s->channel, &client);
	if (st != LO_OK) {
		s->channel.value = 0;
		return st;
	}
	s->rights = (req->rights & LO_RIGHT_READ ? LO_FILE_RIGHT_READ : 0) |
		    (req->rights & LO_RIGHT_WRITE ? LO_FILE_RIGHT_WRITE : 0);
	resp->kind = LO_ENTRY_OBJECT;
	resp->consumed = 0;
	resp->granted = req->rights;
	handles[0] = lo_channel_handle(client);
	*nhandles = 1;
	return LO_OK;
}

static const struct lo_registry_server device_server = { .open = on_open };

/* The logger only writes: serve whatever it queued. */
static void serve_logger(lo_channel_t logger)
{
	while (lo_file_serve_one(logger, &server, NULL, LO_FILE_RIGHT_WRITE) == LO_OK)
		;
}

int main(void)
{
	sessions[0].channel = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	sessions[0].rights = LO_FILE_RIGHTS_ALL;
	lo_channel_t device = lo_channel_from(lo_startup_handle(LO_STARTUP_USER + 1));
	lo_channel_t logger = lo_channel_from(lo_startup_handle(LO_STARTUP_USER));
	ports = lo_resource_from(lo_startup_handle(LO_STARTUP_IOPORTS));
	lo_resource_t irq_res = lo_resource_from(lo_startup_handle(LO_STARTUP_IRQ));
	lo_interrupt_t irq;
	/* Which UART and which line: whatever the resources it was given say. */
	struct lo_resource_info port_info, irq_info;
	if (lo_resource_info(ports, &port_info) != LO_OK || port_info.kind != LO_RESOURCE_IOPORT ||
	    port_info.size < 8 || lo_resource_info(irq_res, &irq_info) != LO_OK ||
	    irq_info.kind != LO_RESOURCE_IRQ) {
		lo_printf("serial: needs an 8-port UART resource and an IRQ line\n");
		return 1;
	}
	uart = (uint32_t)port_info.base;
	if (lo_interrupt_create(irq_res, (uint32_t)irq_info.base, &irq) != LO_OK) {
		lo_printf("serial: cannot bind IRQ %lu\n", irq_info.base);
		return 1;
	}
	outb(uart + 1, 0x01);   /* interrupt when a byte arrives */
	outb(uart + 4, 0x0b);   /* OUT2: lets the UART's interrupt reach the PIC */
	drain_uart();
	for (;;) {
		if (logger.value)
			serve_logger(logger);
		answer_pending();
		while (device.value) {
			status_t st = lo_registry_serve_one(device, &device_server, NULL, LO_REGISTRY_RIGHTS_ALL);
			if (st == LO_ERR_PEER_CLOSED) {
				lo_handle_close(lo_channel_handle(device));
				device.value = 0;
			}
			if (st != LO_OK)
				break;
		}
		/* What to wait on: the line, the logger, the device channel and
		 * every open session. */
		lo_handle_t waits[3 + MAX_SESSIONS];
		uint32_t masks[3 + MAX_SESSIONS], observed[3 + MAX_SESSIONS], n = 1, live = 0;
		waits[0] = lo_interrupt_handle(irq);
		masks[0] = LO_SIG_INTERRUPT_SIGNALED;
		if (logger.value) {
			waits[n] = lo_channel_handle(logger);
			masks[n++] = LO_SIG_CHANNEL_READABLE;
		}
		if (device.value) {
			waits[n] = lo_channel_handle(device);
			masks[n++] = LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED;
		}
		for (uint32_t i = 0; i < MAX_SESSIONS; i++) {
			if (!sessions[i].channel.value)
				continue;
			serve_session(&sessions[i]);
			if (!sessions[i].channel.value)
				continue;
			live++;
			waits[n] = lo_channel_handle(sessions[i].channel);
			masks[n++] = LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED;
		}
		if (!live && !device.value)
			break;   /* nobody can reach it any more */
		lo_memset(observed, 0, sizeof(observed));
		status_t st = lo_handle_wait_many(waits, masks, observed, n, UINT64_MAX);
		if (st != LO_OK)
			return 2;
		if (observed[0] & LO_SIG_INTERRUPT_SIGNALED) {
			drain_uart();
			lo_interrupt_ack(irq);
		}
	}
	return 0;
}
