#!/usr/bin/env python3
"""idlc: the LightOS IDL compiler.

  idlc.py --idl idl --cap cap --out build/gen [--lock idl/abi.lock]
          [--update-lock] [--break-abi] [--check-impl kern/obj]

Reads every idl/*.idl, checks it, and writes the generated tree under
--out: headers, kernel dispatch, user bindings, protocols, docs,
rights.json and the negative tests. On any error it prints
`file:line:col: error: ...` with the line and a caret, writes nothing and
exits 1. Output is byte-identical for the same input.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from idl.abi_lock import check_lock, render_lock  # noqa: E402
from idl.checker import load  # noqa: E402
from idl.cnames import kernel_prototype  # noqa: E402
from idl.emit import generate  # noqa: E402
from idl.errors import IdlError  # noqa: E402


def check_impl(model, obj_dir):
    """Every <call>() must be defined in kern/obj/<owner>.c, or static
    inline in kern/obj/held_calls.h for a call whose handle is `held`."""
    missing = []
    for c in model.syscalls:
        held = any(p.held for p in c.params)
        path = os.path.join(obj_dir, "held_calls.h" if held else c.owner + ".c")
        text = ""
        if os.path.exists(path):
            with open(path) as f:
                text = f.read()
        start = r"^static inline status_t\s+" if held else r"^status_t\s+"
        if not re.search(start + re.escape(c.impl) + r"\s*\(", text, re.M):
            missing.append(f"{path}: missing {kernel_prototype(c, model)}")
    return missing


def write_tree(out_dir, files):
    for rel in sorted(files):
        path = os.path.join(out_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        old = None
        if os.path.exists(path):
            with open(path) as f:
                old = f.read()
        if old != files[rel]:          # unchanged files keep their timestamps
            with open(path, "w") as f:
                f.write(files[rel])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--idl", default="idl")
    ap.add_argument("--cap", default="cap")
    ap.add_argument("--out", default="build/gen")
    ap.add_argument("--lock", help="the ABI lock file (idl/abi.lock)")
    ap.add_argument("--update-lock", action="store_true",
                    help="rewrite the lock (new calls and types are recorded anyway)")
    ap.add_argument("--break-abi", action="store_true", help="allow renumbering or retyping")
    ap.add_argument("--check-impl", metavar="DIR", help="require every <call>() in DIR/<owner>.c, checked by a C compile")
    args = ap.parse_args(argv)
    try:
        model = load(args.idl, args.cap)
        if args.lock:
            problems, notes = check_lock(model, args.lock)
            if problems and not args.break_abi:
                for p in problems:
                    print(f"{args.lock}: error: {p}", file=sys.stderr)
                print("idlc: the ABI would break; rerun with --break-abi (make abi-lock "
                      "IDLC_FLAGS=--break-abi) if that is intended", file=sys.stderr)
                return 1
            # Additions are recorded by every build; a break only when asked.
            if args.update_lock or notes or (problems and args.break_abi):
                with open(args.lock, "w") as f:
                    f.write(render_lock(model))
            for n in notes:
                print(f"{args.lock}: note: {n}: recorded", file=sys.stderr)
        if args.check_impl:
            missing = check_impl(model, args.check_impl)
            if missing:
                for m in missing:
                    print(f"error: {m}", file=sys.stderr)
                print(f"idlc: {len(missing)} system call(s) declared in IDL have no kernel "
                      "implementation; write the functions above", file=sys.stderr)
                return 1
        files = generate(model)
    except IdlError as e:
        print(e.render(), file=sys.stderr)
        return 1
    write_tree(args.out, files)
    return 0


if __name__ == "__main__":
    sys.exit(main())
