"""`drives pci VENDOR DEVICE;`: the policy names each device's driver, and
gen/policy.py compiles it into lo_policy_drivers (read by the PCI bus
driver through lo_policy_driver_for)."""
import os
import subprocess
import sys

import pytest

from conftest import CAP, ROOT, run_idlc


@pytest.fixture(scope="module")
def rights_json(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    rc, _, err = run_idlc("--idl", os.path.join(ROOT, "idl"), "--cap", CAP, "--out", str(out))
    assert rc == 0, err
    return str(out / "rights.json")


def compile_policy(tmp_path, rights_json, text):
    path = tmp_path / "p.policy"
    path.write_text(text)
    out = tmp_path / "table.c"
    p = subprocess.run([sys.executable, os.path.join(ROOT, "gen", "policy.py"), str(path), "--rights",
                        rights_json, "--cap", CAP, "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    return p.returncode, out.read_text() if out.exists() else "", p.stderr


def test_drives_become_the_driver_table(tmp_path, rights_json):
    rc, table, err = compile_policy(tmp_path, rights_json, """
program blk { drives pci 0x1af4 0x1001; drives pci 0x1af4 4162; grant log : WRITE; }
program net { drives pci 0x8086 0x100e; }
program other { grant log : WRITE; }
""")
    assert rc == 0, err
    drivers = table[table.index("lo_policy_drivers[]"):]
    assert '{ 0x1af4, 0x1001, "blk" },' in drivers
    assert '{ 0x1af4, 0x1042, "blk" },' in drivers
    assert '{ 0x8086, 0x100e, "net" },' in drivers
    assert '"other"' not in drivers
    assert drivers.rstrip().endswith("{ 0, 0, 0 },\n};".rstrip())


def test_shipped_policy_drives_virtio_blk(tmp_path, rights_json):
    with open(os.path.join(ROOT, "init", "system.policy")) as f:
        rc, table, err = compile_policy(tmp_path, rights_json, f.read())
    assert rc == 0, err
    drivers = table[table.index("lo_policy_drivers[]"):]
    assert drivers.count('"virtio_blk"') == 2
    assert drivers.count("{ 0x") == 2   # nothing else has a driver


ERRORS = [
    ("program a { drives pci 0x1af4 0x1001; }\nprogram b { drives pci 0x1af4 0x1001; }",
     "pci 1af4:1001 already has a driver, 'a'"),
    ("program a { drives pci 0x1af4 0x1001; drives pci 0x1af4 0x1001; }", "already has a driver"),
    ("program a { drives usb 1 2; }", "unknown bus 'usb'"),
    ("program a { drives pci 0x10000 1; }", "vendor id 0x10000 is more than 16 bits"),
    ("program a { drives pci 0x1af4; }", "expected a device id"),
]


@pytest.mark.parametrize("text,message", ERRORS, ids=[e[1] for e in ERRORS])
def test_drives_errors(tmp_path, rights_json, text, message):
    rc, table, err = compile_policy(tmp_path, rights_json, text)
    assert rc == 1
    assert message in err, err
    assert table == ""
