/* Leaving QEMU through the isa-debug-exit device (port 0xf4). QEMU exits
 * with status (code << 1) | 1; on real hardware the write does nothing. */
#ifndef KERN_ARCH_QEMU_H
#define KERN_ARCH_QEMU_H

#define QEMU_EXIT_SUCCESS 0x10   /* QEMU exit status 33 */
#define QEMU_EXIT_FAILURE 0x11   /* QEMU exit status 35 */

__attribute__((noreturn)) void qemu_exit(unsigned code);

#endif
