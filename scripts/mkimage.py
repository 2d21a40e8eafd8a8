#!/usr/bin/env python3
"""Build the boot image: a tar archive of NAME=PATH pairs.

Deterministic: entries sorted, fixed owner, mode and time, so the same
inputs give the same bytes.

Each file's data starts on a 4 KiB boundary, so a program's text and
rodata can be mapped straight from the image (libos/spawn.c). The gap
before a file's header is filled by a pax extended header holding only a
"comment" record, which every tar reader skips.

usage: mkimage.py OUT.tar archive/name=host/path ...
"""
import io
import sys
import tarfile

PAGE = 4096
BLOCK = 512


def pad_record(length):
    """A pax record of exactly `length` bytes: "LEN comment=...\\n"."""
    body = length - len(" comment=\n")
    for digits in range(1, 8):
        fill = body - digits
        if fill >= 0 and len(str(length)) == digits:
            return b"%d comment=%s\n" % (length, b"x" * fill)
    raise ValueError("no pax record of %d bytes" % length)


def pad_to_page(tar):
    """Add a pax header so the next header ends on a page boundary."""
    gap = (PAGE - BLOCK - tar.offset) % PAGE
    if gap == 0:
        return
    if gap < 2 * BLOCK:   # the pax header needs a block of its own and one of data
        gap += PAGE
    records = pad_record(gap - BLOCK)
    info = tarfile.TarInfo("././@PaxHeader")
    info.type = tarfile.XHDTYPE
    info.size = len(records)
    info.mtime = 0
    tar.fileobj.write(info.tobuf(tarfile.USTAR_FORMAT))
    tar.fileobj.write(records)
    tar.offset += BLOCK + len(records)
    assert tar.offset % PAGE == PAGE - BLOCK


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
            pad_to_page(tar)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755 if name.startswith("bin/") else 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
            assert (tar.offset - BLOCK * ((len(data) + BLOCK - 1) // BLOCK)) % PAGE == 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2:])
