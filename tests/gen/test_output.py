"""Generated output: golden files, determinism, rights.json, the ABI lock,
and the generated C compiling under kernel and user flags."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import CAP, ROOT, compile_scratch, run_idlc, tree

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")
FIXTURE = os.path.join(HERE, "fixture")

KERNEL_FLAGS = ["-std=gnu11", "-ffreestanding", "-nostdlib", "-fno-builtin", "-mno-red-zone",
                "-mcmodel=kernel", "-mgeneral-regs-only", "-fno-pic", "-fno-pie",
                "-Wall", "-Wextra", "-Werror"]
USER_FLAGS = ["-std=gnu11", "-ffreestanding", "-nostdlib", "-fno-builtin",
              "-mgeneral-regs-only", "-Wall", "-Wextra", "-Werror"]


def generate(idl_dir, out):
    rc, _, err = run_idlc("--idl", idl_dir, "--cap", CAP, "--out", str(out))
    assert rc == 0, err
    return tree(out)


def test_golden_files(tmp_path):
    got = generate(FIXTURE, tmp_path / "out")
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in got.items():
            os.makedirs(os.path.dirname(os.path.join(GOLDEN, rel)), exist_ok=True)
            with open(os.path.join(GOLDEN, rel), "wb") as f:
                f.write(data)
    want = tree(GOLDEN)
    assert sorted(got) == sorted(want)
    for rel in want:
        assert got[rel] == want[rel], f"{rel} differs from tests/gen/golden (UPDATE_GOLDEN=1 to accept)"


def test_deterministic(tmp_path):
    a = generate(os.path.join(ROOT, "idl"), tmp_path / "a")
    b = generate(os.path.join(ROOT, "idl"), tmp_path / "b")
    assert a == b


def test_rights_json(tmp_path):
    out = tmp_path / "out"
    generate(os.path.join(ROOT, "idl"), out)
    data = json.loads((out / "rights.json").read_text())
    calls = {c["name"]: c for c in data["syscalls"]}
    write = {p["name"]: p for p in calls["channel_write"]["params"]}
    assert write["channel"]["requires"] == ["WRITE"]
    assert write["handles"]["requires"] == ["TRANSFER"]
    for c in data["syscalls"]:
        for p in c["params"]:
            if p["kind"] in ("handle", "handles", "moved_handles"):
                assert "requires" in p or "grants" in p
    assert data["types"]["vmo"]["rights"] == {"RESIZE": 1 << 16}


def compile_c(source, flags, includes, extra=("-c",)):
    args = ["gcc", *flags, *[f"-I{i}" for i in includes], *extra, source, "-o", os.devnull]
    return subprocess.run(args, capture_output=True, text=True)


def test_generated_c_compiles(tmp_path):
    out = tmp_path / "out"
    generate(os.path.join(ROOT, "idl"), out)
    kern = compile_c(str(out / "kern" / "dispatch.c"), KERNEL_FLAGS,
                     [os.path.join(ROOT, "kern"), CAP, out / "include", out / "kern"])
    assert kern.returncode == 0, kern.stderr
    user_inc = [os.path.join(ROOT, "libos", "include"), CAP, out / "include"]
    for src in (out / "libos" / "protocols.c", out / "tests" / "negative_rights.c"):
        r = compile_c(str(src), USER_FLAGS, user_inc)
        assert r.returncode == 0, r.stderr


def test_handle_types_are_distinct(tmp_path):
    out = tmp_path / "out"
    generate(os.path.join(ROOT, "idl"), out)
    src = tmp_path / "mix.c"
    src.write_text('#include "lightos/syscalls.h"\n'
                   "status_t f(lo_channel_t c) { return lo_event_create(0), lo_timer_set(c, 0); }\n")
    user_inc = [os.path.join(ROOT, "libos", "include"), CAP, out / "include"]
    r = compile_c(str(src), USER_FLAGS, user_inc, extra=("-fsyntax-only",))
    assert r.returncode != 0
    assert "incompatible type" in r.stderr
    ok = tmp_path / "ok.c"
    ok.write_text('#include "lightos/syscalls.h"\n'
                  "status_t f(lo_timer_t t) { return lo_timer_set(t, 0); }\n")
    assert compile_c(str(ok), USER_FLAGS, user_inc, extra=("-fsyntax-only",)).returncode == 0


@pytest.fixture
def locked(tmp_path):
    shutil.copytree(os.path.join(ROOT, "idl"), tmp_path / "idl")
    return tmp_path


def lock_run(d, *extra):
    return run_idlc("--idl", str(d / "idl"), "--cap", CAP, "--out", str(d / "out"),
                    "--lock", str(d / "idl" / "abi.lock"), *extra)


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_lock_accepts_current(locked):
    rc, _, err = lock_run(locked)
    assert rc == 0, err


def test_lock_refuses_renumbering(locked):
    edit(locked / "idl" / "timer.idl", "syscall set = 91", "syscall set = 93")
    rc, _, err = lock_run(locked)
    assert rc == 1 and "renumbered 91 -> 93" in err


def test_lock_refuses_retyping(locked):
    edit(locked / "idl" / "timer.idl", "in u64 deadline;\n}\n\nsyscall cancel", "in u32 deadline;\n}\n\nsyscall cancel")
    rc, _, err = lock_run(locked)
    assert rc == 1 and "changed signature" in err


def test_lock_refuses_removal_unless_breaking(locked):
    edit(locked / "idl" / "timer.idl", 'syscall cancel = 92 {\n    doc "Disarm and clear SIGNALED.";\n    in handle<timer> timer requires WRITE;\n}\n', "")
    rc, _, err = lock_run(locked)
    assert rc == 1 and "'timer_cancel' (number 92) was removed" in err
    rc, _, err = lock_run(locked, "--break-abi")
    assert rc == 0, err
    assert "timer_cancel" not in (locked / "idl" / "abi.lock").read_text()


def test_lock_records_additions(locked):
    with open(locked / "idl" / "timer.idl", "a") as f:
        f.write('\nsyscall peek = 95 {\n    doc "d";\n    in handle<timer> timer requires WRITE;\n}\n')
    rc, _, err = lock_run(locked)   # a normal build, no flag
    assert rc == 0 and "new syscall 'timer_peek' (number 95): recorded" in err
    assert "syscall 95 timer_peek" in (locked / "idl" / "abi.lock").read_text()
    rc, _, err = lock_run(locked)
    assert rc == 0 and "note" not in err
    # Once recorded, the new number is as fixed as the old ones.
    edit(locked / "idl" / "timer.idl", "syscall peek = 95", "syscall peek = 96")
    rc, _, err = lock_run(locked)
    assert rc == 1 and "renumbered 95 -> 96" in err
