#!/usr/bin/env python3
"""Build the boot image: a ustar archive of NAME=PATH pairs.

Deterministic: entries sorted, fixed owner, mode and time, so the same
inputs give the same bytes.

usage: mkimage.py OUT.tar archive/name=host/path ...
"""
import io
import sys
import tarfile


def main(out, pairs):
    entries = sorted(p.split("=", 1) for p in pairs)
    with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as tar:
        dirs = sorted({"/".join(name.split("/")[:i])
                       for name, _ in entries for i in range(1, name.count("/") + 1)})
        for d in dirs:
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            info.mtime = 0
            tar.addfile(info)
        for name, path in entries:
            with open(path, "rb") as f:
                data = f.read()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755 if name.startswith("bin/") else 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2:])
