/* ELF64 executables: checking a file and listing what to load. Pure code
 * (no system calls), so it is fuzzed and tested on the host. */
#ifndef LIGHTOS_ELF_H
#define LIGHTOS_ELF_H

#include <stdint.h>
#include <stddef.h>
#include "status.h"

#define LO_ELF_MAX_SEGMENTS 8
#define LO_ELF_USER_TOP     0x0000800000000000ull

struct lo_elf_segment {
	uint64_t vaddr;        /* page-aligned start of the mapping */
	uint64_t mem_size;     /* page-rounded size of the mapping */
	uint64_t file_offset;  /* where the file bytes start in the file */
	uint64_t file_size;    /* bytes copied from the file */
	uint64_t copy_to;      /* offset in the mapping where they go */
	uint32_t flags;        /* LO_MAP_WRITE / LO_MAP_EXEC */
};

struct lo_elf_image {
	uint64_t entry;
	uint32_t segment_count;
	struct lo_elf_segment segments[LO_ELF_MAX_SEGMENTS];
};

/* Check that `data` (size bytes) is a loadable x86_64 executable and list
 * its segments. LO_ERR_BAD_FORMAT with *why set to a short reason if not.
 * Refuses: wrong magic/class/machine/type, headers or segments outside the
 * file, segments in the kernel half, overlapping segments, W+X segments,
 * more than LO_ELF_MAX_SEGMENTS, an entry point outside every executable
 * segment. */
status_t lo_elf_parse(const uint8_t *data, size_t size, struct lo_elf_image *out,
		      const char **why);

#endif
