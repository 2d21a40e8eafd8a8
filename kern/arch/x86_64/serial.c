#include "arch/x86_64/serial.h"
#include "arch/x86_64/cpu.h"

#define COM1 0x3f8

enum {
	UART_DATA = 0, UART_IER = 1, UART_FCR = 2, UART_LCR = 3,
	UART_MCR = 4, UART_LSR = 5,
};
#define LSR_THR_EMPTY   0x20

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);      /* no interrupts yet */
	outb(COM1 + UART_LCR, 0x80);      /* divisor latch */
	outb(COM1 + UART_DATA, 0x01);     /* 115200 baud */
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x03);      /* 8N1 */
	outb(COM1 + UART_FCR, 0xc7);      /* FIFOs on, cleared, 14-byte threshold */
	outb(COM1 + UART_MCR, 0x0b);      /* DTR, RTS, OUT2 */
}

static unsigned long bytes_written;

unsigned long serial_bytes_written(void)
{
	return __atomic_load_n(&bytes_written, __ATOMIC_RELAXED);
}

void serial_putc(char c)
{
	__atomic_fetch_add(&bytes_written, 1, __ATOMIC_RELAXED);
	while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
		cpu_relax();
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_write(const char *s, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
