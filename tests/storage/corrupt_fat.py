#!/usr/bin/env python3
"""Damage a FAT32 image the same way every run, for the storage-corrupt suite.

The image comes from mkfs.fat and mcopy (tests/storage/storage.mk) holding
the files named below. Each damage is one a real disk or a hostile image may
show; fatfs must answer BAD_FORMAT for the damaged file and keep serving the
rest. Both FAT copies are changed alike, so fsck.fat reports the damage
itself, not FATs that differ.

usage: corrupt_fat.py --files DIR    write the files to put on the image
       corrupt_fat.py IMAGE          damage them there
       corrupt_fat.py IMAGE --spc0   make the boot sector say 0 sectors per cluster
"""
import os
import struct
import sys

# name -> bytes; loopdir/ holds 30 files with long names (several clusters).
FILES = {
    "loop.bin": 8192, "pastvol.bin": 4096, "tofree.bin": 4096, "reserved.bin": 4096,
    "firstpst.bin": 1024, "big.bin": 4096,
}

# File (8.3 name on disk) -> what is done to it.
DAMAGE = {
    "LOOP.BIN": "its second cluster links back to its first",
    "PASTVOL.BIN": "its second cluster links past the volume",
    "TOFREE.BIN": "its second cluster links to a free cluster",
    "RESERVED.BIN": "its second cluster links to reserved cluster 1",
    "FIRSTPST.BIN": "its first cluster lies past the volume",
    "BIG.BIN": "its size (1,600,000) exceeds its chain",
    "LOOPDIR": "the directory's first cluster links to itself",
    "A-long-file-name.txt": "its long name's checksum is wrong",
}


class Fat:
    def __init__(self, path):
        self.f = open(path, "r+b")
        b = self.read(0, 512)
        self.spc = b[13]
        self.reserved = struct.unpack_from("<H", b, 14)[0]
        self.nfats = b[16]
        total = struct.unpack_from("<H", b, 19)[0] or struct.unpack_from("<I", b, 32)[0]
        self.fatsz = struct.unpack_from("<I", b, 36)[0]
        self.root = struct.unpack_from("<I", b, 44)[0]
        self.data = self.reserved + self.nfats * self.fatsz
        self.clusters = (total - self.data) // self.spc
        self.cbytes = self.spc * 512

    def read(self, off, n):
        self.f.seek(off)
        return self.f.read(n)

    def write(self, off, data):
        self.f.seek(off)
        self.f.write(data)

    def get(self, c):
        return struct.unpack("<I", self.read(self.reserved * 512 + c * 4, 4))[0] & 0x0FFFFFFF

    def set(self, c, v):
        for k in range(self.nfats):
            self.write((self.reserved + k * self.fatsz) * 512 + c * 4, struct.pack("<I", v))

    def chain(self, c):
        out = []
        while 2 <= c < 0x0FFFFFF8 and len(out) < self.clusters:
            out.append(c)
            c = self.get(c)
        return out

    def cluster_off(self, c):
        return (self.data + (c - 2) * self.spc) * 512

    def entries(self, first):
        """(offset, raw 32 bytes) of every slot in a directory."""
        for c in self.chain(first):
            base = self.cluster_off(c)
            raw = self.read(base, self.cbytes)
            for i in range(0, self.cbytes, 32):
                if raw[i] == 0:
                    return
                yield base + i, raw[i:i + 32]

    def find(self, short):
        """The root directory's short entry called `short` ("LOOP.BIN")."""
        base, _, ext = short.partition(".")
        want = (base.ljust(8) + ext.ljust(3)).encode()
        for off, e in self.entries(self.root):
            if e[11] != 0x0F and e[:11] == want:
                return off, struct.unpack_from("<H", e, 20)[0] << 16 | struct.unpack_from("<H", e, 26)[0]
        raise SystemExit(f"corrupt_fat: {short} not on the image")


def damage(fat):
    free = fat.clusters + 1   # the last cluster: free on a nearly empty volume
    if fat.get(free) != 0:
        raise SystemExit("corrupt_fat: the last cluster is not free")
    links = {"LOOP.BIN": None, "PASTVOL.BIN": fat.clusters + 100, "TOFREE.BIN": free, "RESERVED.BIN": 1}
    for name, to in links.items():
        _, first = fat.find(name)
        chain = fat.chain(first)
        if len(chain) < 3:
            raise SystemExit(f"corrupt_fat: {name} needs three clusters")
        fat.set(chain[1], first if to is None else to)
    off, _ = fat.find("FIRSTPST.BIN")
    past = fat.clusters + 1000
    fat.write(off + 20, struct.pack("<H", past >> 16))
    fat.write(off + 26, struct.pack("<H", past & 0xFFFF))
    off, _ = fat.find("BIG.BIN")
    fat.write(off + 28, struct.pack("<I", 1600000))
    _, first = fat.find("LOOPDIR")
    if len(fat.chain(first)) < 2:
        raise SystemExit("corrupt_fat: LOOPDIR needs two clusters")
    fat.set(first, first)
    # The long-name slots just before A-LONG~1.TXT's short entry.
    lfn = [off for off, e in fat.entries(fat.root) if e[11] == 0x0F and
           "A-long-file".encode("utf-16-le") in e[1:11] + e[14:26] + e[28:32]]
    if not lfn:
        raise SystemExit("corrupt_fat: no long name A-long-file-name.txt")
    first_slot = lfn[0]
    for off, e in fat.entries(fat.root):
        if first_slot <= off and e[11] == 0x0F:
            fat.write(off + 13, bytes([e[13] ^ 0x5A]))
        elif first_slot <= off:
            break


def make_files(out):
    os.makedirs(os.path.join(out, "loopdir"), exist_ok=True)
    for name, size in FILES.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes((i * 7 + len(name)) & 0xFF for i in range(size)))
    with open(os.path.join(out, "good.txt"), "w") as f:
        f.write("an intact file on a damaged disk\n")
    with open(os.path.join(out, "A-long-file-name.txt"), "w") as f:
        f.write("reached by its short name\n")
    for i in range(30):
        with open(os.path.join(out, "loopdir", f"entry-number-{i:02d}.txt"), "w") as f:
            f.write(f"entry {i}\n")


def main():
    if sys.argv[1] == "--files":
        make_files(sys.argv[2])
        return
    fat = Fat(sys.argv[1])
    if "--spc0" in sys.argv[2:]:
        fat.write(13, b"\0")
    else:
        damage(fat)
    fat.f.close()


if __name__ == "__main__":
    main()
