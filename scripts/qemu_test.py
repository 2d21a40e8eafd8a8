#!/usr/bin/env python3
"""Boot a LightOS test ISO in QEMU and turn its serial report into TAP.

The guest prints "TEST ok <name>" / "TEST FAIL <name>" lines and ends with
"TESTS DONE passed=N failed=M", then leaves QEMU through isa-debug-exit.
A hang (timeout), a panic, a triple fault (QEMU exits without DONE under
-no-reboot) or a missing DONE line is reported as a failure, with the tail
of the serial log.

The guest prints "RUN <name>" before each test. A test that has not
printed its TEST line --test-timeout seconds after it started (a missed
wake-up, a deadlock) stops the run at once and is reported by name; the
whole-run --timeout stays as the backstop.

usage: qemu_test.py --iso ISO --log LOG --tap TAP [--timeout S]
                    [--test-timeout S] -- qemu-command...
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


def read_lines(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().replace("\r", "").splitlines()
    except FileNotFoundError:
        return []


def running_test(log):
    """The test the guest is in now (None outside a suite), and whether
    one has started at all."""
    current, last_done, begun = None, None, False
    for line in log:
        if line.startswith("TESTS BEGIN"):
            begun = True
        elif line.startswith("TESTS DONE"):
            return None
        elif line.startswith("RUN "):
            current = line[4:].strip()
        else:
            m = re.match(r"^TEST (ok|FAIL) (\S+)", line)
            if m:
                current, last_done = None, m.group(2)
    if not begun:
        return None
    if current:
        return current
    return "the test after " + (last_done or "TESTS BEGIN")


def run_qemu(cmd, args):
    """Run QEMU until it exits, the whole run times out, or one test stalls.
    Returns (exit status, timed out, name of the test that stalled)."""
    start = time.monotonic()
    progress_at, seen = start, 0
    with open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen(cmd, stdin=devnull)
        while True:
            try:
                return proc.wait(timeout=0.25), False, None
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            stalled = None
            if args.test_timeout:
                log = read_lines(args.log)
                marks = sum(1 for line in log
                            if line.startswith(("RUN ", "TEST ", "TESTS ")))
                if marks != seen:
                    seen, progress_at = marks, now
                elif now - progress_at > args.test_timeout:
                    stalled = running_test(log)
            if stalled or now - start > args.timeout:
                proc.kill()
                return proc.wait(), not stalled, stalled


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--tap", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--test-timeout", type=float, default=30,
                    help="most seconds one test may run (0: no limit)")
    ap.add_argument("--kernel", default="build/kernel.elf")
    ap.add_argument("--expect", action="append", default=[],
                    help="instead of TEST lines: each regex must appear in "
                         "the log and the guest must exit with failure (35)")
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    # A loaded development machine may stretch every limit at once.
    scale = float(os.environ.get("LIGHTOS_TIMEOUT_SCALE", "1"))
    args.timeout *= scale
    args.test_timeout *= scale
    qemu = [a for a in args.qemu if a != "--"]
    cmd = qemu + ["-display", "none", "-monitor", "none",
                  "-serial", "file:" + args.log, "-serial", "null", "-cdrom", args.iso]

    os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.tap)), exist_ok=True)
    start = time.monotonic()
    if args.expect:
        args.test_timeout = 0   # these runs end in a panic, not in tests
    rc, timed_out, stalled = run_qemu(cmd, args)
    elapsed = time.monotonic() - start
    log = read_lines(args.log)

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
    if stalled:
        problems.append(f"{stalled} did not finish within {args.test_timeout:.0f}s "
                        "(a missed wake-up or a deadlock?)")
    if timed_out:
        where = running_test(log)
        problems.append(f"timed out after {args.timeout:.0f}s"
                        + (f" in {where}" if where else ""))
    if panicked:
        where = running_test(log)
        problems.append("kernel panic" + (f" in {where}" if where else ""))
    if done is None and not timed_out and not stalled:
        problems.append(f"QEMU exited (status {rc}) before TESTS DONE "
                        "(triple fault or early exit)")
    if done is not None and done != (sum(ok for ok, _ in results),
                                     sum(not ok for ok, _ in results)):
        problems.append(f"DONE line {done} disagrees with the TEST lines")
    expected_rc = 33 if done and done[1] == 0 else 35
    if done is not None and not timed_out and not stalled and rc != expected_rc:
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
