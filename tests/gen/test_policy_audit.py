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
AUDIT_IDL = ("handle.idl", "log.idl", "process.idl", "thread.idl", "vmo.idl", "event.idl",
             "channel.idl", "port.idl", "timer.idl", "sysvar.idl", "resource.idl", "interrupt.idl",
             "system.idl", "startup.idl", "registry.idl", "file.idl", "job.idl", "clock.idl")


@pytest.fixture(scope="module")
def rights_json(tmp_path_factory):
    # Only the IDL files the fixture policies use: a type added to idl/
    # later (with calls on handles of any type) must not change the goldens.
    out = tmp_path_factory.mktemp("gen")
    idl = tmp_path_factory.mktemp("idl")
    for name in AUDIT_IDL:
        shutil.copy(os.path.join(ROOT, "idl", name), idl / name)
    rc, _, err = run_idlc("--idl", str(idl), "--cap", CAP, "--out", str(out))
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
    check_golden("clean.audit.txt", out)


def test_overprivileged_policy_fails_naming_the_excess(rights_json):
    rc, out, _ = audit(rights_json, os.path.join(POLICIES, "overprivileged.policy"))
    assert rc == 1
    assert "above maximum" in out and "DESTROY not within max log" in out
    assert "ghost" in out and "unknown program" in out
    assert "2 violation(s)" in out
    check_golden("overprivileged.audit.txt", out)


def test_json_report(rights_json):
    rc, out, _ = audit(rights_json, os.path.join(POLICIES, "overprivileged.policy"), "--json")
    assert rc == 1
    report = json.loads(out)
    kinds = sorted(v["kind"] for v in report["violations"])
    assert kinds == ["above maximum", "unknown program"]
    excess = {(e["program"], tuple(e["rights"])) for e in report["excess"]}
    assert ("ghost", ("TRANSFER",)) not in excess          # channel_write needs TRANSFER
    assert any(p == "logger" and "DESTROY" in r for p, r in excess)
    assert report["programs"]["logger"][0]["calls"]        # the capability matrix


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
    ("program p { take log : READ; }", "expected 'grant', 'max', 'protected', 'drives' or '}'"),
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
    assert '{ "serial", grants_serial, max_serial, true }' in text   # protected
    assert '{ "sh", grants_sh, max_sh, false }' in text
    assert '{ 4, 1016u, 8u, "", 0x0000010cu, "" }' in text   # ioports 0x3f8 8 : READ | WRITE | INSPECT
    # registry grants carry the registry protocol's connection rights, and a subtree
    assert '{ 7, 0u, 0u, "files", 0x0000000bu, "" }' in text    # ENUMERATE | OPEN | WATCH
    assert '{ 7, 0u, 0u, "files", 0x0000001fu, "/tmp" }' in text   # ... | MODIFY | WRITABLE
