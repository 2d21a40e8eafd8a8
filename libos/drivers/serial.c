/* serial: the console driver, in user space. It owns COM1 through an
 * I/O-port resource and IRQ 4 through an interrupt object, and serves the
 * file protocol (idl/file.idl) on its startup channel: read returns the
 * bytes typed so far (waiting for at least one), write sends bytes out.
 * Startup handles: LO_STARTUP_CHANNEL (clients), LO_STARTUP_IOPORTS and
 * LO_STARTUP_IRQ (its resources), and LO_STARTUP_USER + 0: the logger's
 * own channel (the kernel log's way out), served apart so that a client's
 * read waiting for input never holds the log back. As init/system.policy
 * grants them. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/protocols.h"

#define COM1     0x3f8
#define IRQ_COM1 4
#define RX_SIZE  1024

static lo_resource_t ports;
static char rx[RX_SIZE];
static uint32_t rx_head, rx_tail;   /* bytes rx[tail..head) are waiting */

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
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

static void drain_uart(void)
{
	while (inb(COM1 + 5) & 1) {
		char c = (char)inb(COM1);
		if (rx_head - rx_tail < RX_SIZE)
			rx[rx_head++ % RX_SIZE] = c;
	}
}

static status_t on_read(void *ctx, const struct lo_file_read_request *req, const lo_handle_t *h,
			struct lo_file_read_response *resp, lo_handle_t *rh, uint32_t *nrh)
{
	(void)ctx;
	(void)h;
	(void)rh;
	(void)nrh;
	uint32_t n = 0;
	while (n < req->count && n < sizeof(resp->data) && rx_tail != rx_head)
		resp->data[n++] = rx[rx_tail++ % RX_SIZE];
	resp->data_len = n;
	return LO_OK;
}

static status_t on_write(void *ctx, const struct lo_file_write_request *req, const lo_handle_t *h,
			 struct lo_file_write_response *resp, lo_handle_t *rh, uint32_t *nrh)
{
	(void)ctx;
	(void)h;
	(void)rh;
	(void)nrh;
	uint32_t n = req->data_len < sizeof(req->data) ? req->data_len : sizeof(req->data);
	for (uint32_t i = 0; i < n; i++) {
		if (req->data[i] == '\n')
			uart_putc('\r');
		uart_putc(req->data[i]);
	}
	resp->written = n;
	return LO_OK;
}

static status_t on_stat(void *ctx, const struct lo_file_stat_request *req, const lo_handle_t *h,
			struct lo_file_stat_response *resp, lo_handle_t *rh, uint32_t *nrh)
{
	(void)ctx;
	(void)req;
	(void)h;
	(void)rh;
	(void)nrh;
	resp->size = rx_head - rx_tail;
	resp->kind = 3;   /* a character device */
	return LO_OK;
}

static const struct lo_file_server server = {
	.read = on_read,
	.write = on_write,
	.stat = on_stat,
};

/* Serve every queued request that can be answered now. A read finds
 * nothing to return while no byte has arrived: it stays queued (we only
 * peek at its size) until one does. Returns 1 if a read waits. */
static int serve_ready(lo_channel_t clients, int *closed)
{
	for (;;) {
		struct lo_channel_read_result got;
		status_t st = lo_channel_read(clients, NULL, 0, NULL, 0, &got);
		if (st == LO_ERR_PEER_CLOSED)
			*closed = 1;
		if (st != LO_ERR_BUFFER_TOO_SMALL)
			return 0;   /* nothing queued (or the client is gone) */
		int is_read = got.bytes == sizeof(struct lo_file_read_request);
		if (is_read && rx_tail == rx_head)
			return 1;
		if (lo_file_serve_one(clients, &server, NULL) == LO_ERR_PEER_CLOSED)
			*closed = 1;
	}
}

/* The logger only writes: serve whatever it queued. */
static void serve_logger(lo_channel_t logger)
{
	while (lo_file_serve_one(logger, &server, NULL) == LO_OK)
		;
}

int main(void)
{
	lo_channel_t clients = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	lo_channel_t logger = lo_channel_from(lo_startup_handle(LO_STARTUP_USER));
	ports = lo_resource_from(lo_startup_handle(LO_STARTUP_IOPORTS));
	lo_resource_t irq_res = lo_resource_from(lo_startup_handle(LO_STARTUP_IRQ));
	lo_interrupt_t irq;
	if (lo_interrupt_create(irq_res, IRQ_COM1, &irq) != LO_OK) {
		lo_printf("serial: cannot bind IRQ %d\n", IRQ_COM1);
		return 1;
	}
	outb(COM1 + 1, 0x01);   /* interrupt when a byte arrives */
	outb(COM1 + 4, 0x0b);   /* OUT2: lets the UART's interrupt reach the PIC */
	drain_uart();
	/* Without a logger channel the slot waits on the IRQ twice: harmless. */
	int has_logger = lo_channel_handle(logger).value != LO_HANDLE_INVALID.value;
	lo_handle_t waits[3] = { lo_interrupt_handle(irq),
				 has_logger ? lo_channel_handle(logger) : lo_interrupt_handle(irq),
				 lo_channel_handle(clients) };
	uint32_t masks[3] = { LO_SIG_INTERRUPT_SIGNALED,
			      has_logger ? LO_SIG_CHANNEL_READABLE : LO_SIG_INTERRUPT_SIGNALED,
			      LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED };
	int closed = 0;
	while (!closed) {
		if (has_logger)
			serve_logger(logger);
		int read_waits = serve_ready(clients, &closed);
		if (closed)
			break;
		uint32_t observed[3] = { 0, 0, 0 };
		/* With a read waiting, only new input (or the logger) can help. */
		status_t st = lo_handle_wait_many(waits, masks, observed, read_waits ? 2 : 3, UINT64_MAX);
		if (st != LO_OK)
			return 2;
		if (observed[0] & LO_SIG_INTERRUPT_SIGNALED) {
			drain_uart();
			lo_interrupt_ack(irq);
		}
	}
	return 0;
}
