#!/usr/bin/env python3
"""The storage cases of `make bench` against Linux in the same QEMU: Debian's
kernel boots tests/bench/linux/storage.c as /init, with the virtio and vfat
modules beside it, on a fresh FAT32 image of the same size, made the same
way, on the same virtio-blk-pci device. Both in -icount shift=0
(instructions) and plain TCG (median of --boots boots). Prints LightOS,
Linux and LightOS/Linux for each case (lower is better).

usage: storage_compare.py [--kernel VMLINUZ] --peer PEER --lightos build/bench/lightos.json
                          --out DIR [--boots 3] -- qemu...
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import boot  # noqa: E402
from bench_compare import find_kernel, newc_cpio  # noqa: E402

MODULES = ["virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci",
           "virtio_blk", "fat", "vfat", "nls_cp437", "nls_ascii"]
CASES = ["storage_write_16mib_synced", "storage_read_16mib", "storage_create_1000_synced"]
DISK_KIB = 65536


def module_path(kernel, name):
    release = os.path.basename(kernel).replace("vmlinuz-", "")
    base = f"/lib/modules/{release}/kernel"
    for root, _, files in os.walk(base):
        if name + ".ko" in files:
            return os.path.join(root, name + ".ko")
    raise SystemExit(f"storage_compare: no module {name} under {base}")


def fresh_disk(path):
    if os.path.exists(path):
        os.remove(path)
    env = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    subprocess.run(["mkfs.fat", "-F", "32", "-C", path, str(DISK_KIB)], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", default="", help="default: the newest /boot/vmlinuz-*")
    ap.add_argument("--peer", required=True)
    ap.add_argument("--lightos", required=True)
    ap.add_argument("--out", default="build/bench")
    ap.add_argument("--boots", type=int, default=3)
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    qemu = [a for a in args.qemu if a != "--"]
    args.kernel = find_kernel(args.kernel)
    if not args.kernel or not os.path.exists(args.kernel):
        print("storage_compare: FAILED: no Linux kernel; scripts/deps.sh linux-image-amd64 installs one",
              file=sys.stderr)
        return 1
    files = {"init": (0o100755, open(args.peer, "rb").read()), "m": (0o040755, b"")}
    for m in MODULES:
        files[f"m/{m}.ko"] = (0o100644, open(module_path(args.kernel, m), "rb").read())
    cpio = os.path.join(args.out, "storage-peer.cpio")
    with open(cpio, "wb") as f:
        f.write(newc_cpio(files))
    disk = os.path.join(args.out, "linux-disk.img")
    linux = ["-kernel", args.kernel, "-initrd", cpio, "-append", "console=ttyS0 quiet panic=-1",
             "-drive", f"file={disk},if=none,id=d0,format=raw", "-device", "virtio-blk-pci,drive=d0"]

    def one(extra):
        fresh_disk(disk)
        return boot(qemu, None, linux + extra, timeout=900)

    icount = one(["-icount", "shift=0"])
    tcg = [one([]) for _ in range(args.boots)]
    with open(args.lightos) as f:
        ours = json.load(f)
    missing = [c for c in CASES if c not in ours or c not in icount]
    if missing:
        print(f"storage_compare: no figures for {', '.join(missing)}", file=sys.stderr)
        return 1
    print(f"{'case':<30} {'LightOS':>13} {'Linux':>13} {'ratio':>6}   {'LightOS':>13} {'Linux':>13} {'ratio':>6}")
    print(f"{'':<30} {'instructions (icount)':>34}   {'TCG cycles, median of boots':>34}")
    table = {}
    for name in CASES:
        li, lt = ours[name]["icount_median"], ours[name]["tcg_median"]
        xi = icount[name][0]
        xt = [r[name][0] for r in tcg if name in r]
        xt = statistics.median(xt) if xt else None
        ri = li / xi
        rt = lt / xt if lt and xt else None
        print(f"{name:<30} {li:>13} {xi:>13} {ri:>6.2f}   {lt or '-':>13} {xt or '-':>13} "
              f"{f'{rt:.2f}' if rt else '-':>6}")
        table[name] = {"lightos_icount": li, "linux_icount": xi, "ratio_icount": ri,
                       "lightos_tcg": lt, "linux_tcg": xt, "ratio_tcg": rt}
    with open(os.path.join(args.out, "storage-compare.json"), "w") as f:
        json.dump(table, f, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
