/* Identity and over-privilege, live: a process's policy follows the binary
 * it runs (its attested identity), never a name its spawner picks; a
 * binary that does not match its policy's digest is refused; a program
 * granted nothing can do nothing. */
#include "utest.h"
#include "lightos/sha256.h"
#include "lightos/tar.h"
#include "lightos/policy.h"

/* The bytes of `path` in the boot image. */
static int image_file(const char *path, const uint8_t **data, size_t *size)
{
	static const uint8_t *tar;
	static size_t tar_size;
	if (!tar && !CHECK_ST(lo_map_readonly(utest_image, &tar, &tar_size), LO_OK))
		return 0;
	struct lo_tar_entry e;
	if (!CHECK_ST(lo_tar_find(tar, tar_size, path, &e), LO_OK))
		return 0;
	*data = tar + e.offset;
	*size = e.size;
	return 1;
}

static void test_spawned_child_is_attested(void)
{
	lo_channel_t mine;
	lo_process_t child;
	if (!utest_spawn_holding(&mine, &child))
		return;
	struct lo_process_identity id, own;
	CHECK_ST(lo_process_identity(child, &id), LO_OK);
	CHECK_ST(lo_process_identity(lo_self, &own), LO_OK);
	CHECK(id.attested_by == LO_IDENTITY_PROCESS);
	CHECK(!lo_strcmp(id.path, "bin/child"));
	/* The kernel, not the claim, says who attested it: us. */
	CHECK(id.attester == utest_object_id(lo_process_handle(lo_self)));
	CHECK(!lo_strcmp(id.attester_path, "bin/utest"));
	CHECK(!lo_strcmp(own.path, "bin/utest"));
	const uint8_t *bytes;
	size_t size;
	uint8_t digest[LO_SHA256_BYTES];
	if (image_file("bin/child", &bytes, &size)) {
		lo_sha256(bytes, size, digest);
		CHECK(!lo_memcmp(digest, id.sha256, sizeof(digest)));
	}
	char program[32];
	lo_program_of(child, program, sizeof(program));
	CHECK(!lo_strcmp(program, "child"));
	lo_process_kill(child);
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_channel_handle(mine));
}

static void test_identity_set_once_before_run(void)
{
	lo_process_t p;
	if (!CHECK_ST(lo_process_create(lo_job_self(), "x", 1, &p), LO_OK))
		return;
	struct lo_process_identity id;
	CHECK_ST(lo_process_identity(p, &id), LO_OK);
	CHECK(id.attested_by == LO_IDENTITY_NONE);
	struct lo_identity_claim claim;
	lo_memset(&claim, 'a', sizeof(claim));   /* no NUL in the path */
	CHECK_ST(lo_process_set_identity(p, &claim), LO_ERR_INVALID_ARGS);
	lo_memset(&claim, 0, sizeof(claim));
	lo_memcpy(claim.path, "bin/x", 6);
	claim.sha256[0] = 7;
	CHECK_ST(lo_process_set_identity(p, &claim), LO_OK);
	lo_memcpy(claim.path, "bin/y", 6);
	CHECK_ST(lo_process_set_identity(p, &claim), LO_ERR_BAD_STATE);   /* once */
	CHECK_ST(lo_process_identity(p, &id), LO_OK);
	CHECK(!lo_strcmp(id.path, "bin/x") && id.sha256[0] == 7);
	/* A running process's identity is fixed, even to itself. */
	CHECK_ST(lo_process_set_identity(lo_self, &claim), LO_ERR_BAD_STATE);
	/* MANAGE is needed to attest. */
	lo_handle_t weak = utest_dup(lo_process_handle(p), LO_RIGHT_INSPECT);
	CHECK_ST(lo_process_set_identity(lo_process_from(weak), &claim), LO_ERR_ACCESS_DENIED);
	lo_handle_close(weak);
	lo_handle_close(lo_process_handle(p));
}

/* The bytes of bin/child, started as raw bytes under child's name, get the
 * `default` policy, which grants no channel: the name buys nothing. From
 * the image, the same bytes are program child and the channel is allowed. */
