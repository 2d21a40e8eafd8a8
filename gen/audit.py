#!/usr/bin/env python3
"""The rights auditor: the policy (init/system.policy) joined with what the
IDL says every call needs (build/gen/rights.json) and with the binaries in
the boot image.

  audit.py POLICY [--rights rights.json] [--cap cap] [--image image.tar]
                  [--programs "a b"] [--json]

For every program it prints what it can do, from each of these sides:

  identity      the binary it is (bin/NAME in the image) and its SHA-256
  kernel        the calls it can make on each handle it is granted
  protocol      the registry operations it may perform, per subtree
  creation      what it may create (CREATE_* on its job), where, how much
  exceptions    whose faults it may handle (EXCEPTIONS)
  delegation    who can pass authority on, and the paths, followed
                transitively over named channels and registries, by which
                TRANSFER can reach each program
  excess        granted rights no call it can make needs
  revocable     grants handed out through a revoker

and violations: a grant above a declared maximum (a type, a job's
creation rights, a registry's connection rights), a program with no
binary, a binary that does not match the digest its policy pins, TRANSFER
granted to or reaching an untrusted program. Exit status 1 on any
violation (or a policy that does not parse), else 0.
"""
import hashlib
import json
import os
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from policy import command_line, load_from  # noqa: E402

DELEGATING = ("TRANSFER", "DUPLICATE")
# Registry connection rights that change what others see (idl/registry.idl).
REGISTRY_WRITES = ("MODIFY", "WRITABLE")


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


def read_image(path):
    """bin/NAME -> SHA-256 (hex) of every program in the boot image."""
    found = {}
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            name = m.name.lstrip("./")
            if m.isfile() and name.startswith("bin/") and "/" not in name[4:]:
                found[name[4:]] = hashlib.sha256(tar.extractfile(m).read()).hexdigest()
    return found


def identity_of(prog, image):
    if prog.name == "init":
        return {"binary": "(boot module)", "sha256": "", "attested_by": "kernel"}
    if prog.name == "default":
        return {"binary": "(any other)", "sha256": "", "attested_by": "its spawner"}
    if image is None:
        return {"binary": f"bin/{prog.name}", "sha256": "", "attested_by": "its spawner"}
    return {"binary": f"bin/{prog.name}" if prog.name in image else "(none)",
            "sha256": image.get(prog.name, ""), "attested_by": "its spawner"}


def may_spawn(prog):
    """A program that starts others: it may create processes and read the
    image. It holds the other end of each child's `parent` channel."""
    return any(g.kind == "job" and "CREATE_PROCESS" in g.rights for g in prog.grants) and \
        any(g.kind == "image" and "READ" in g.rights for g in prog.grants)


def edges(programs):
    """Who can hand a handle to whom: a named channel is one pair between the
    programs that name it (WRITE at one end, READ at the other), except the
    roles `parent` (its other end is whoever may start the program) and
    `clients` (a server's, whose clients the policy does not name); a
    registry carries a handle from a program that may bind there (MODIFY)
    to one that may open there (OPEN). Returns [(from, to, via)]."""
    out = []
    ends = {}
    regs = {}
    spawners = [p.name for p in programs.values() if may_spawn(p)]
    for p in programs.values():
        for g in p.grants:
            if g.kind == "channel" and g.name == "parent":
                for s in spawners:
                    if s != p.name and "READ" in g.rights:
                        out.append((s, p.name, "channel parent"))
                    if s != p.name and "WRITE" in g.rights:
                        out.append((p.name, s, "channel parent"))
            elif g.kind == "channel" and g.name != "clients":
                ends.setdefault(g.name, []).append((p.name, g.rights))
            elif g.kind == "registry":
                regs.setdefault(g.name, []).append((p.name, g.rights))
    for name, holders in sorted(ends.items()):
        for a, ra in holders:
            for b, rb in holders:
                if a != b and "WRITE" in ra and "READ" in rb:
                    out.append((a, b, f"channel {name}"))
    for name, holders in sorted(regs.items()):
        for a, ra in holders:
            for b, rb in holders:
                if a != b and "MODIFY" in ra and "OPEN" in rb:
                    out.append((a, b, f"registry {name}"))
    return out


def transfer_sources(prog):
    """What lets a program send a handle that others can pass on: a grant
    with TRANSFER, or a job it may create objects in (they come with every
    right)."""
    why = [grant_label(g) for g in prog.grants if "TRANSFER" in g.rights]
    why += [grant_label(g) for g in prog.grants
            if g.kind == "job" and any(r.startswith("CREATE_") for r in g.rights)]
    return why


