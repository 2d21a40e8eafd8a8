/* libFuzzer targets for the parsers that read untrusted input in user
 * space: the ELF loader's checker, the boot-image tar reader and the
 * registry name/path parser. FUZZ_TARGET selects one (elf, tar, path).
 * Built with FUZZ_DRIVER, main() runs a fixed number of inputs from a
 * fixed seed, plus every file of the seed corpus, for `make test`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include "elf.h"
#include "lightos/tar.h"
#include "lightos/registry.h"

#if FUZZ_TARGET_ELF
static int fuzz_elf(const uint8_t *data, size_t size)
{
	struct elf_image img;
	const char *why = NULL;
	if (elf_parse(data, size, &img, &why) == LO_OK) {
		/* Whatever it accepts must be sane. */
		if (img.segment_count == 0 || img.segment_count > ELF_MAX_SEGMENTS)
			abort();
		for (uint32_t i = 0; i < img.segment_count; i++) {
			const struct elf_segment *s = &img.segments[i];
			if (s->file_offset + s->file_size > size || s->copy_to + s->file_size > s->mem_size ||
			    (s->vaddr & 4095) || s->vaddr + s->mem_size > ELF_USER_TOP || (s->writable && s->executable))
				abort();
		}
	} else if (!why) {
		abort();   /* a refusal always says why */
	}
	return 0;
}

#elif FUZZ_TARGET_TAR
static int fuzz_tar(const uint8_t *data, size_t size)
{
	uint64_t cursor = 0;
	struct lo_tar_entry e;
	int n = 0;
	while (lo_tar_next(data, size, &cursor, &e) == LO_OK) {
		/* The contents lie inside the archive; only the padding after the
		 * last file may run past a truncated end. */
		if (e.offset + e.size > size || strlen(e.name) > LO_TAR_NAME_MAX || cursor > size + 511)
			abort();
		if (++n > 100000)
			abort();   /* the cursor must advance */
	}
	lo_tar_find(data, size, "etc/motd", &e);
	return 0;
}

#else
static int fuzz_path(const uint8_t *data, size_t size)
{
	char text[512];
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	memcpy(text, data, n);
	text[n] = '\0';
	char reg[LO_REGISTRY_NAME_MAX + 1];
	const char *path;
	if (lo_name_split(text, reg, sizeof(reg), &path) == LO_OK) {
		if (strlen(reg) == 0 || strlen(reg) > LO_REGISTRY_NAME_MAX || path < text || path > text + n)
			abort();
		const char *start, *rest = path;
		for (int i = 0; *rest && i < 1000; i++) {
			size_t len = lo_path_first(rest, &start, &rest);
			if (start + len > text + n || memchr(start, '/', len))
				abort();
		}
	}
	return 0;
}

#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#if FUZZ_TARGET_ELF
	return fuzz_elf(data, size);
#elif FUZZ_TARGET_TAR
	return fuzz_tar(data, size);
#else
	return fuzz_path(data, size);
#endif
}

#ifdef FUZZ_DRIVER
static size_t run_corpus(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	struct dirent *ent;
	while (d && (ent = readdir(d))) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		FILE *f = fopen(path, "rb");
		if (!f || ent->d_name[0] == '.') {
			if (f)
				fclose(f);
			continue;
		}
		static uint8_t buf[1 << 20];
		size_t len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		/* And every truncation and a few bit flips of it. */
		for (size_t cut = 0; cut < len; cut += 1 + len / 64)
			LLVMFuzzerTestOneInput(buf, cut);
		for (size_t bit = 0; bit < len * 8; bit += 1 + len / 8) {
			buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			LLVMFuzzerTestOneInput(buf, len);
			buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	long runs = argc > 1 ? atol(argv[1]) : 20000;
	const char *corpus = argc > 2 ? argv[2] : NULL;
	size_t seeds = corpus ? run_corpus(corpus) : 0;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	static uint8_t buf[4096];
	for (long r = 0; r < runs; r++) {
		size_t len = (size_t)(x % sizeof(buf));
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (uint8_t)x;
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("ok 1 - %s: %zu seed files and %ld random inputs, no finding\n1..1\n", argv[0], seeds, runs);
	return 0;
}
#endif
