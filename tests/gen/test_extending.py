"""The docs/extending.md walk-through, done in a scratch copy of the tree:
a new IDL file is picked up, the missing implementation is named with its
signature, and once written the generated dispatch compiles. Also: one
changed right changes the check, the binding, the doc and rights.json
together, and nothing else."""
import json
import os
import subprocess

from conftest import run_idlc, tree

COUNTER_IDL = '''type counter = 20 {
    doc "A number that only goes up.";
    right INCREMENT = 16;
    signal NONZERO = 0;
    default_rights DUPLICATE | TRANSFER | READ | INCREMENT | WAIT | INSPECT;
}

syscall create = 140 {
    doc "A new counter at zero.";
    in handle<job> job requires CREATE_EVENT;
    out handle<counter> counter;
    errors NO_MEMORY;
}

syscall add = 141 {
    doc "Add to the counter.";
    in handle<counter> counter requires INCREMENT;
    in u64 amount;
}

syscall get = 142 {
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

status_t k_counter_create(struct job *job, struct counter **counter)
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

status_t k_counter_add(struct counter *counter, uint64_t amount)
{
	spin_lock(&counter->obj.lock);
	counter->value += amount;
	kobject_signal_locked(&counter->obj, 0, counter->value ? LO_SIG_COUNTER_NONZERO : 0);
	spin_unlock(&counter->obj.lock);
	return LO_OK;
}

status_t k_counter_get(struct counter *counter, uint64_t *value)
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
    assert "kern/obj/counter.c: missing status_t k_counter_create(struct job *job, struct counter **counter)" in err
    assert "missing status_t k_counter_add(struct counter *counter, uint64_t amount)" in err
    assert "missing status_t k_counter_get(struct counter *counter, uint64_t *value)" in err
    assert "3 system call(s)" in err
    (repo_copy / "kern" / "obj" / "counter.c").write_text(COUNTER_C)
    rc, _, err = gen(repo_copy, "--check-impl", str(repo_copy / "kern" / "obj"))
    assert rc == 0, err
    for src in (repo_copy / "out" / "kern" / "dispatch.c", repo_copy / "kern" / "obj" / "counter.c"):
        r = kernel_compile(repo_copy, src)
        assert r.returncode == 0, r.stderr
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
    start = dispatch.index("static int64_t sys_channel_write(")
    assert "LO_RIGHT_SIGNAL, &obj_channel" in dispatch[start:start + 1500]
    write = next(c for c in json.loads(after["rights.json"])["syscalls"] if c["name"] == "channel_write")
    assert write["params"][0]["requires"] == ["SIGNAL"]
    assert "lacks_SIGNAL" in after["tests/negative_rights.c"].decode()
