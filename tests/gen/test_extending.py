"""The docs/extending.md walk-through, done in a scratch copy of the tree:
a new IDL file is picked up, the missing implementation is named with its
signature, and once written the generated dispatch compiles. Also: one
changed right changes the check, the binding, the doc and rights.json
together, and nothing else."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT, run_idlc, tree

# Ids reserved for these walk-throughs (docs/idl.md): type ids 30 and 31,
# system-call numbers 1000..1023. A user type that takes one makes these
# tests fail with "already used", never silently.

COUNTER_IDL = '''type counter = 30 {
    doc "A number that only goes up.";
    right INCREMENT = 16;
    signal NONZERO = 0;
    default_rights DUPLICATE | TRANSFER | READ | INCREMENT | WAIT | INSPECT;
}

syscall create = 1010 {
    doc "A new counter at zero.";
    in handle<job> job requires CREATE_EVENT;
    out handle<counter> counter;
    errors NO_MEMORY;
}

syscall add = 1011 {
    doc "Add to the counter.";
    in handle<counter> counter requires INCREMENT;
    in u64 amount;
}

syscall get = 1012 {
    doc "Read the counter.";
    in handle<counter> counter requires READ;
    out u64 value;
}
'''

COUNTER_C = '''#include "obj/kobject.h"
#include "obj/kernel_types.h"
#include "mm/heap.h"
#include "obj/job.h"
#include "k_objects.h"

struct counter {
	struct kobject obj;
	uint64_t value;
};

static void counter_destroy(struct cap_object *obj)
{
	kobject_count_destroyed(LO_TYPE_COUNTER);
	kobject_uncharge(kobject_of(obj));   /* the job gets its charge back */
	kfree(obj);
}

static const struct cap_object_ops counter_ops = { counter_destroy, NULL };

status_t counter_create(struct job *job, struct counter **counter)
{
	status_t st = job_charge_objects(job, 1);   /* quota: one object */
	if (st != LO_OK)
		return st;
	struct counter *c = kmalloc(sizeof(*c));
	if (!c) {
		job_uncharge_objects(job, 1);
		return LO_ERR_NO_MEMORY;
	}
	kobject_init(&c->obj, LO_TYPE_COUNTER, &counter_ops);
	kobject_charged(&c->obj, job);
	*counter = c;
	return LO_OK;
}

status_t counter_add(struct counter *counter, uint64_t amount)
{
	spin_lock(&counter->obj.lock);
	counter->value += amount;
	kobject_signal_locked(&counter->obj, 0, counter->value ? LO_SIG_COUNTER_NONZERO : 0);
	spin_unlock(&counter->obj.lock);
	return LO_OK;
}

status_t counter_get(struct counter *counter, uint64_t *value)
{
	*value = __atomic_load_n(&counter->value, __ATOMIC_RELAXED);
	return LO_OK;
}
'''

KFLAGS = ["-std=gnu11", "-ffreestanding", "-nostdlib", "-fno-builtin", "-mno-red-zone",
          "-mcmodel=kernel", "-mgeneral-regs-only", "-fno-pic", "-fno-pie", "-fno-stack-protector",
          "-Wall", "-Wextra", "-Werror"]


def gen(root, *extra):
    return run_idlc("--idl", str(root / "idl"), "--cap", str(root / "cap"),
                    "--out", str(root / "out"), *extra, cwd=str(root))


def kernel_compile(root, source):
    inc = [root / "kern", root / "cap", root / "out" / "include", root / "out" / "kern"]
    args = ["gcc", *KFLAGS, *[f"-I{i}" for i in inc], "-c", str(source), "-o", os.devnull]
    return subprocess.run(args, capture_output=True, text=True)


def test_adding_a_type_end_to_end(repo_copy):
    (repo_copy / "idl" / "counter.idl").write_text(COUNTER_IDL)
    rc, _, err = gen(repo_copy, "--check-impl", str(repo_copy / "kern" / "obj"))
    assert rc == 1
    assert "kern/obj/counter.c: missing status_t counter_create(struct job *job, struct counter **counter)" in err
    assert "missing status_t counter_add(struct counter *counter, uint64_t amount)" in err
    assert "missing status_t counter_get(struct counter *counter, uint64_t *value)" in err
    assert "3 system call(s)" in err
    (repo_copy / "kern" / "obj" / "counter.c").write_text(COUNTER_C)
    rc, _, err = gen(repo_copy, "--check-impl", str(repo_copy / "kern" / "obj"))
    assert rc == 0, err
    for src in (repo_copy / "out" / "kern" / "dispatch.c", repo_copy / "kern" / "obj" / "counter.c"):
        r = kernel_compile(repo_copy, src)
        assert r.returncode == 0, r.stderr
    # The signature is checked by the compiler, through the generated prototype.
    wrong = repo_copy / "kern" / "obj" / "counter.c"
    wrong.write_text(COUNTER_C.replace("counter_add(struct counter *counter, uint64_t amount)",
                                       "counter_add(struct counter *counter, uint32_t amount)"))
    r = kernel_compile(repo_copy, wrong)
    assert r.returncode != 0 and "conflicting types for 'counter_add'" in r.stderr.replace("‘", "'").replace("’", "'"), r.stderr
    syscalls = (repo_copy / "out" / "include" / "lightos" / "syscalls.h").read_text()
    assert "static inline status_t lo_counter_add(lo_counter_t counter, uint64_t amount)" in syscalls
    assert (repo_copy / "out" / "docs" / "counter.md").exists()
    data = json.loads((repo_copy / "out" / "rights.json").read_text())
    assert any(c["name"] == "counter_add" for c in data["syscalls"])


def test_one_right_changes_check_binding_doc_and_audit(repo_copy):
    rc, _, err = gen(repo_copy)
    assert rc == 0, err
    before = tree(repo_copy / "out")
    idl = repo_copy / "idl" / "channel.idl"
    text = idl.read_text()
    old = "in handle<channel> channel requires WRITE;\n    in buffer bytes"
    assert old in text
    idl.write_text(text.replace(old, "in handle<channel> channel requires SIGNAL;\n    in buffer bytes"))
    rc, _, err = gen(repo_copy)
    assert rc == 0, err
    after = tree(repo_copy / "out")
    changed = sorted(f for f in after if after[f] != before.get(f))
    assert changed == ["docs/channel.md", "docs/index.md", "include/lightos/syscalls.h",
                       "kern/dispatch.c", "rights.json", "tests/negative_rights.c"], changed
    assert "Needs: channel SIGNAL; handles TRANSFER." in after["include/lightos/syscalls.h"].decode()
    dispatch = after["kern/dispatch.c"].decode()
    start = dispatch.index("static status_t sys_channel_write(")
    assert "LO_RIGHT_SIGNAL, &obj_channel" in dispatch[start:start + 1500]
    write = next(c for c in json.loads(after["rights.json"])["syscalls"] if c["name"] == "channel_write")
    assert write["params"][0]["requires"] == ["SIGNAL"]
    assert "lacks_SIGNAL" in after["tests/negative_rights.c"].decode()


MAILBOX_IDL = '''// The walk-through of docs/extending.md: ids reserved for it (docs/idl.md).
type mailbox = 31 {
    doc "Holds at most one handle until it is taken.";
    right PUT = 16;
    signal FULL = 0;
    default_rights DUPLICATE | TRANSFER | READ | WAIT | INSPECT | PUT;
}

syscall create = 1000 {
    doc "A new, empty mailbox.";
    in handle<job> job requires CREATE_EVENT;
    out handle<mailbox> mailbox;
    errors NO_MEMORY;
}

syscall put = 1001 {
    doc "Move one handle in; SHOULD_WAIT if full. The handle is consumed either way.";
    in handle<mailbox> mailbox requires PUT;
    in moved_handles<any> handle count count max 1 requires TRANSFER;
    in u32 count;
    errors SHOULD_WAIT, INVALID_ARGS;
}

syscall take = 1002 {
    doc "Move the handle out; SHOULD_WAIT if empty.";
    in handle<mailbox> mailbox requires READ;
    out moved_handles<any> handle count room max 1 actual got;
    in u32 room;
    out u32 got;
    errors SHOULD_WAIT, INVALID_ARGS;
}

syscall wait = 1003 {
    doc "Wait until the mailbox holds a handle, or the deadline (ns since boot); CANCELED if mailbox is closed meanwhile.";
    blocking;
    in handle<mailbox> mailbox requires WAIT pass_handle;
    in u64 deadline;
    errors TIMED_OUT, CANCELED;
}
'''

MAILBOX_C = '''/* A mailbox: one handle, moved in and out (the docs/extending.md walk-through). */
#include <stdbool.h>
#include "obj/kobject.h"
#include "obj/kernel_types.h"
#include "mm/heap.h"
#include "obj/syscall_support.h"
#include "sched/wait.h"
#include "obj/job.h"
#include "k_objects.h"

struct mailbox {
	struct kobject obj;
	bool full;
	struct cap_taken held;
};

/* The held handle may name this mailbox: drop it when the last handle
 * closes, or the two keep each other alive. Dropped outside the lock. */
static void mailbox_empty(struct cap_object *obj)
{
	struct mailbox *m = (struct mailbox *)obj;
	spin_lock(&m->obj.lock);
	bool had = m->full;
	struct cap_taken held = m->held;
	m->full = false;
	spin_unlock(&m->obj.lock);
	if (had)
		cap_drop_taken(&held);
}

static void mailbox_destroy(struct cap_object *obj)
{
	mailbox_empty(obj);
	kobject_count_destroyed(LO_TYPE_MAILBOX);
	kobject_uncharge(kobject_of(obj));   /* the job gets its charge back */
	kfree(obj);
}

static const struct cap_object_ops mailbox_ops = { mailbox_destroy, mailbox_empty };

status_t mailbox_create(struct job *job, struct mailbox **mailbox)
{
	status_t st = job_charge_objects(job, 1);   /* quota: one object */
	if (st != LO_OK)
		return st;
	struct mailbox *m = kmalloc(sizeof(*m));
	if (!m) {
		job_uncharge_objects(job, 1);
		return LO_ERR_NO_MEMORY;
	}
	kobject_init(&m->obj, LO_TYPE_MAILBOX, &mailbox_ops);
	kobject_charged(&m->obj, job);
	m->full = false;
	*mailbox = m;
	return LO_OK;
}

status_t mailbox_put(struct mailbox *mailbox, struct cap_taken *handle, uint32_t count)
{
	if (count != 1) {
		for (uint32_t i = 0; i < count; i++)
			cap_drop_taken(&handle[i]);
		return LO_ERR_INVALID_ARGS;
	}
	spin_lock(&mailbox->obj.lock);
	bool was_full = mailbox->full;
	if (!was_full) {
		mailbox->held = handle[0];
		mailbox->full = true;
		kobject_signal_locked(&mailbox->obj, 0, LO_SIG_MAILBOX_FULL);
	}
	spin_unlock(&mailbox->obj.lock);
	if (was_full) {
		cap_drop_taken(&handle[0]);   /* moved handles are ours either way */
		return LO_ERR_SHOULD_WAIT;
	}
	return LO_OK;
}

status_t mailbox_take(struct mailbox *mailbox, struct cap_taken *handle, uint32_t room,
		      uint32_t *got)
{
	if (room < 1)
		return LO_ERR_INVALID_ARGS;
	spin_lock(&mailbox->obj.lock);
	status_t st = mailbox->full ? LO_OK : LO_ERR_SHOULD_WAIT;
	if (st == LO_OK) {
		handle[0] = mailbox->held;
		mailbox->full = false;
		kobject_signal_locked(&mailbox->obj, LO_SIG_MAILBOX_FULL, 0);
		*got = 1;
	}
	spin_unlock(&mailbox->obj.lock);
	return st;
}

status_t mailbox_wait(struct mailbox *mailbox, cap_handle_t mailbox_handle,
		      rights_t mailbox_rights, uint64_t deadline)
{
	(void)mailbox_rights;
	/* Through its handle: closing it ends the wait (CANCELED). */
	struct wait_item item = { &mailbox->obj, LO_SIG_MAILBOX_FULL, 0,
				  current_handle_table(), mailbox_handle };
	return wait_signals(&item, 1, deadline);
}
'''

MAILBOX_TEST = '''/* The walk-through type in use: a handle moved through a mailbox, a
 * blocking wait, the type-specific right. */
#include "utest.h"

static void test_mailbox_moves_a_handle(void)
{
	lo_mailbox_t m;
	lo_event_t e;
	CHECK_ST(lo_mailbox_create(lo_job_self(), &m), LO_OK);
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	CHECK_ST(lo_mailbox_wait(m, lo_deadline_after_ms(1)), LO_ERR_TIMED_OUT);
	lo_handle_t give[1] = { lo_event_handle(e) };
	CHECK_ST(lo_mailbox_put(m, give, 1), LO_OK);
	CHECK_ST(lo_mailbox_wait(m, lo_deadline_after_ms(1000)), LO_OK);
	lo_handle_t got[1];
	uint32_t n = 0;
	CHECK_ST(lo_mailbox_take(m, got, 1, &n), LO_OK);
	CHECK(n == 1);
	CHECK_ST(lo_handle_signal(got[0], 0, LO_SIG_EVENT_SIGNALED), LO_OK);
	lo_handle_close(got[0]);
	lo_handle_close(lo_mailbox_handle(m));
}

static void test_mailbox_closed_full_frees_its_handle(void)
{
	lo_mailbox_t m;
	lo_event_t e;
	CHECK_ST(lo_mailbox_create(lo_job_self(), &m), LO_OK);
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t give[1] = { lo_event_handle(e) };
	CHECK_ST(lo_mailbox_put(m, give, 1), LO_OK);
	lo_handle_close(lo_mailbox_handle(m));   /* the runner checks nothing leaked */
}

static const struct utest mailbox_tests[] = {
	{ "user.mailbox_moves_a_handle", test_mailbox_moves_a_handle },
	{ "user.mailbox_closed_full_frees_its_handle", test_mailbox_closed_full_frees_its_handle },
	{ 0, 0 },
};
UTEST_SUITE(mailbox_tests);
'''


def make(root, *targets, **env):
    e = dict(os.environ, **env)
    return subprocess.run(["make", "--no-print-directory", "-C", str(root), *targets],
                          capture_output=True, text=True, env=e, timeout=1200)


@pytest.fixture
def tree_copy(tmp_path):
    """The whole source tree, without build output."""
    dst = tmp_path / "tree"
    shutil.copytree(ROOT, dst, ignore=shutil.ignore_patterns(".git", "build", "__pycache__"))
    return dst


def sources(root):
    """Every file the build does not make: the tree a user edits."""
    out = tree(root)
    return {f: b for f, b in out.items()
            if not f.startswith(("build" + os.sep, ".pytest_cache" + os.sep))
            and "__pycache__" not in f.split(os.sep)}


def edits_beyond(before, after, allowed):
    """Names of files added, removed or changed between two snapshots,
    other than the allowed ones."""
    names = set(before) | set(after)
    return sorted(f for f in names if before.get(f) != after.get(f) and f not in allowed)


def test_edits_beyond_sees_any_other_change():
    """The check below must be able to fail: a changed, added or removed file
    outside the allowed set is named."""
    before = {"a.c": b"1", "b.c": b"2"}
    assert edits_beyond(before, dict(before), set()) == []
    assert edits_beyond(before, {"a.c": b"1", "b.c": b"3"}, set()) == ["b.c"]
    assert edits_beyond(before, {"a.c": b"1"}, set()) == ["b.c"]
    assert edits_beyond(before, {**before, "c.c": b""}, {"c.c"}) == []
    assert edits_beyond(before, {**before, "d.c": b""}, {"c.c"}) == ["d.c"]


def test_walkthrough_type_needs_only_its_own_files(tree_copy):
    """docs/extending.md: a type with a blocking call, a moved handle and a
    type-specific right is one IDL file, one C file and its test; then the
    kernel builds, the guest suite (its generated negative tests, the leak
    check by type name) and the audit pass, and the ABI lock has the new
    calls, recorded by the normal build."""
    before = sources(tree_copy)
    (tree_copy / "idl" / "mailbox.idl").write_text(MAILBOX_IDL)
    (tree_copy / "kern" / "obj" / "mailbox.c").write_text(MAILBOX_C)
    (tree_copy / "tests" / "guest" / "user" / "test_mailbox.c").write_text(MAILBOX_TEST)
    r = make(tree_copy, "test-guest")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    log = (tree_copy / "build" / "test" / "guest.log").read_text()
    for name in ("user.mailbox_moves_a_handle", "user.mailbox_closed_full_frees_its_handle",
                 "neg.mailbox_put.mailbox.lacks_PUT", "neg.mailbox_put.handle.lacks_TRANSFER",
                 "neg.mailbox_put.handle.closed_handle", "neg.mailbox_wait.mailbox.wrong_type",
                 "user.negative_rights_all_generated"):
        assert f"TEST ok {name}" in log, name
    assert "FAIL" not in log
    lock = (tree_copy / "idl" / "abi.lock").read_text()
    assert "type mailbox 31" in lock and "syscall 1003 mailbox_wait" in lock
    gen = tree_copy / "build" / "gen"
    data = json.loads((gen / "rights.json").read_text())
    wait = next(c for c in data["syscalls"] if c["name"] == "mailbox_wait")
    assert wait["blocking"] is True
    syscalls = (gen / "include" / "lightos" / "syscalls.h").read_text()
    assert "case LO_SYS_MAILBOX_WAIT:\n\t\treturn 1;" in syscalls   # the fuzzer's deadline slot
    abi = (gen / "include" / "lightos" / "abi.h").read_text()
    assert 'case LO_TYPE_MAILBOX: return "mailbox";' in abi
    assert 'return "put";' in abi
    r = make(tree_copy, "audit")
    assert r.returncode == 0, r.stdout + r.stderr
    # Two short fuzz runs with different seeds: the new calls included.
    for seed in ("1", "2"):
        r = make(tree_copy, "fuzz-guest", FUZZ_SEED=seed, FUZZ_CALLS="3000")
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    # Nothing else in the tree was edited, by hand or by the build: the three
    # new files, and the ABI lock that the normal build extends.
    own = {os.path.join("idl", "mailbox.idl"), os.path.join("kern", "obj", "mailbox.c"),
           os.path.join("tests", "guest", "user", "test_mailbox.c"), os.path.join("idl", "abi.lock")}
    assert edits_beyond(before, sources(tree_copy), own) == []
