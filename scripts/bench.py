#!/usr/bin/env python3
"""Run the in-guest benchmarks and print one table.

Two TCG modes: -icount shift=0 (the guest TSC advances one tick per guest
instruction: deterministic instructions per operation) and plain TCG (TSC
ticks are emulation time: noisy; the median of --boots boots is shown).

usage: bench.py --iso ISO [--boots 3] [--out DIR] -- qemu...
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys


def boot(qemu, iso, extra, timeout=300):
    """One boot's BENCH lines; a boot that does not finish in time gives
    what it printed so far."""
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso", required=True)
    ap.add_argument("--boots", type=int, default=3)
    ap.add_argument("--out", default="build/bench")
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    qemu = [a for a in args.qemu if a != "--"]
    icount = boot(qemu, args.iso, ["-icount", "shift=0"])
    tcg_runs = [boot(qemu, args.iso, []) for _ in range(args.boots)]
    if not icount:
        print("bench: no BENCH lines from the guest", file=sys.stderr)
        return 1
    for name, (med, mn, iters) in icount.items():
        print(f"BENCH name={name} median_cycles={med} min_cycles={mn} iters={iters} mode=icount")
    print()
    print(f"{'case':<36} {'icount median':>14} {'icount min':>11} {'TCG median':>12}   (TCG: median of {args.boots} boots)")
    table = {}
    for name, (med, mn, iters) in icount.items():
        tcg = [r[name][0] for r in tcg_runs if name in r]
        tcg_med = statistics.median(tcg) if tcg else None
        table[name] = {"icount_median": med, "icount_min": mn, "iters": iters,
                       "tcg_medians": tcg, "tcg_median": tcg_med}
        print(f"{name:<36} {med:>14} {mn:>11} {tcg_med if tcg_med is not None else '-':>12}")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "lightos.json"), "w") as f:
        json.dump(table, f, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
