#!/usr/bin/env python3
"""Boot a LightOS test ISO in QEMU and turn its serial report into TAP.

The guest prints "TEST ok <name>" / "TEST FAIL <name>" lines and ends with
"TESTS DONE passed=N failed=M", then leaves QEMU through isa-debug-exit.
A hang (timeout), a panic, a triple fault (QEMU exits without DONE under
-no-reboot) or a missing DONE line is reported as a failure, with the tail
of the serial log.

usage: qemu_test.py --iso ISO --log LOG --tap TAP [--timeout S]
                    [--input FILE] -- qemu-command...
"""
import argparse
import os
import re
import subprocess
import sys
import time


def symbolize(lines, kernel):
    """Append function names to backtrace addresses, when addr2line is here."""
    addrs = []
    for line in lines:
        m = re.match(r"\s+#\d+ (0x[0-9a-f]+)", line)
        if m:
            addrs.append(m.group(1))
    if not addrs or not os.path.exists(kernel):
        return []
    try:
        out = subprocess.run(["addr2line", "-f", "-p", "-e", kernel] + addrs,
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return ["  " + a + ": " + l for a, l in zip(addrs, out.splitlines())]


def expect_mode(args, log, rc, timed_out, elapsed):
    """A run that must end in a kernel panic whose report matches patterns."""
    text = "\n".join(log)
    checks = [(bool(re.search(p, text, re.M)), "log shows /" + p + "/")
              for p in args.expect]
    checks.append((not timed_out and rc == 35,
                   f"guest stopped with failure status 35 (got {rc}"
                   f"{', timed out' if timed_out else ''})"))
    with open(args.tap, "w") as tap:
        for n, (ok, name) in enumerate(checks, 1):
            tap.write(f"{'ok' if ok else 'not ok'} {n} - {name}\n")
        tap.write(f"1..{len(checks)}\n")
    failed = sum(not ok for ok, _ in checks)
    print(f"guest: {len(checks)} checks in {elapsed:.1f}s, {failed} failed")
    if failed:
        for line in log[-40:]:
            print("  " + line)
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--tap", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--kernel", default="build/kernel.elf")
    ap.add_argument("--expect", action="append", default=[],
                    help="instead of TEST lines: each regex must appear in "
                         "the log and the guest must exit with failure (35)")
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    qemu = [a for a in args.qemu if a != "--"]
    cmd = qemu + ["-display", "none", "-monitor", "none",
                  "-serial", "file:" + args.log, "-cdrom", args.iso]

    os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.tap)), exist_ok=True)
    start = time.monotonic()
    timed_out = False
    with open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen(cmd, stdin=devnull)
        try:
            rc = proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
            timed_out = True
    elapsed = time.monotonic() - start

    try:
        with open(args.log, errors="replace") as f:
            log = f.read().replace("\r", "").splitlines()
    except FileNotFoundError:
        log = []

    if args.expect:
        return expect_mode(args, log, rc, timed_out, elapsed)

    results = []   # (ok, name)
    done = None
    panicked = any("PANIC" in line for line in log)
    for line in log:
        m = re.match(r"^TEST (ok|FAIL) (\S+)", line)
        if m:
            results.append((m.group(1) == "ok", m.group(2)))
        m = re.match(r"^TESTS DONE passed=(\d+) failed=(\d+)", line)
        if m:
            done = (int(m.group(1)), int(m.group(2)))

    problems = []
    if timed_out:
        problems.append(f"timed out after {args.timeout:.0f}s")
    if panicked:
        problems.append("kernel panic")
    if done is None and not timed_out:
        problems.append(f"QEMU exited (status {rc}) before TESTS DONE "
                        "(triple fault or early exit)")
    if done is not None and done != (sum(ok for ok, _ in results),
                                     sum(not ok for ok, _ in results)):
        problems.append(f"DONE line {done} disagrees with the TEST lines")
    expected_rc = 33 if done and done[1] == 0 else 35
    if done is not None and not timed_out and rc != expected_rc:
        problems.append(f"QEMU exit status {rc}, expected {expected_rc}")

    with open(args.tap, "w") as tap:
        n = 0
        for ok, name in results:
            n += 1
            tap.write(f"{'ok' if ok else 'not ok'} {n} - {name}\n")
        for p in problems:
            n += 1
            tap.write(f"not ok {n} - guest run: {p}\n")
        tap.write(f"1..{n}\n")

    failed = sum(not ok for ok, _ in results) + len(problems)
    print(f"guest: {len(results)} results in {elapsed:.1f}s, "
          f"{failed} failed{': ' + '; '.join(problems) if problems else ''}")
    if failed:
        print("---- serial log (last 40 lines) ----")
        for line in log[-40:]:
            print("  " + line)
        for line in symbolize(log[-40:], args.kernel):
            print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
