#include "lightos/tar.h"

#define BLOCK 512

static int is_zero_block(const uint8_t *b)
{
	for (int i = 0; i < BLOCK; i++) {
		if (b[i])
			return 0;
	}
	return 1;
}

static int octal(const uint8_t *field, int len, uint64_t *out)
{
	uint64_t v = 0;
	int digits = 0;
	for (int i = 0; i < len && field[i] && field[i] != ' '; i++) {
		if (field[i] < '0' || field[i] > '7')
			return -1;
		if (v >> 60)
			return -1;
		v = v * 8 + (uint64_t)(field[i] - '0');
		digits++;
	}
	*out = v;
	return digits ? 0 : -1;
}

static int checksum_ok(const uint8_t *h)
{
	uint64_t want;
	if (octal(h + 148, 8, &want) != 0)
		return 0;
	uint64_t sum = 0;
	for (int i = 0; i < BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum == want;
}

static status_t tar_entry(const uint8_t *tar, size_t size, uint64_t *cursor, struct lo_tar_entry *out)
{
	uint64_t at = *cursor;
	if (at > size || size - at < BLOCK || is_zero_block(tar + at))
		return LO_ERR_NOT_FOUND;
	const uint8_t *h = tar + at;
	if (!checksum_ok(h))
		return LO_ERR_BAD_FORMAT;
	uint64_t file_size;
	if (octal(h + 124, 12, &file_size) != 0)
		return LO_ERR_BAD_FORMAT;
	if (file_size > size - at - BLOCK)
		return LO_ERR_BAD_FORMAT;
	const char *name = (const char *)h;
	int start = 0;   /* skip a leading "/" or "./" */
	while (start < LO_TAR_NAME_MAX - 1) {
		if (name[start] == '/')
			start++;
		else if (name[start] == '.' && name[start + 1] == '/')
			start += 2;
		else
			break;
	}
	int n = 0;
	while (start + n < LO_TAR_NAME_MAX && name[start + n]) {
		out->name[n] = name[start + n];
		n++;
	}
	out->name[n] = '\0';
	out->is_dir = h[156] == '5';
	out->is_pax = h[156] == 'x' || h[156] == 'g';
	if (out->is_dir && n > 0 && out->name[n - 1] == '/')
		out->name[n - 1] = '\0';
	out->offset = at + BLOCK;
	out->size = file_size;
	*cursor = at + BLOCK + ((file_size + BLOCK - 1) / BLOCK) * BLOCK;
	return LO_OK;
}

status_t lo_tar_next(const uint8_t *tar, size_t size, uint64_t *cursor, struct lo_tar_entry *out)
{
	status_t st;
	/* A pax header (the image builder's page padding) carries nothing we
	 * use: go on to the entry after it. */
	while ((st = tar_entry(tar, size, cursor, out)) == LO_OK && out->is_pax)
		;
	return st;
}

static int same_path(const char *a, const char *b)
{
	while (*b == '/')
		b++;
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

status_t lo_tar_find(const uint8_t *tar, size_t size, const char *path, struct lo_tar_entry *out)
{
	uint64_t cursor = 0;
	status_t st;
	while ((st = lo_tar_next(tar, size, &cursor, out)) == LO_OK) {
		if (same_path(out->name, path))
			return LO_OK;
	}
	return st;
}
