#!/usr/bin/env python3
"""make bench's cases across CPUs (tests/bench/bench_smp.c): plain TCG
boots on several virtual CPUs (-icount runs the vCPUs one at a time, so
it cannot show them), the median of --boots boots per case, in TSC cycles.

usage: bench_smp.py --iso ISO [--boots 3] [--out DIR] -- qemu...
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import boot  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso", required=True)
    ap.add_argument("--boots", type=int, default=3)
    ap.add_argument("--out", default="build/bench")
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    qemu = [a for a in args.qemu if a != "--"]
    runs = [boot(qemu, args.iso, []) for _ in range(args.boots)]
    names = [n for r in runs for n in r]
    if not names:
        print("bench-smp: no BENCH lines from the guest", file=sys.stderr)
        return 1
    print(f"{'case (several CPUs, plain TCG)':<36} {'median':>12} {'min':>10}   (median of {args.boots} boots, TSC cycles)")
    table = {}
    for name in dict.fromkeys(names):
        meds = [r[name][0] for r in runs if name in r]
        mins = [r[name][1] for r in runs if name in r]
        table[name] = {"tcg_medians": meds, "tcg_median": statistics.median(meds), "tcg_min": min(mins)}
        print(f"{name:<36} {statistics.median(meds):>12.0f} {min(mins):>10}")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "lightos-smp.json"), "w") as f:
        json.dump(table, f, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
