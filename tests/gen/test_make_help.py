"""`make help` names every .PHONY target of the Makefile and every *.mk."""
import glob
import os
import re
import subprocess

from conftest import ROOT


def phony_targets():
    names = set()
    files = [os.path.join(ROOT, "Makefile")] + glob.glob(os.path.join(ROOT, "**", "*.mk"), recursive=True)
    for path in files:
        if os.sep + "build" + os.sep in path:
            continue
        with open(path) as f:
            for line in f:
                if line.startswith(".PHONY:"):
                    names.update(n for n in line.split()[1:] if "$" not in n and n != "FORCE")
    return names


def test_help_lists_every_target():
    out = subprocess.run(["make", "--no-print-directory", "-s", "help"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    words = {w.rstrip(".") for w in re.findall(r"[\w.-]+", out)}
    suites = re.search(r"one suite: (.*)", out).group(1).split()
    missing = []
    for name in sorted(phony_targets()):
        covered = name in words or (name.startswith("test-") and name[5:] in suites)
        if not covered:
            missing.append(name)
    assert not missing, f"make help does not mention: {missing}"
