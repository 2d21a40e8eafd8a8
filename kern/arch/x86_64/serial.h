/* 16550 UART on COM1: the kernel console. */
#ifndef KERN_ARCH_SERIAL_H
#define KERN_ARCH_SERIAL_H

#include <stdbool.h>

void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, unsigned long len);
/* Bytes the kernel has put on the UART since boot (for the log's check
 * that it stays quiet once init runs). */
unsigned long serial_bytes_written(void);

#endif
