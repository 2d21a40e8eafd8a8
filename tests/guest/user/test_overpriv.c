/* Identity and over-privilege, live: a process's policy follows the binary
 * it runs (its attested identity), never a name its spawner picks; a
 * binary that does not match its policy's digest is refused; a program
 * granted nothing can do nothing. */
#include "utest.h"
#include "lightos/sha256.h"
#include "lightos/tar.h"
#include "lightos/policy.h"
#include "lightos/audit.h"

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

/* Creation authority it should not have: a job handle without
 * CREATE_PROCESS cannot create one, and the kernel's denial log names the
 * process, its program identity, the call and the missing right. */
static void test_creation_denied_and_logged(void)
{
	lo_handle_t weak = utest_dup(lo_job_handle(lo_job_self()), LO_RIGHT_INSPECT | LO_RIGHT_DUPLICATE |
				     LO_RIGHT_JOB_CREATE_EVENT);
	lo_process_t p;
	CHECK_ST(lo_process_create(lo_job_from(weak), "x", 1, &p), LO_ERR_ACCESS_DENIED);
	struct lo_denial d;
	CHECK(utest_find_denial(LO_SYS_PROCESS_CREATE, weak.value, &d) &&
	      d.missing == LO_RIGHT_JOB_CREATE_PROCESS && !lo_strcmp(d.program, "bin/utest"));
	/* The live audit sees the same: a job handle is checked against the
	 * job grant of the holder's program. */
	const struct lo_policy_program *child = lo_policy_for("child");
	CHECK(!lo_strcmp(lo_audit_handle(child, LO_TYPE_JOB, LO_RIGHT_INSPECT |
					 LO_RIGHT_JOB_CREATE_VMO), "ok"));
	CHECK(!lo_strcmp(lo_audit_handle(child, LO_TYPE_JOB, LO_RIGHT_INSPECT |
					 LO_RIGHT_JOB_CREATE_REVOKER), "CREATE NOT GRANTED"));
	const struct lo_policy_program *nothing = lo_policy_for("nothing");
	CHECK(!lo_strcmp(lo_audit_handle(nothing, LO_TYPE_JOB, LO_RIGHT_JOB_CREATE_EVENT),
			 "CREATE NOT GRANTED"));
	CHECK(!lo_strcmp(lo_audit_handle(nothing, LO_TYPE_LOG, LO_RIGHT_WRITE), "NOT GRANTED"));
	lo_handle_close(weak);
}

/* A live child's handles all within its policy, as the shell's audit
 * checks them: the child sends back its handle list. */
static void test_live_child_within_policy(void)
{
	lo_channel_t mine;
	lo_process_t child;
	if (!utest_spawn_talking("handles", &mine, &child))
		return;
	uint32_t observed;
	struct lo_handle_entry e[16];
	struct lo_channel_read_result got;
	CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
				    lo_deadline_after_ms(5000), &observed), LO_OK);
	CHECK_ST(lo_channel_read(mine, e, sizeof(e), NULL, 0, &got), LO_OK);
	char program[32];
	lo_program_of(child, program, sizeof(program));
	CHECK(!lo_strcmp(program, "child"));
	const struct lo_policy_program *pol = lo_policy_for(program);
	uint32_t n = got.bytes / sizeof(e[0]), jobs = 0;
	for (uint32_t i = 0; i < n; i++) {
		CHECK(!lo_strcmp(lo_audit_handle(pol, e[i].type, e[i].rights), "ok"));
		jobs += e[i].type == LO_TYPE_JOB;
	}
	CHECK(n >= 4 && jobs == 1);
	struct lo_process_info info;
	CHECK(utest_wait_process(child, &info));
	lo_handle_close(lo_process_handle(child));
	lo_handle_close(lo_channel_handle(mine));
}

/* What the live audit says about identities: a spawned child is sound; a
 * process whose recorded binary is not the image's, or not its policy's
 * pin, or not in the image at all, or never attested, is reported. */
static void test_live_identity_checks(void)
{
	const uint8_t *tar;
	size_t tar_size;
	if (!CHECK_ST(lo_map_readonly(utest_image, &tar, &tar_size), LO_OK))
		return;
	lo_channel_t mine;
	lo_process_t child;
	struct lo_process_identity id;
	if (utest_spawn_holding(&mine, &child)) {
		CHECK_ST(lo_process_identity(child, &id), LO_OK);
		CHECK(!lo_strcmp(lo_audit_identity(&id, tar, tar_size), "ok"));
		lo_process_kill(child);
		lo_handle_close(lo_process_handle(child));
		lo_handle_close(lo_channel_handle(mine));
	}
	static const struct { const char *path; const char *verdict; } cases[] = {
		{ "bin/child", "DIFFERS FROM IMAGE" },
		{ "bin/pinned", "DIGEST MISMATCH" },
		{ "bin/ghost", "NOT IN IMAGE" },
		{ NULL, "NOT ATTESTED" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lo_process_t p;
		if (!CHECK_ST(lo_process_create(lo_job_self(), "x", 1, &p), LO_OK))
			continue;
		if (cases[i].path) {
			struct lo_identity_claim claim;
			lo_memset(&claim, 0, sizeof(claim));
			lo_memcpy(claim.path, cases[i].path, lo_strlen(cases[i].path));
			claim.sha256[0] = 0x5a;   /* no binary's digest */
			CHECK_ST(lo_process_set_identity(p, &claim), LO_OK);
		}
		CHECK_ST(lo_process_identity(p, &id), LO_OK);
		const char *v = lo_audit_identity(&id, tar, tar_size);
		if (!CHECK(!lo_strcmp(v, cases[i].verdict)))
			lo_printf("  %s: %s, expected %s\n", cases[i].path ? cases[i].path : "(none)",
				  v, cases[i].verdict);
		lo_handle_close(lo_process_handle(p));
	}
	lo_process_unmap(lo_self, (uint64_t)(uintptr_t)tar, (tar_size + 4095) & ~4095ull);
}

static const struct utest overpriv_tests[] = {
	{ "overpriv.creation_denied_and_logged", test_creation_denied_and_logged },
	{ "overpriv.live_child_within_policy", test_live_child_within_policy },
	{ "overpriv.live_identity_checks", test_live_identity_checks },
	{ "identity.spawned_child_is_attested", test_spawned_child_is_attested },
	{ "identity.set_once_before_run", test_identity_set_once_before_run },
	{ "identity.policy_follows_binary_not_name", test_policy_follows_binary_not_name },
	{ "identity.digest_pins_the_binary", test_digest_pins_the_binary },
	{ "overpriv.nothing_can_do_nothing", test_nothing_can_do_nothing },
	{ NULL, NULL },
};
UTEST_SUITE(overpriv_tests);
