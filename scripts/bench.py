#!/usr/bin/env python3
"""Run the in-guest benchmarks and print one table.

Two TCG modes: -icount shift=0 (the guest TSC advances one tick per guest
instruction: deterministic instructions per operation) and plain TCG (TSC
ticks are emulation time: noisy; the median of --boots boots is shown).
With --smp N > 1 only plain TCG runs: under -icount QEMU runs the vCPUs
one at a time, and a CPU that spins burns its whole budget first, so a
multi-CPU boot never finishes there.

--shell-iso adds boot_to_shell_ms: host wall time, in plain TCG, from the
kernel's first serial byte (GRUB writes none) to the shell's first prompt.

Fails (exit 1, with the reason) when any boot gives no figure.

usage: bench.py --iso ISO [--boots 3] [--smp 1] [--shell-iso ISO] [--out DIR] -- qemu...
"""
import argparse
import json
import os
import re
import select
import statistics
import subprocess
import sys
import time


def boot(qemu, iso, extra, timeout=300):
    """One boot's BENCH lines: {case: (median, min, iters)}. A boot that
    does not finish in time gives what it printed so far."""
    cmd = qemu + extra + ["-display", "none", "-monitor", "none", "-serial", "stdio"]
    if iso:
        cmd += ["-cdrom", iso]
    try:
        out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout).stdout
    except subprocess.TimeoutExpired as e:
        print(f"bench: a boot ({' '.join(extra) or 'TCG'}) did not finish in {timeout} s", file=sys.stderr)
        out = e.stdout or b""
    results = {}
    for line in out.decode(errors="replace").splitlines():
        m = re.search(r"BENCH name=(\S+) median_cycles=(\d+) min_cycles=(\d+) iters=(\d+)", line)
        if m:
            results[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4)))
    return results


def boot_to_shell_ms(qemu, iso, timeout=120):
    """Milliseconds from the kernel's first serial byte to "lightos> ", or
    None if the prompt never came."""
    cmd = qemu + ["-display", "none", "-monitor", "none", "-serial", "stdio", "-cdrom", iso]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    first, seen, end = None, b"", time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([p.stdout], [], [], 1.0)
            if not ready:
                continue
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                return None
            if first is None:
                first = time.monotonic()
            seen = (seen + chunk)[-64:]
            if b"lightos> " in seen:
                return round((time.monotonic() - first) * 1000)
        return None
    finally:
        p.kill()
        p.wait()


def fail(msg):
    print(f"bench: FAILED: {msg}", file=sys.stderr)
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso", required=True)
    ap.add_argument("--boots", type=int, default=3)
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--shell-iso")
    ap.add_argument("--out", default="build/bench")
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    qemu = [a for a in args.qemu if a != "--"]
    smp = ["-smp", str(args.smp)] if args.smp > 1 else []
    icount = boot(qemu, args.iso, smp + ["-icount", "shift=0"]) if not smp else {}
    tcg_runs = [boot(qemu, args.iso, smp) for _ in range(args.boots)]
    if not smp and not icount:
        return fail("the -icount boot printed no BENCH line")
    for i, run in enumerate(tcg_runs):
        if not run:
            return fail(f"plain TCG boot {i + 1} of {args.boots} printed no BENCH line")
    names = list(icount) or list(tcg_runs[0])
    for name in names:
        missing = [i + 1 for i, r in enumerate(tcg_runs) if name not in r]
        if missing:
            return fail(f"case {name}: no figure from TCG boot(s) {missing}")
    for name, (med, mn, iters) in icount.items():
        print(f"BENCH name={name} median_cycles={med} min_cycles={mn} iters={iters} mode=icount")
    print()
    mode = f"{args.smp} CPUs, plain TCG only" if smp else "1 CPU"
    print(f"{'case':<36} {'icount median':>14} {'icount min':>11} {'TCG median':>12}   "
          f"(TCG: median of {args.boots} boots; {mode})")
    table = {}
    for name in names:
        med, mn, iters = icount.get(name, (None, None, tcg_runs[0][name][2]))
        tcg = [r[name][0] for r in tcg_runs]
        tcg_med = statistics.median(tcg)
        table[name] = {"icount_median": med, "icount_min": mn, "iters": iters,
                       "tcg_medians": tcg, "tcg_median": tcg_med}
        print(f"{name:<36} {med if med is not None else '-':>14} {mn if mn is not None else '-':>11} "
              f"{tcg_med:>12}")
    if args.shell_iso:
        times = [boot_to_shell_ms(qemu + smp, args.shell_iso) for _ in range(args.boots)]
        if None in times:
            return fail("a boot of the shell ISO never printed the prompt")
        ms = statistics.median(times)
        table["boot_to_shell_ms"] = {"icount_median": None, "icount_min": None, "iters": 1,
                                     "tcg_medians": times, "tcg_median": ms}
        print(f"{'boot_to_shell_ms (host wall time)':<36} {'-':>14} {'-':>11} {ms:>12}   {times}")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "lightos.json"), "w") as f:
        json.dump(table, f, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
