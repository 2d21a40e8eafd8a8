/* serial: the console driver, in user space. It owns a 16550 UART (COM1
 * on the console; the tests start a second one on COM2) through an
 * I/O-port resource and IRQ 4 through an interrupt object, and serves the
 * file protocol (idl/file.idl) on its startup channel: read returns the
 * bytes typed so far (waiting for at least one), write sends bytes out.
 * A read with nothing typed yet waits aside (at most MAX_PENDING of them)
 * while the requests behind it are served.
 * Startup handles: LO_STARTUP_CHANNEL (clients), LO_STARTUP_IOPORTS and
 * LO_STARTUP_IRQ (its resources), and LO_STARTUP_USER + 0: the logger's
 * own channel (the kernel log's way out), served apart so that a client's
 * read waiting for input never holds the log back. As init/system.policy
 * grants them. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/protocols.h"

#define RX_SIZE  1024
#define MAX_PENDING 8

static lo_channel_t clients;
static lo_resource_t ports;
static uint32_t uart;   /* the UART's first port: the I/O-port resource's base */
static char rx[RX_SIZE];
static uint32_t rx_head, rx_tail;   /* bytes rx[tail..head) are waiting */

/* Reads that wait for input, oldest first. */
static struct {
	struct lo_msg_header hdr;
	uint32_t count;
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
	(void)ctx;
	if (rx_tail == rx_head && req->count > 0) {
		if (npending == MAX_PENDING)
			return LO_ERR_NO_RESOURCES;
		pending[npending].hdr = req->hdr;
		pending[npending++].count = req->count;
		return LO_DEFERRED;
	}
	uint32_t n = 0;
	while (n < req->count && n < sizeof(resp->data) && rx_tail != rx_head)
		resp->data[n++] = rx[rx_tail++ % RX_SIZE];
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
		lo_channel_write(clients, &resp, sizeof(resp), NULL, 0);
		npending--;
		for (uint32_t i = 0; i < npending; i++)
			pending[i] = pending[i + 1];
	}
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

static const struct lo_file_server server = {
	.read = on_read,
	.write = on_write,
	.stat = on_stat,
};

/* Serve every queued request. lo_file_serve_one answers a malformed or
 * oversized request with an error and takes it off the queue, and never
 * waits for a client that does not read its answers (SHOULD_WAIT: the
 * answer is lost). Returns 1 once the clients' end is closed. */
static int serve_queued(void)
{
	for (;;) {
		status_t st = lo_file_serve_one(clients, &server, NULL, LO_FILE_RIGHTS_ALL);
		if (st == LO_ERR_PEER_CLOSED)
			return 1;
		/* SHOULD_WAIT: nothing queued, or a lost answer (then the
		 * channel is still readable and the wait returns at once). */
		if (st != LO_OK)
			return 0;
	}
}

/* The logger only writes: serve whatever it queued. */
static void serve_logger(lo_channel_t logger)
{
	while (lo_file_serve_one(logger, &server, NULL, LO_FILE_RIGHTS_ALL) == LO_OK)
		;
}

int main(void)
{
	clients = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
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
	/* Without a logger channel the slot waits on the IRQ twice: harmless. */
	int has_logger = lo_channel_handle(logger).value != LO_HANDLE_INVALID.value;
	lo_handle_t waits[3] = { lo_interrupt_handle(irq),
				 has_logger ? lo_channel_handle(logger) : lo_interrupt_handle(irq),
				 lo_channel_handle(clients) };
	uint32_t masks[3] = { LO_SIG_INTERRUPT_SIGNALED,
			      has_logger ? LO_SIG_CHANNEL_READABLE : LO_SIG_INTERRUPT_SIGNALED,
			      LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED };
	for (;;) {
		if (has_logger)
			serve_logger(logger);
		answer_pending();
		if (serve_queued())
			break;
		uint32_t observed[3] = { 0, 0, 0 };
		status_t st = lo_handle_wait_many(waits, masks, observed, 3, UINT64_MAX);
		if (st != LO_OK)
			return 2;
		if (observed[0] & LO_SIG_INTERRUPT_SIGNALED) {
			drain_uart();
			lo_interrupt_ack(irq);
		}
	}
	return 0;
}
