/* The test suite's options on its command line (kern/arch/x86_64/grub.cfg.in):
 *   only <prefix> <rounds>         just the tests whose names start with prefix
 *   fuzz <seed> <calls> [classes]  just the long fuzz run
 * Pure C with no library calls, so tests/host/test_args.c checks it too. */
#ifndef UTEST_ARGS_H
#define UTEST_ARGS_H

#include <stddef.h>
#include <stdint.h>

/* The text after option `name` (a whole word), or NULL. The words an
 * option takes are never read as options: `only user.syscall_fuzz 5` is
 * not a fuzz run. */
const char *args_option(const char *args, const char *name);

/* Copy the next word of *p into out (at most size - 1 bytes, cut if
 * longer) and move *p past it. Returns the word's length as copied. */
size_t args_word(const char **p, char *out, size_t size);

/* The next word of *p as a decimal number (0 if it is none); *p moves past it. */
uint64_t args_number(const char **p);

#endif
