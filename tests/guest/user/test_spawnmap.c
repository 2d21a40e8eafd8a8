/* Spawn maps a program's text and rodata straight from the boot image and
 * copies only writable data (libos/spawn.c). The job a child is made in
 * pays for copied pages only, so its memory use tells mapped from copied.
 * Every reason to copy instead has a case here. */
#include "lightos/tar.h"
#include "elf.h"
#include "utest.h"

/* bin/child "hold", started from `image` in a fresh job: the job's pages
 * once the child is ready (0 on failure). The child is left running for
 * the caller (*child, 0 if it never started; *mine, our channel end). */
static uint64_t held_pages(lo_vmo_t image, lo_process_t *child, lo_channel_t *mine)
{
	struct lo_job_quota q = { 4096, 4, 64, 256, 0 };
	lo_job_t job;
	if (!CHECK_ST(lo_job_create(lo_job_self(), &q, &job), LO_OK))
		return 0;
	lo_channel_t theirs;
	CHECK_ST(lo_channel_create(lo_job_self(), mine, &theirs), LO_OK);
	struct lo_give give[2] = {
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
		{ LO_STARTUP_JOB, utest_dup(lo_job_handle(job), LO_DEFAULT_RIGHTS_JOB) },
	};
	const char *why = NULL;
	uint64_t pages = 0;
	uint32_t observed;
	if (CHECK_ST(lo_spawn_from_image(image, "bin/child", "hold", give, 2, child, &why), LO_OK)) {
		if (CHECK_ST(lo_handle_wait_one(lo_channel_handle(*mine), LO_SIG_CHANNEL_READABLE,
						lo_deadline_after_ms(10000), &observed), LO_OK)) {
			struct lo_job_info info;
			if (CHECK_ST(lo_job_info(job, &info), LO_OK))
				pages = info.memory_pages_used;
		}
	} else {
		child->value = 0;
	}
	lo_handle_close(lo_job_handle(job));
	return pages;
}

static void end_child(lo_process_t child, lo_channel_t mine)
{
	struct lo_process_info info;
	if (child.value) {
		lo_process_kill(child);
		utest_wait_process(child, &info);
		lo_handle_close(lo_process_handle(child));
	}
	lo_handle_close(lo_channel_handle(mine));
}

static uint64_t pages_with(lo_vmo_t image)
{
	lo_process_t child;
	lo_channel_t mine;
	uint64_t pages = held_pages(image, &child, &mine);
	end_child(child, mine);
	return pages;
}

static lo_vmo_t image_with(uint32_t rights)
{
	return lo_vmo_from(utest_dup(lo_vmo_handle(utest_image), rights));
}

#define IMAGE_RIGHTS (LO_RIGHT_READ | LO_RIGHT_MAP | LO_RIGHT_EXECUTE | LO_RIGHT_INSPECT | \
		      LO_RIGHT_DUPLICATE)

/* The boot image shares text and rodata: a handle without MAP copies both,
 * one without EXECUTE copies the text only. */
static void test_maps_unless_rights_lack(void)
{
	uint64_t mapped = pages_with(utest_image);
	lo_vmo_t no_map = image_with(IMAGE_RIGHTS & ~LO_RIGHT_MAP);
	lo_vmo_t no_exec = image_with(IMAGE_RIGHTS & ~LO_RIGHT_EXECUTE);
	uint64_t copied = pages_with(no_map);
	uint64_t text_copied = pages_with(no_exec);
	CHECK(mapped > 0);
	CHECK(mapped < text_copied);
	CHECK(text_copied < copied);
	lo_handle_close(lo_vmo_handle(no_map));
	lo_handle_close(lo_vmo_handle(no_exec));
}

/* An image this process may write is never shared with a child (it could
 * change the child's code): everything is copied. */
static void test_copies_from_writable_image(void)
{
	lo_vmo_t no_map = image_with(IMAGE_RIGHTS & ~LO_RIGHT_MAP);
	uint64_t copied = pages_with(no_map);
	lo_handle_close(lo_vmo_handle(no_map));
	/* A VMO of our own, holding the boot image's bytes, keeps WRITE. */
	const uint8_t *tar;
	size_t size;
	if (!CHECK_ST(lo_map_readonly(utest_image, &tar, &size), LO_OK))
		return;
	lo_vmo_t own;
	if (CHECK_ST(lo_vmo_create(lo_job_self(), size, &own), LO_OK)) {
		CHECK_ST(lo_vmo_write_all(own, tar, 0, size), LO_OK);
		CHECK(copied > 0 && pages_with(own) == copied);
		/* The same VMO through a handle without WRITE is shared again. */
		lo_vmo_t ro = lo_vmo_from(utest_dup(lo_vmo_handle(own), IMAGE_RIGHTS));
		CHECK(pages_with(ro) < copied);
		lo_handle_close(lo_vmo_handle(ro));
		lo_handle_close(lo_vmo_handle(own));
	}
	lo_process_unmap(lo_self, (uint64_t)(uintptr_t)tar, (size + 4095) & ~4095ull);
}

