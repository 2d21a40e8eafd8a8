/* ELF64 executables: checking a file and listing what to load. One parser
 * for every loader: the kernel's (init) and liblightos's (every other
 * program) both build this directory, so it includes nothing of either;
 * pure code, fuzzed and tested on the host (tests/fuzz). */
#ifndef ELF_ELF_H
#define ELF_ELF_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "status.h"

#define ELF_MAX_SEGMENTS 8
#define ELF_USER_TOP     0x0000800000000000ull   /* segments end below: the lower half */

struct elf_segment {
	uint64_t vaddr;        /* page-aligned start of the mapping */
	uint64_t mem_size;     /* page-rounded size of the mapping */
	uint64_t file_offset;  /* where the file bytes start in the file */
	uint64_t file_size;    /* bytes copied from the file */
	uint64_t copy_to;      /* offset in the mapping where they go */
	bool writable;         /* never both */
	bool executable;
};

struct elf_image {
	uint64_t entry;
	uint32_t segment_count;
	struct elf_segment segments[ELF_MAX_SEGMENTS];
};

/* Check that `data` (size bytes) is a loadable x86_64 executable and list
 * its segments. LO_ERR_BAD_FORMAT with *why set to a short reason if not.
 * Refuses: wrong magic/class/machine/type, headers or segments outside the
 * file, segments outside [one page, ELF_USER_TOP), overlapping segments,
 * W+X segments, more than ELF_MAX_SEGMENTS, nothing to load, an entry
 * point outside every executable segment. */
status_t elf_parse(const uint8_t *data, size_t size, struct elf_image *out, const char **why);

#endif
