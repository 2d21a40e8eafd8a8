"""Helpers for the IDL compiler tests: run idlc, build scratch IDL trees."""
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IDLC = os.path.join(ROOT, "gen", "idlc.py")
CAP = os.path.join(ROOT, "cap")


def run_idlc(*args, cwd=ROOT):
    """Run the compiler; returns (exit code, stdout, stderr)."""
    p = subprocess.run([sys.executable, IDLC, *args], cwd=cwd, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def tree(path):
    """Every file under path: relative name -> bytes."""
    out = {}
    for d, _, files in os.walk(path):
        for f in files:
            full = os.path.join(d, f)
            with open(full, "rb") as fh:
                out[os.path.relpath(full, path)] = fh.read()
    return out


@pytest.fixture
def scratch(tmp_path):
    """A directory with an idl/ folder to fill, and an out/ folder."""
    (tmp_path / "idl").mkdir()
    return tmp_path


def write_idl(scratch, name, text):
    (scratch / "idl" / name).write_text(text)


def compile_scratch(scratch, *extra):
    return run_idlc("--idl", str(scratch / "idl"), "--cap", CAP, "--out", str(scratch / "out"), *extra)


@pytest.fixture
def repo_copy(tmp_path):
    """A copy of the parts of the tree the compiler reads."""
    for d in ("idl", "cap", "gen", "kern", "libos"):
        shutil.copytree(os.path.join(ROOT, d), tmp_path / d,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path