static void test_policy_follows_binary_not_name(void)
{
	const uint8_t *bytes;
	size_t size;
	if (!image_file("bin/child", &bytes, &size))
		return;
	lo_channel_t a, b;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &a, &b), LO_OK))
		return;
	struct lo_give give = { LO_STARTUP_CHANNEL, lo_channel_handle(b) };
	lo_process_t p;
	const char *why = NULL;
	CHECK_ST(lo_spawn(bytes, size, "child", "exit 0", &give, 1, &p, &why), LO_ERR_ACCESS_DENIED);
	/* Without the channel it runs, as "default", its identity naming no file. */
	if (CHECK_ST(lo_spawn(bytes, size, "child", "exit 3", NULL, 0, &p, &why), LO_OK)) {
		struct lo_process_identity id;
		CHECK_ST(lo_process_identity(p, &id), LO_OK);
		CHECK(id.attested_by == LO_IDENTITY_PROCESS && id.path[0] == 0);
		char program[32];
		lo_program_of(p, program, sizeof(program));
		CHECK(!lo_strcmp(program, "default"));
		struct lo_process_info info;
		CHECK(utest_wait_process(p, &info) && info.exit_code == 3);
		lo_handle_close(lo_process_handle(p));
	}
	lo_channel_t c, d;
	CHECK_ST(lo_channel_create(lo_job_self(), &c, &d), LO_OK);
	give.handle = lo_channel_handle(d);
	if (CHECK_ST(lo_spawn_from_image(utest_image, "bin/child", "exit 4", &give, 1, &p, &why),
		     LO_OK)) {
		struct lo_process_info info;
		CHECK(utest_wait_process(p, &info) && info.exit_code == 4);
		lo_handle_close(lo_process_handle(p));
	}
	lo_handle_close(lo_channel_handle(a));
	lo_handle_close(lo_channel_handle(c));
}

/* A one-file ustar archive in a new VMO: bin/pinned holding `data`. */
static int one_file_image(const uint8_t *data, size_t size, lo_vmo_t *out)
{
	static uint8_t header[512];
	lo_memset(header, 0, sizeof(header));
	lo_memcpy(header, "bin/pinned", 10);
	lo_memcpy(header + 100, "0000644", 7);
	lo_snprintf((char *)header + 124, 12, "%011llo", (unsigned long long)size);
	header[156] = '0';
	lo_memcpy(header + 257, "ustar", 6);
	lo_memcpy(header + 263, "00", 2);
	lo_memset(header + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += header[i];
	lo_snprintf((char *)header + 148, 8, "%06o", sum);
	uint64_t total = 512 + ((size + 511) & ~511ull) + 1024;
	if (!CHECK_ST(lo_vmo_create(lo_job_self(), total, out), LO_OK))
		return 0;
	return CHECK_ST(lo_vmo_write_all(*out, header, 0, 512), LO_OK) &&
	       CHECK_ST(lo_vmo_write_all(*out, data, 512, size), LO_OK);
}

/* program pinned pins the SHA-256 of bin/pinned (a text file): those bytes
 * pass the check (and then are no ELF); a real program under that path,
 * from another image, does not match and is refused. */
static void test_digest_pins_the_binary(void)
{
	lo_process_t p;
	const char *why = NULL;
	CHECK_ST(lo_spawn_from_image(utest_image, "bin/pinned", "", NULL, 0, &p, &why),
		 LO_ERR_BAD_FORMAT);
	const uint8_t *bytes;
	size_t size;
	lo_vmo_t other;
	if (!image_file("bin/child", &bytes, &size) || !one_file_image(bytes, size, &other))
		return;
	why = NULL;
	CHECK_ST(lo_spawn_from_image(other, "bin/pinned", "exit 0", NULL, 0, &p, &why),
		 LO_ERR_ACCESS_DENIED);
	CHECK(why && !lo_strcmp(why, "the binary does not match the digest its policy pins"));
	lo_handle_close(lo_vmo_handle(other));
}

/* program nothing (bin/child under that path) is granted nothing and is
 * untrusted: a spawner that offers it anything is refused; started with
 * nothing, every attempt to create, name, open or log fails. */
static void test_nothing_can_do_nothing(void)
{
	lo_process_t p;
	const char *why = NULL;
	uint32_t log = 0;
	CHECK_ST(lo_handle_duplicate(lo_log_handle(lo_log), LO_RIGHT_WRITE | LO_RIGHT_INSPECT |
				     LO_RIGHT_TRANSFER, &log), LO_OK);
	struct lo_give give = { LO_STARTUP_LOG, { log } };
	CHECK_ST(lo_spawn_from_image(utest_image, "bin/nothing", "nothing", &give, 1, &p, &why),
		 LO_ERR_ACCESS_DENIED);
	if (!CHECK_ST(lo_spawn_from_image(utest_image, "bin/nothing", "nothing", NULL, 0, &p, &why),
		      LO_OK))
		return;
	struct lo_process_info info;
	CHECK(utest_wait_process(p, &info) && info.exit_reason == LO_EXIT_NORMAL &&
	      info.exit_code == 0);
	lo_handle_close(lo_process_handle(p));
}

static const struct utest overpriv_tests[] = {
	{ "identity.spawned_child_is_attested", test_spawned_child_is_attested },
	{ "identity.set_once_before_run", test_identity_set_once_before_run },
	{ "identity.policy_follows_binary_not_name", test_policy_follows_binary_not_name },
	{ "identity.digest_pins_the_binary", test_digest_pins_the_binary },
	{ "overpriv.nothing_can_do_nothing", test_nothing_can_do_nothing },
	{ NULL, NULL },
};
UTEST_SUITE(overpriv_tests);
