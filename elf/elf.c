/* The ELF64 checks every loader shares (see elf.h). */
#include "elf.h"

#define PAGE 4096ull

struct ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2

static uint64_t read_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t read_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t read_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static status_t bad(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return LO_ERR_BAD_FORMAT;
}

status_t elf_parse(const uint8_t *data, size_t size, struct elf_image *out, const char **why)
{
	if (size < sizeof(struct ehdr))
		return bad(why, "shorter than an ELF header");
	if (data[0] != 0x7f || data[1] != 'E' || data[2] != 'L' || data[3] != 'F')
		return bad(why, "not an ELF file");
	if (data[4] != 2 || data[5] != 1)
		return bad(why, "not 64-bit little-endian");
	uint16_t type = read_u16(data + 16), machine = read_u16(data + 18);
	if (type != 2)
		return bad(why, "not an executable (ET_EXEC)");
	if (machine != 62)
		return bad(why, "not x86_64");
	uint64_t entry = read_u64(data + 24), phoff = read_u64(data + 32);
	uint16_t phentsize = read_u16(data + 54), phnum = read_u16(data + 56);
	if (phentsize != sizeof(struct phdr))
		return bad(why, "unexpected program header size");
	if (phoff > size || (uint64_t)phnum * phentsize > size - phoff)
		return bad(why, "program headers outside the file");

	out->entry = entry;
	out->segment_count = 0;
	int entry_ok = 0;
	for (uint16_t i = 0; i < phnum; i++) {
		const uint8_t *ph = data + phoff + (uint64_t)i * phentsize;
		uint32_t ptype = read_u32(ph), pflags = read_u32(ph + 4);
		uint64_t offset = read_u64(ph + 8), vaddr = read_u64(ph + 16);
		uint64_t filesz = read_u64(ph + 32), memsz = read_u64(ph + 40);
		if (ptype != PT_LOAD || memsz == 0)
			continue;
		if (out->segment_count == ELF_MAX_SEGMENTS)
			return bad(why, "too many segments");
		if (filesz > memsz)
			return bad(why, "segment file size exceeds its memory size");
		if (offset > size || filesz > size - offset)
			return bad(why, "segment outside the file");
		if (vaddr < PAGE || vaddr >= ELF_USER_TOP || memsz > ELF_USER_TOP - vaddr)
			return bad(why, "segment outside user space");
		if ((pflags & PF_W) && (pflags & PF_X))
			return bad(why, "segment is writable and executable");
		uint64_t start = vaddr & ~(PAGE - 1);
		uint64_t end = (vaddr + memsz + PAGE - 1) & ~(PAGE - 1);
		for (uint32_t j = 0; j < out->segment_count; j++) {
			const struct elf_segment *o = &out->segments[j];
			if (start < o->vaddr + o->mem_size && o->vaddr < end)
				return bad(why, "segments overlap");
		}
		struct elf_segment *s = &out->segments[out->segment_count++];
		s->vaddr = start;
		s->mem_size = end - start;
		s->file_offset = offset;
		s->file_size = filesz;
		s->copy_to = vaddr - start;
		s->writable = (pflags & PF_W) != 0;
		s->executable = (pflags & PF_X) != 0;
		if ((pflags & PF_X) && entry >= vaddr && entry < vaddr + memsz)
			entry_ok = 1;
	}
	if (out->segment_count == 0)
		return bad(why, "nothing to load");
	if (!entry_ok)
		return bad(why, "entry point outside every executable segment");
	return LO_OK;
}
