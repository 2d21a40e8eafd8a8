/* SHA-256 (FIPS 180-4): the digest that names a program's binary in its
 * identity (process_set_identity) and in the policy (`digest "...";`). */
#ifndef LIGHTOS_SHA256_H
#define LIGHTOS_SHA256_H

#include <stdint.h>
#include <stddef.h>

#define LO_SHA256_BYTES 32

struct lo_sha256 {
	uint32_t state[8];
	uint64_t length;        /* bytes hashed so far */
	uint8_t block[64];
	uint32_t used;          /* bytes waiting in block */
};

void lo_sha256_init(struct lo_sha256 *s);
void lo_sha256_update(struct lo_sha256 *s, const void *data, size_t len);
void lo_sha256_final(struct lo_sha256 *s, uint8_t out[LO_SHA256_BYTES]);
/* All at once. */
void lo_sha256(const void *data, size_t len, uint8_t out[LO_SHA256_BYTES]);
/* 64 lowercase hex digits and a NUL. */
void lo_sha256_hex(const uint8_t digest[LO_SHA256_BYTES], char out[2 * LO_SHA256_BYTES + 1]);

#endif
