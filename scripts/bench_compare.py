#!/usr/bin/env python3
"""LightOS against Linux in the same QEMU: the Linux peer
(tests/bench/linux/peer.c, static, as /init of an initramfs) on Debian's
own kernel, both in -icount shift=0 (instructions per operation) and plain
TCG (median of --boots boots). Prints both columns and LightOS/Linux.

Fails (exit 1, with the reason) when there is no Linux kernel, when a boot
of either side gives no figure, or when a case the peer measures is missing
from one of its boots.

usage: bench_compare.py [--kernel VMLINUZ] --peer PEER --lightos build/bench/lightos.json
                        --out DIR [--boots 3] -- qemu...
"""
import argparse
import glob
import io
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import boot  # noqa: E402


# LightOS cases that do, another way, what one Linux case does: they are
# compared with that case (a call instead of write + wait + read; a name
# opened in one request or in two steps, in-process or through servers; an
# event waited on and cleared in two calls where eventfd's read is one).
LINUX_CASE_OF = {
    "channel_call_round_trip": "channel_round_trip",
    "channel_call_reply_wait_round_trip": "channel_round_trip",
    "registry_open_server": "registry_open_local",
    "registry_open_name_local": "registry_open_local",
    "registry_open_name_server": "registry_open_local",
    "event_wake_other_process_wait_clear": "event_wake_other_process",
}


def find_kernel(given):
    """The kernel to boot: the one given, or the newest /boot/vmlinuz-*,
    looked for when the script runs (after deps.sh installed it)."""
    return given or (sorted(glob.glob("/boot/vmlinuz-*")) or [""])[-1]


def newc_cpio(files):
    """An initramfs: {path: (mode, bytes)} in the newc format."""
    out = io.BytesIO()
    ino = 1
    for name, (mode, data) in list(files.items()) + [("TRAILER!!!", (0, b""))]:
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08x}" for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out.write(hdr.encode() + nb)
        out.write(b"\0" * ((4 - (110 + len(nb)) % 4) % 4))
        out.write(data)
        out.write(b"\0" * ((4 - len(data) % 4) % 4))
        ino += 1
    return out.getvalue()


def fail(msg):
    print(f"bench-compare: FAILED: {msg}", file=sys.stderr)
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", default="", help="default: the newest /boot/vmlinuz-*")
    ap.add_argument("--peer", required=True)
    ap.add_argument("--lightos", required=True)
    ap.add_argument("--out", default="build/bench")
    ap.add_argument("--boots", type=int, default=3)
    ap.add_argument("--storage", default="", help="storage_compare.py's figures, shown in the same table")
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    qemu = [a for a in args.qemu if a != "--"]
    kernel = find_kernel(args.kernel)
    if not kernel or not os.path.exists(kernel):
        return fail(f"no Linux kernel ({kernel or 'no /boot/vmlinuz-*'}); "
                    "scripts/deps.sh linux-image-amd64 installs one")
    if not os.path.exists(args.lightos):
        return fail(f"no LightOS figures ({args.lightos}): run make bench first")
    with open(args.peer, "rb") as f:
        initrd = newc_cpio({"init": (0o100755, f.read())})
    cpio = os.path.join(args.out, "peer.cpio")
    with open(cpio, "wb") as f:
        f.write(initrd)
    linux = ["-kernel", kernel, "-initrd", cpio, "-append", "console=ttyS0 quiet panic=-1"]
    icount = boot(qemu, None, linux + ["-icount", "shift=0"])
    tcg = [boot(qemu, None, linux) for _ in range(args.boots)]
    with open(args.lightos) as f:
        ours = json.load(f)
    if not ours:
        return fail(f"{args.lightos} holds no LightOS figure")
    if not icount:
        return fail(f"the Linux -icount boot ({kernel}) printed no BENCH line")
    for i, run in enumerate(tcg):
        if not run:
            return fail(f"Linux plain TCG boot {i + 1} of {args.boots} printed no BENCH line")
    for name in icount:
        missing = [i + 1 for i, r in enumerate(tcg) if name not in r]
        if missing:
            return fail(f"case {name}: no Linux figure from TCG boot(s) {missing}")
    if args.storage:
        # The storage cases ran on Linux in boots of their own (a disk, the
        # vfat modules): their figures join the table as one more boot's.
        with open(args.storage) as f:
            storage = json.load(f)
        for name, row in storage.items():
            icount[name] = (row["linux_icount"],)
            for run in tcg:
                run[name] = (row["linux_tcg"],)
    strays = [n for n in icount if n not in ours]
    if strays:
        return fail(f"Linux cases with no LightOS counterpart: {strays}")
    print(f"{'case':<34} {'LightOS':>10} {'Linux':>10} {'ratio':>6}   {'LightOS':>10} {'Linux':>10} {'ratio':>6}")
    print(f"{'':<34} {'instructions (icount)':>28}   {'TCG cycles, median of boots':>28}")
    table = {}
    for name, mine in ours.items():
        theirs = LINUX_CASE_OF.get(name, name)
        lin_i = icount.get(theirs, (None,))[0]
        lin_t = [r[theirs][0] for r in tcg if theirs in r]
        lin_t = statistics.median(lin_t) if lin_t else None
        li, lt = mine["icount_median"], mine["tcg_median"]
        ri = f"{li / lin_i:.2f}" if li and lin_i else "-"
        rt = f"{lt / lin_t:.2f}" if lt and lin_t else "-"
        print(f"{name:<34} {li or '-':>10} {lin_i or '-':>10} {ri:>6}   {lt or '-':>10} {lin_t or '-':>10} {rt:>6}")
        table[name] = {"lightos_icount": li, "linux_icount": lin_i, "lightos_tcg": lt, "linux_tcg": lin_t,
                       "linux_case": theirs if lin_i else None}
    with open(os.path.join(args.out, "compare.json"), "w") as f:
        json.dump(table, f, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