def delegation_paths(programs):
    """For each program, the shortest path by which a handle carrying
    TRANSFER can reach it, transitively (breadth first from every source)."""
    out_edges = {}
    for a, b, via in edges(programs):
        out_edges.setdefault(a, []).append((b, via))
    paths = {}
    for src in sorted(programs):
        if not transfer_sources(programs[src]):
            continue
        seen = {src: [src]}
        queue = [src]
        while queue:
            cur = queue.pop(0)
            for nxt, via in out_edges.get(cur, []):
                if nxt not in seen:
                    seen[nxt] = seen[cur] + [f"--{via}-->", nxt]
                    queue.append(nxt)
        for dst, path in seen.items():
            if dst != src and (dst not in paths or len(path) < len(paths[dst])):
                paths[dst] = path
    return paths


def audit(programs, rights_by_name, data, known_programs, image=None):
    report = {"programs": {}, "delegation": [], "paths": [], "excess": [], "revocable": [],
              "violations": []}

    def violation(prog, kind, grant, detail):
        report["violations"].append({"program": prog, "kind": kind, "grant": grant, "detail": detail})

    for prog in programs.values():
        entry = report["programs"][prog.name] = {
            "identity": identity_of(prog, image), "untrusted": prog.untrusted,
            "grants": [], "registries": [], "creates": [], "exceptions": [], "nothing": []}
        for g in prog.grants:
            if g.kind == "registry":
                usable, needed = methods_for(data, "registry", g.rights)
                entry["registries"].append({"registry": g.name, "subtree": g.path or "/",
                                            "rights": g.rights, "methods": usable})
            else:
                usable, needed = calls_for(data, g.type, g.rights)
            entry["grants"].append({"grant": grant_label(g), "type": g.type, "rights": g.rights,
                                    "calls": usable, "revocable": g.revocable})
            if g.kind == "job":
                entry["creates"] += sorted(r[len("CREATE_"):].lower() for r in g.rights
                                           if r.startswith("CREATE_"))
            if "EXCEPTIONS" in g.rights and g.type in ("job", "process"):
                entry["exceptions"].append(
                    f"faults of every process in its {g.type}" if g.type == "job"
                    else "faults of the process it is given")
            held = [r for r in DELEGATING if r in g.rights]
            if held:
                report["delegation"].append({"program": prog.name, "grant": grant_label(g), "rights": held})
            if g.revocable:
                report["revocable"].append({"program": prog.name, "grant": grant_label(g)})
            unused = [r for r in g.rights if r not in needed]
            if unused:
                report["excess"].append({"program": prog.name, "grant": grant_label(g), "rights": unused})
            if prog.untrusted and "TRANSFER" in g.rights:
                violation(prog.name, "untrusted transfer", grant_label(g),
                          f"untrusted program {prog.name} is granted TRANSFER on {grant_label(g)}")
            if g.type in prog.max and g.kind != "registry":
                over = [r for r in g.rights if r not in prog.max[g.type][0]]
                if over and g.type == "job" and any(r.startswith("CREATE_") for r in over):
                    made = ", ".join(r[len("CREATE_"):].lower() for r in over if r.startswith("CREATE_"))
                    violation(prog.name, "creation authority", grant_label(g),
                              f"may create {made} ({' | '.join(over)}) beyond max job: "
                              f"{' | '.join(prog.max['job'][0])}")
                elif over:
                    violation(prog.name, "above maximum", grant_label(g),
                              f"{' | '.join(over)} not within max {g.type}: "
                              f"{' | '.join(prog.max[g.type][0])}")
            if g.kind == "registry" and g.name in prog.registry_max:
                allowed = prog.registry_max[g.name][0]
                over = [r for r in g.rights if r not in allowed]
                if over:
                    kind = "registry write" if any(r in REGISTRY_WRITES for r in over) else "above maximum"
                    violation(prog.name, kind, grant_label(g),
                              f"may {'write' if kind == 'registry write' else 'use'} registry "
                              f"{g.name}{g.path or ''} ({' | '.join(over)}) beyond max registry "
                              f"{g.name}: {' | '.join(allowed)}")
        if not prog.grants:
            entry["nothing"].append(f"{prog.name}: no handle, no call it can make")
        if not entry["registries"]:
            entry["nothing"].append("no registry: it can name nothing")
        if not any(g.kind == "job" for g in prog.grants):
            entry["nothing"].append("no job handle: it cannot create")
        ident = entry["identity"]
        if prog.digest and image is not None and ident["sha256"] and ident["sha256"] != prog.digest:
            violation(prog.name, "digest mismatch", "",
                      f"policy pins {prog.digest[:16]}... but bin/{prog.name} is "
                      f"{ident['sha256'][:16]}...")
        if known_programs is not None and prog.name != "default" and prog.name not in known_programs:
            violation(prog.name, "unknown program", "", "no such program in the boot image")

    for dst, path in sorted(delegation_paths(programs).items()):
        report["paths"].append({"program": dst, "path": " ".join(path)})
        if programs[dst].untrusted:
            violation(dst, "transfer leak", "",
                      f"TRANSFER reaches untrusted program {dst}: {' '.join(path)}")
    return report


