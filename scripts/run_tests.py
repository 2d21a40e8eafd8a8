#!/usr/bin/env python3
"""Run LightOS test suites and print one closing line: "N passed, N failed".

Each suite is a make target `test-<suite>` that leaves its results in
build/test/<suite>.tap (TAP lines "ok ..." / "not ok ...") or
build/test/<suite>.xml (JUnit XML, as pytest writes it). A suite that exits
non-zero without reporting a failure, or reports nothing, counts as failed.
"""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

RESULTS = os.path.join("build", "test")


def count_tap(path):
    passed, failed, names = 0, 0, []
    with open(path, errors="replace") as f:
        for line in f:
            if re.match(r"^not ok\b", line):
                failed += 1
                names.append(line.strip())
            elif re.match(r"^ok\b", line):
                passed += 1
    return passed, failed, names


def count_junit(path):
    passed, failed, names = 0, 0, []
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        bad = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        name = case.get("classname", "") + "::" + case.get("name", "")
        if bad or skipped:
            # A skipped test proves nothing: it counts as a failure here.
            failed += 1
            names.append(("skipped " if skipped and not bad else "") + name)
        else:
            passed += 1
    return passed, failed, names


def run_suite(suite):
    for ext in (".tap", ".xml"):
        try:
            os.remove(os.path.join(RESULTS, suite + ext))
        except FileNotFoundError:
            pass
    rc = subprocess.call(["make", "--no-print-directory", "test-" + suite])
    tap = os.path.join(RESULTS, suite + ".tap")
    xml = os.path.join(RESULTS, suite + ".xml")
    passed, failed, names = 0, 0, []
    try:
        if os.path.exists(xml):
            passed, failed, names = count_junit(xml)
        elif os.path.exists(tap):
            passed, failed, names = count_tap(tap)
    except (OSError, ET.ParseError) as e:
        names.append(f"unreadable results: {e}")
        failed += 1
    if rc != 0 and failed == 0:
        failed += 1
        names.append(f"suite {suite} exited with status {rc}")
    if passed == 0 and failed == 0:
        failed += 1
        names.append(f"suite {suite} reported no tests")
    return passed, failed, names


def main(suites):
    os.makedirs(RESULTS, exist_ok=True)
    total_pass, total_fail, summary = 0, 0, []
    for suite in suites:
        print(f"=== suite {suite}", flush=True)
        p, f, names = run_suite(suite)
        total_pass += p
        total_fail += f
        summary.append((suite, p, f, names))
    print()
    for suite, p, f, names in summary:
        print(f"{suite:>16}: {p} passed, {f} failed")
        for n in names:
            print(f"{'':>18}{n}")
    print(f"{total_pass} passed, {total_fail} failed")
    return 1 if total_fail else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
