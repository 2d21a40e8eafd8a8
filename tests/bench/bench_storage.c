/* The storage cases of `make bench`, on files:/disk (fatfs on virtio-blk,
 * a fresh 64 MiB mkfs.fat image: tests/bench/bench.mk):
 *   storage_write_16mib    write a 16 MiB file in 64 KiB pieces, then sync
 *   storage_read_16mib     read it back in 64 KiB pieces
 *   storage_create_1000    create 1,000 files of 100 bytes, each synced
 * Each case is one timed run (it is long), printed in bench's BENCH format.
 * The files are removed afterwards (untimed), so the next boot starts from
 * the same empty disk. tests/bench/linux/peer.c does the same on Linux. */
#include "lightos/runtime.h"
#include "lightos/registry.h"
#include "lightos/file.h"
#include "bench_storage.h"
#include "measure.h"

#define BIG_FILE  "files:/disk/big.bin"
#define BIG_SIZE  (16u << 20)
#define PIECE     (64u << 10)
#define SMALL_DIR "files:/disk/small"
#define SMALL_N   1000
#define SMALL_LEN 100

static char piece[PIECE];

static void result(const char *name, uint64_t cycles)
{
	lo_printf(BENCH_LINE, name, cycles, cycles, 1);
}

/* Write or read n bytes through f, in pieces of at most `len`. */
static status_t stream(struct lo_file *f, uint32_t n, uint32_t len, int writing)
{
	for (uint32_t done = 0; done < n;) {
		uint32_t want = n - done < len ? n - done : len;
		int64_t got = writing ? lo_fwrite(f, piece, want) : lo_fread(f, piece, want);
		if (got <= 0)
			return got < 0 ? (status_t)got : LO_ERR_IO;
		done += (uint32_t)got;
	}
	return LO_OK;
}

static status_t write_big(void)
{
	struct lo_file f;
	status_t st = lo_fopen(BIG_FILE, LO_FOPEN_WRITE | LO_FOPEN_CREATE | LO_FOPEN_TRUNCATE, &f);
	if (st != LO_OK)
		return st;
	st = stream(&f, BIG_SIZE, PIECE, 1);
	if (st == LO_OK)
		st = lo_fsync(&f);
	status_t closed = lo_fclose(&f);
	return st != LO_OK ? st : closed;
}

static status_t read_big(void)
{
	struct lo_file f;
	status_t st = lo_fopen(BIG_FILE, LO_FOPEN_READ, &f);
	if (st != LO_OK)
		return st;
	st = stream(&f, BIG_SIZE, PIECE, 0);
	lo_fclose(&f);
	return st;
}

static status_t create_small(int i)
{
	char name[64];
	struct lo_file f;
	lo_snprintf(name, sizeof(name), SMALL_DIR "/f%04d.txt", i);
	status_t st = lo_fopen(name, LO_FOPEN_WRITE | LO_FOPEN_CREATE, &f);
	if (st != LO_OK)
		return st;
	st = stream(&f, SMALL_LEN, SMALL_LEN, 1);
	status_t closed = lo_fclose(&f);   /* synced here */
	return st != LO_OK ? st : closed;
}

/* unbind `name` (a file or an empty directory) in its registry. */
static void remove_name(const char *name)
{
	lo_channel_t reg;
	const char *last;
	int32_t status;
	if (lo_resolve_parent(name, &reg, &last) != LO_OK)
		return;
	lo_registry_unbind(reg, last, (uint32_t)lo_strlen(last), &status);
	lo_handle_close(lo_channel_handle(reg));
}

static status_t make_dir(const char *name)
{
	lo_channel_t reg;
	const char *last;
	int32_t status = LO_OK;
	status_t st = lo_resolve_parent(name, &reg, &last);
	if (st != LO_OK)
		return st;
	st = lo_registry_make_registry(reg, last, (uint32_t)lo_strlen(last), &status);
	lo_handle_close(lo_channel_handle(reg));
	return st != LO_OK ? st : status;
}

void bench_storage(void)
{
	lo_handle_t disk;
	if (lo_resolve_name("files:/disk", LO_RIGHT_INSPECT, &disk) != LO_OK) {
		lo_printf("bench: no files:/disk, no storage cases\n");
		return;
	}
	lo_handle_close(disk);
	for (uint32_t i = 0; i < PIECE; i++)
		piece[i] = (char)(i * 7);
	uint64_t t0 = tsc();
	status_t st = write_big();
	uint64_t t1 = tsc();
	if (st == LO_OK)
		result("storage_write_16mib_synced", t1 - t0);
	t0 = tsc();
	if (st == LO_OK && (st = read_big()) == LO_OK)
		result("storage_read_16mib", tsc() - t0);
	if (st != LO_OK)
		lo_printf("bench: %s: %s\n", BIG_FILE, lo_status_name(st));
	remove_name(BIG_FILE);

	st = make_dir(SMALL_DIR);
	int i = 0;
	t0 = tsc();
	for (; st == LO_OK && i < SMALL_N; i++)
		st = create_small(i);
	t1 = tsc();
	if (st == LO_OK)
		result("storage_create_1000_synced", t1 - t0);
	else
		lo_printf("bench: creating file %d in %s: %s\n", i, SMALL_DIR, lo_status_name(st));
	for (int k = 0; k < i; k++) {
		char name[64];
		lo_snprintf(name, sizeof(name), SMALL_DIR "/f%04d.txt", k);
		remove_name(name);
	}
	remove_name(SMALL_DIR);
}