def print_table(report):
    progs = report["programs"]
    print("Identity: the binary each program is (policies bind binaries, not names)")
    for name, p in progs.items():
        i = p["identity"]
        digest = i["sha256"][:16] + "..." if i["sha256"] else ""
        flag = "  untrusted" if p["untrusted"] else ""
        print(f"  {name:<10} {i['binary']:<16} {digest:<19} attested by {i['attested_by']}{flag}")
    print("\nKernel rights: the calls each program can make with what it is granted")
    for name, p in progs.items():
        print(f"\n  {name}")
        for line in p["nothing"]:
            print(f"    {line}")
        for g in p["grants"]:
            rev = " (revocable)" if g["revocable"] else ""
            print(f"    {g['grant']:<24} {g['type']:<9} {' | '.join(g['rights'])}{rev}")
            print(f"    {'':<24} calls: {', '.join(g['calls']) or '(none)'}")
    print("\nProtocol rights: registry operations per subtree")
    for name, p in progs.items():
        for r in p["registries"]:
            print(f"  {name:<10} {r['registry'] + ':' + r['subtree']:<16} "
                  f"{', '.join(m.split('.')[1] for m in r['methods']) or '(none)'}")
    print("\nCreation authority: what each program may create (CREATE_* on the job it runs in,")
    print("charged to that job's quotas)")
    for name, p in progs.items():
        print(f"  {name:<10} {', '.join(p['creates']) or '(nothing)'}")
    print("\nExceptions: whose faults each program may handle")
    for name, p in progs.items():
        if p["exceptions"]:
            print(f"  {name:<10} {'; '.join(p['exceptions'])}")
    if not any(p["exceptions"] for p in progs.values()):
        print("  (nobody)")
    print("\nDelegation: who can pass authority on")
    for d in report["delegation"] or [{"program": "(nobody)", "grant": "", "rights": []}]:
        print(f"  {d['program']:<10} {d['grant']:<24} {' | '.join(d['rights'])}")
    print("\nDelegation paths: how a handle with TRANSFER can reach each program")
    for d in report["paths"] or [{"program": "(none)", "path": ""}]:
        print(f"  {d['program']:<10} {d['path']}")
    print("\nRevocable grants")
    for r in report["revocable"] or [{"program": "(none)", "grant": ""}]:
        print(f"  {r['program']:<10} {r['grant']}")
    print("\nExcess: granted rights no call of the type needs")
    for e in report["excess"] or [{"program": "(none)", "grant": "", "rights": []}]:
        print(f"  {e['program']:<10} {e['grant']:<24} {' | '.join(e['rights'])}")
    print("\nViolations")
    for v in report["violations"] or [{"program": "(none)", "kind": "", "detail": ""}]:
        print(f"  {v['program']:<10} {v['kind']:<18} {v.get('grant', ''):<24} {v['detail']}")
    print(f"\n{len(report['violations'])} violation(s)")


def main(argv=None):
    ap = command_line("Audit a LightOS rights policy.")
    ap.add_argument("--programs", help="space-separated programs the system has")
    ap.add_argument("--image", help="the boot image (tar): its bin/ programs and their digests")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    loaded = load_from(args)
    if loaded is None:
        return 1
    programs, rights_by_name, data = loaded
    image = read_image(args.image) if args.image else None
    known = set(args.programs.split()) if args.programs else None
    if image is not None:
        known = (known or set()) | set(image) | {"init"}
    report = audit(programs, rights_by_name, data, known, image)
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print_table(report)
    return 1 if report["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
