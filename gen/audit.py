#!/usr/bin/env python3
"""The rights auditor: the policy (init/system.policy) joined with what the
IDL says every call needs (build/gen/rights.json).

  audit.py POLICY [--rights rights.json] [--cap cap] [--programs "a b"] [--json]

Prints, per program: the calls it can make on each thing it is granted
(the capability matrix); who can pass authority on (TRANSFER, DUPLICATE);
granted rights that no call it can make ever needs (excess); and
violations: grants above a declared maximum, programs the system does not
have. Exit status 1 if there is any violation (or the policy does not
parse), else 0.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from idl.errors import IdlError  # noqa: E402
from policy import load, mask  # noqa: E402

DELEGATING = ("TRANSFER", "DUPLICATE")


def calls_for(data, type_name, granted):
    """Calls a handle of type_name with `granted` rights can make, and every
    right any of the type's calls needs."""
    usable, needed = set(), set()
    for c in data["syscalls"]:
        for p in c["params"]:
            if p["direction"] != "in" or p["kind"] not in ("handle", "handles", "moved_handles"):
                continue
            if p["type"] not in (type_name, "any") and type_name != "any":
                continue
            needed.update(p["requires"])
            if set(p["requires"]) <= set(granted):
                usable.add(c["name"])
    return sorted(usable), needed


def methods_for(data, protocol, granted):
    """Protocol methods a connection with `granted` rights can call, and
    every right any of them needs (WRITABLE is used by open)."""
    usable, needed = [], {"WRITABLE"}
    for p in data.get("protocols", []):
        if p["name"] != protocol:
            continue
        for m in p["methods"]:
            needed.update(m["requires"])
            if set(m["requires"]) <= set(granted):
                usable.append(f"{protocol}.{m['name']}")
    return sorted(usable), needed


def grant_label(g):
    parts = [g.kind] + [hex(a) if g.kind == "ioports" and i == 0 else str(a) for i, a in enumerate(g.args)]
    if g.name:
        parts.append(g.name)
    if getattr(g, "path", ""):
        parts.append(g.path)
    return " ".join(parts)


def audit(programs, rights_by_name, data, known_programs):
    report = {"programs": {}, "delegation": [], "excess": [], "violations": []}
    for prog in programs.values():
        entry = report["programs"][prog.name] = []
        for g in prog.grants:
            if g.kind == "registry":
                usable, needed = methods_for(data, "registry", g.rights)
            else:
                usable, needed = calls_for(data, g.type, g.rights)
            entry.append({"grant": grant_label(g), "type": g.type, "rights": g.rights, "calls": usable})
            held = [r for r in DELEGATING if r in g.rights]
            if held:
                report["delegation"].append({"program": prog.name, "grant": grant_label(g), "rights": held})
            unused = [r for r in g.rights if r not in needed]
            if unused:
                report["excess"].append({"program": prog.name, "grant": grant_label(g), "rights": unused})
            if g.type in prog.max:
                over = [r for r in g.rights if r not in prog.max[g.type][0]]
                if over:
                    report["violations"].append({
                        "program": prog.name, "kind": "above maximum", "grant": grant_label(g),
                        "detail": f"{' | '.join(over)} not within max {g.type}: "
                                  f"{' | '.join(prog.max[g.type][0])}"})
        if known_programs is not None and prog.name != "default" and prog.name not in known_programs:
            report["violations"].append({"program": prog.name, "kind": "unknown program", "grant": "",
                                         "detail": "no such program in the boot image"})
    return report


def print_table(report):
    print("Capability matrix: what each program can do with what it is granted")
    for name, grants in report["programs"].items():
        print(f"\n  {name}")
        if not grants:
            print("    (nothing)")
        for g in grants:
            print(f"    {g['grant']:<24} {g['type']:<9} {' | '.join(g['rights'])}")
            print(f"    {'':<24} calls: {', '.join(g['calls']) or '(none)'}")
    print("\nCreation authority: what each program may create (CREATE_* on its job)")
    for name, grants in report["programs"].items():
        made = sorted({r[len("CREATE_"):].lower() for g in grants if g["type"] == "job"
                       for r in g["rights"] if r.startswith("CREATE_")})
        print(f"  {name:<10} {', '.join(made) or '(nothing)'}")
    print("\nDelegation: who can pass authority on")
    for d in report["delegation"] or [{"program": "(nobody)", "grant": "", "rights": []}]:
        print(f"  {d['program']:<10} {d['grant']:<24} {' | '.join(d['rights'])}")
    print("\nExcess: granted rights no call of the type needs")
    for e in report["excess"] or [{"program": "(none)", "grant": "", "rights": []}]:
        print(f"  {e['program']:<10} {e['grant']:<24} {' | '.join(e['rights'])}")
    print("\nViolations")
    for v in report["violations"] or [{"program": "(none)", "kind": "", "detail": ""}]:
        print(f"  {v['program']:<10} {v['kind']:<16} {v.get('grant', ''):<24} {v['detail']}")
    print(f"\n{len(report['violations'])} violation(s)")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Audit a LightOS rights policy.")
    ap.add_argument("policy")
    ap.add_argument("--rights", default="build/gen/rights.json")
    ap.add_argument("--cap", default="cap")
    ap.add_argument("--programs", help="space-separated programs the system has")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        programs, rights_by_name, data = load(args.policy, args.cap, args.rights)
    except IdlError as e:
        print(e.render(), file=sys.stderr)
        return 1
    known = set(args.programs.split()) if args.programs else None
    report = audit(programs, rights_by_name, data, known)
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print_table(report)
    return 1 if report["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