/* A file whose bytes do not start on a page boundary is copied. */
static void test_copies_unaligned_file(void)
{
	lo_vmo_t no_map = image_with(IMAGE_RIGHTS & ~LO_RIGHT_MAP);
	uint64_t copied = pages_with(no_map);
	lo_handle_close(lo_vmo_handle(no_map));
	const uint8_t *tar;
	size_t size;
	struct lo_tar_entry e;
	if (!CHECK_ST(lo_map_readonly(utest_image, &tar, &size), LO_OK))
		return;
	CHECK_ST(lo_tar_find(tar, size, "bin/child", &e), LO_OK);
	CHECK(e.offset % 4096 == 0);   /* the image builder aligned it */
	/* A one-file image: bin/child's header and bytes at 512, then the end. */
	uint64_t data = (e.size + 511) & ~511ull;
	lo_vmo_t own;
	if (CHECK_ST(lo_vmo_create(lo_job_self(), 512 + data + 1024, &own), LO_OK)) {
		CHECK_ST(lo_vmo_write_all(own, tar + e.offset - 512, 0, 512), LO_OK);
		CHECK_ST(lo_vmo_write_all(own, tar + e.offset, 512, e.size), LO_OK);
		lo_vmo_t ro = lo_vmo_from(utest_dup(lo_vmo_handle(own), IMAGE_RIGHTS));
		CHECK(copied > 0 && pages_with(ro) == copied);
		lo_handle_close(lo_vmo_handle(ro));
		lo_handle_close(lo_vmo_handle(own));
	}
	lo_process_unmap(lo_self, (uint64_t)(uintptr_t)tar, (size + 4095) & ~4095ull);
}

/* Shared rodata is mapped through a handle without EXECUTE: it can never
 * be made executable (nor text writable: the image handle has no WRITE). */
static void test_rodata_never_executable(void)
{
	const uint8_t *tar;
	size_t size;
	struct lo_tar_entry e;
	struct elf_image elf;
	const char *why;
	if (!CHECK_ST(lo_map_readonly(utest_image, &tar, &size), LO_OK))
		return;
	if (CHECK_ST(lo_tar_find(tar, size, "bin/child", &e), LO_OK) &&
	    CHECK_ST(elf_parse(tar + e.offset, e.size, &elf, &why), LO_OK)) {
		lo_process_t child;
		lo_channel_t mine;
		int rodata = 0, text = 0;
		if (held_pages(utest_image, &child, &mine)) {
			for (uint32_t i = 0; i < elf.segment_count; i++) {
				const struct elf_segment *s = &elf.segments[i];
				if (s->writable)
					continue;
				if (s->executable) {
					text++;
					CHECK_ST(lo_process_protect(child, s->vaddr, s->mem_size, LO_MAP_WRITE),
						 LO_ERR_ACCESS_DENIED);
				} else {
					rodata++;
					CHECK_ST(lo_process_protect(child, s->vaddr, s->mem_size, LO_MAP_EXEC),
						 LO_ERR_ACCESS_DENIED);
					CHECK_ST(lo_process_protect(child, s->vaddr, s->mem_size, 0), LO_OK);
				}
			}
		}
		CHECK(text == 1 && rodata == 1);
		end_child(child, mine);
	}
	lo_process_unmap(lo_self, (uint64_t)(uintptr_t)tar, (size + 4095) & ~4095ull);
}

static const struct utest spawnmap_tests[] = {
	{ "user.spawnmap.maps_unless_rights_lack", test_maps_unless_rights_lack },
	{ "user.spawnmap.copies_from_writable_image", test_copies_from_writable_image },
	{ "user.spawnmap.copies_unaligned_file", test_copies_unaligned_file },
	{ "user.spawnmap.rodata_never_executable", test_rodata_never_executable },
	{ NULL, NULL },
};
UTEST_SUITE(spawnmap_tests);
