/* 16550 UART on COM1: the kernel console. */
#ifndef KERN_ARCH_SERIAL_H
#define KERN_ARCH_SERIAL_H

#include <stdbool.h>

void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, unsigned long len);

#endif
