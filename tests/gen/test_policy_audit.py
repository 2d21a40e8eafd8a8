"""The policy compiler and the auditor: parse errors, the generated table,
and the audit of fixture policies against golden output (UPDATE_GOLDEN=1
rewrites them)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import CAP, ROOT, run_idlc

HERE = os.path.dirname(os.path.abspath(__file__))
POLICIES = os.path.join(HERE, "policies")


@pytest.fixture(scope="module")
def rights_json(tmp_path_factory):
    # A frozen copy of the IDL (tests/gen/policies/idl/, the files the
    # fixture policies use): a call or type added to idl/ later must not
    # change the goldens. Refresh it by copying idl/ over it on purpose.
    out = tmp_path_factory.mktemp("gen")
    rc, _, err = run_idlc("--idl", os.path.join(POLICIES, "idl"), "--cap", CAP, "--out", str(out))
    assert rc == 0, err
    return str(out / "rights.json")


def tool(name, *args):
    p = subprocess.run([sys.executable, os.path.join(ROOT, "gen", name), *args], cwd=ROOT,
                       capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def audit(rights_json, policy, *extra):
    return tool("audit.py", policy, "--rights", rights_json, "--cap", CAP, "--programs", "logger", *extra)


def check_golden(name, text):
    path = os.path.join(POLICIES, name)
    if os.environ.get("UPDATE_GOLDEN"):
        with open(path, "w") as f:
            f.write(text)
    with open(path) as f:
        assert text == f.read(), f"{name} differs (UPDATE_GOLDEN=1 to accept)"


def test_clean_policy_passes(rights_json):
    rc, out, err = audit(rights_json, os.path.join(POLICIES, "clean.policy"))
    assert rc == 0, err
    assert "0 violation(s)" in out
    assert "channel console          channel   READ | WRITE | WAIT (revocable)" in out
    assert "Revocable grants\n  logger     channel console\n" in out
    check_golden("clean.audit.txt", out)


def test_overprivileged_policy_fails_naming_the_excess(rights_json):
    rc, out, _ = audit(rights_json, os.path.join(POLICIES, "overprivileged.policy"))
    assert rc == 1
    assert "above maximum" in out and "DESTROY not within max log" in out
    assert "ghost" in out and "unknown program" in out
    assert "2 violation(s)" in out
    check_golden("overprivileged.audit.txt", out)


# Each fixture hides one kind of over-privilege; `make audit` must fail
# with a line naming it (and the golden output shows the whole report).
HIDDEN = [
    ("registry_write", "viewer", "registry write",
     "may write registry files (MODIFY) beyond max registry files: ENUMERATE | OPEN | WATCH"),
    ("creation", "reader", "creation authority",
     "may create process (CREATE_PROCESS) beyond max job: INSPECT | CREATE_VMO"),
    ("leak", "sandbox", "transfer leak",
     "TRANSFER reaches untrusted program sandbox: broker --channel mailbox--> relay "
     "--channel inbox--> sandbox"),
]


@pytest.mark.parametrize("name,program,kind,detail", HIDDEN, ids=[h[0] for h in HIDDEN])
def test_hidden_overprivilege_is_caught(rights_json, name, program, kind, detail):
    rc, out, _ = audit(rights_json, os.path.join(POLICIES, f"{name}.policy"),
                       "--programs", "viewer reader broker relay sandbox")
    assert rc == 1
    line = next(l for l in out.splitlines() if l.startswith(f"  {program}") and kind in l)
    assert detail in line, line
    assert "1 violation(s)" in out
    check_golden(f"{name}.audit.txt", out)


def test_digest_mismatch_and_a_program_granted_nothing(rights_json, tmp_path):
    import tarfile
    image = tmp_path / "image.tar"
    with tarfile.open(image, "w") as tar:
        for name, data in (("bin/logger", b"the logger binary\n"), ("bin/nothing", b"x")):
            (tmp_path / "f").write_bytes(data)
            tar.add(tmp_path / "f", arcname=name)
    rc, out, _ = audit(rights_json, os.path.join(POLICIES, "digest.policy"), "--image", str(image))
    assert rc == 1
    line = next(l for l in out.splitlines() if "digest mismatch" in l)
    assert line.startswith("  logger") and "policy pins 0000000000000000... but bin/logger is" in line
    assert "1 violation(s)" in out
    assert "nothing: no handle, no call it can make" in out
    assert "no registry: it can name nothing" in out
    assert "no job handle: it cannot create" in out
    check_golden("digest.audit.txt", out)


def test_json_report(rights_json):
    rc, out, _ = audit(rights_json, os.path.join(POLICIES, "overprivileged.policy"), "--json")
    assert rc == 1
    report = json.loads(out)
    kinds = sorted(v["kind"] for v in report["violations"])
    assert kinds == ["above maximum", "unknown program"]
    excess = {(e["program"], tuple(e["rights"])) for e in report["excess"]}
    assert ("ghost", ("TRANSFER",)) not in excess          # channel_write needs TRANSFER
    assert any(p == "logger" and "DESTROY" in r for p, r in excess)
    assert report["programs"]["logger"]["grants"][0]["calls"]   # the capability matrix
    assert report["programs"]["logger"]["identity"]["binary"] == "bin/logger"


def test_shipped_policy_audits_clean():
    rc, out, err = subprocess.run(["make", "--no-print-directory", "audit"], cwd=ROOT,
                                  capture_output=True, text=True).returncode, None, None
    assert rc == 0


ERRORS = [
    ("program p { grant log : FLY; }", "unknown right 'FLY'"),
    ("program p { grant nothing : READ; }", "unknown grant kind 'nothing'"),
    ("program p { grant ioports 0x3f8 : READ; }", "expected a number"),
    ("program p { max widget : READ; }", "unknown object type 'widget'"),
    ("program p { grant log READ; }", "expected ':'"),
    ("program p { } program p { }", "program 'p' is declared twice"),
    ("program p { take log : READ; }", "expected 'grant', 'max', 'protected', 'untrusted', 'digest', 'drives' or '}'"),
    ('program p { digest "abc"; }', "a digest is 64 hex digits (SHA-256)"),
    ("program p { digest 12; }", "expected a SHA-256 in quotes"),
    ("program p { grant log : READ;", "end of file"),
    ("program p { grant log : READ; } $", "unexpected character '$'"),
    # a registry grant names connection rights, not handle rights
    ("program p { grant registry files : READ; }", "unknown right 'READ'"),
    ("program p { grant registry files /tmp : FLY; }", "unknown right 'FLY'"),
]


@pytest.mark.parametrize("text,message", ERRORS, ids=[e[1] for e in ERRORS])
def test_policy_errors(tmp_path, rights_json, text, message):
    path = tmp_path / "bad.policy"
    path.write_text("# header\n" + text + "\n")
    rc, _, err = tool("policy.py", str(path), "--rights", rights_json, "--cap", CAP,
                      "--out", str(tmp_path / "table.c"))
    assert rc == 1
    assert message in err, err
    line = 3 if message == "end of file" else 2   # the error's line, after the header
    assert err.startswith(f"{path}:{line}:")
    assert not (tmp_path / "table.c").exists()


def test_table_is_generated(tmp_path, rights_json):
    out = tmp_path / "table.c"
    rc, _, err = tool("policy.py", os.path.join(ROOT, "init", "system.policy"), "--rights", rights_json,
                      "--cap", CAP, "--out", str(out))
    assert rc == 0, err
    text = out.read_text()
    assert '{ "serial", grants_serial, max_serial, true, false, "" }' in text   # protected
    assert '{ "sh", grants_sh, max_sh, false, false, "" }' in text
    assert '{ "nothing", grants_nothing, max_nothing, false, true, "" }' in text   # untrusted
    assert '{ "pinned", grants_pinned, max_pinned, false, false, "1eb51713' in text   # digest
    assert '{ 4, 1016u, 8u, "", 0x0000010cu, "", false }' in text   # ioports 0x3f8 8 : READ | WRITE | INSPECT
    # registry grants carry the registry protocol's connection rights, and a subtree
    assert '{ 7, 0u, 0u, "files", 0x0000000bu, "", false }' in text    # ENUMERATE | OPEN | WATCH
    assert '{ 7, 0u, 0u, "files", 0x0000001fu, "/tmp", false }' in text   # ... | MODIFY | WRITABLE
