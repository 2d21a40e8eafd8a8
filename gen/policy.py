"""The rights policy: parsing init/system.policy and writing the table that
init and liblightos read (build/gen/libos/policy_table.c).

  program NAME { grant [revocable] KIND [ARGS] : RIGHTS ; max TYPE : RIGHTS ;
                 max registry NAME : CONNECTION RIGHTS ;
                 protected ; untrusted ; digest "SHA-256 in hex" ;
                 drives pci VENDOR DEVICE ; }

The program is the binary actually loaded: bin/NAME in the boot image is
program NAME (libos/spawn.c records its identity with the kernel). `digest`
pins the binary's contents; `untrusted` marks a program no capability with
TRANSFER may reach; a `revocable` grant is handed out through a revoker the
spawner keeps (idl/revoker.idl).

`drives pci 0x1af4 0x1001;` names the program the PCI bus driver starts for
that device (the table lo_policy_drivers); a device may have one driver.

A registry grant names connection rights of the registry protocol (ENUMERATE,
OPEN, MODIFY, WATCH, WRITABLE: idl/registry.idl), not handle rights, and may
name a subtree: `grant registry files /tmp : OPEN | MODIFY;` gives those
rights in files:/tmp (and below) whatever the program has in files:.

Errors are `file:line:col: error: message` with the line and a caret, like
the IDL compiler's; nothing is written on error.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from idl.checker import load_generic  # noqa: E402
from idl.errors import IdlError  # noqa: E402
from idl.lexer import tokenize as lex  # noqa: E402

# grant kind -> (object type it hands out, number of integer arguments,
#                whether it takes a name)
KINDS = {
    "log": ("log", 0, False),
    "image": ("vmo", 0, False),
    "root_resource": ("resource", 0, False),
    "ioports": ("resource", 2, False),
    "irq": ("resource", 1, False),
    "channel": ("channel", 0, True),
    "registry": ("channel", 0, True),
    "user": ("any", 1, False),      # startup kind 16 + N: agreed by parent and child
    "job": ("job", 0, False),       # the job it runs in: its CREATE_* rights are its creation authority
    "clock": ("clock", 0, False),
}

class Grant:
    def __init__(self, kind, args, name, rights, loc, path="", revocable=False):
        self.kind, self.args, self.name, self.rights, self.loc = kind, args, name, rights, loc
        self.path = path   # registry grants: a subtree, or "" for the whole registry
        self.revocable = revocable

    @property
    def type(self):
        return KINDS[self.kind][0]


class Program:
    def __init__(self, name, loc):
        self.name, self.loc = name, loc
        self.grants = []
        self.max = {}      # type -> (rights list, loc)
        self.registry_max = {}   # registry name -> (connection rights list, loc)
        self.protected = False   # nothing it does not start itself may be given DESTROY on it
        self.untrusted = False   # no capability with TRANSFER may reach it
        self.digest = ""         # the SHA-256 its binary must have (hex), "" for any
        self.digest_loc = None
        self.drives = []   # (bus, vendor, device, loc): the devices it is the driver of


def tokenize(path, text):
    """The shared IDL lexer with '#' comments, in the (kind, text, loc)
    form the parser below reads: kinds num, name, path, p (punctuation)."""
    names = {"number": "num", "punct": "p"}
    return [(names.get(t.kind, t.kind), t.text, t.loc) for t in lex(path, text, comment="#")]


def parse(path, text, rights_by_name, types, registry_rights=None, rights_for_type=None):
    """Returns {program name: Program}. registry_rights: the registry
    protocol's connection rights (name -> bit), for registry grants."""
    toks = tokenize(path, text)
    pos = [0]

    def peek():
        return toks[pos[0]]

    def take(kind=None, value=None, what=None):
        k, v, loc = toks[pos[0]]
        if (kind and k != kind) or (value and v != value):
            found = "end of file" if k == "eof" else repr(v)
            raise IdlError(loc, f"expected {what or repr(value)}, found {found}")
        pos[0] += 1
        return v, loc

    def rights(known=None):
        known = rights_by_name if known is None else known
        names = []
        while True:
            v, loc = take("name", what="a right")
            if v not in known:
                raise IdlError(loc, f"unknown right {v!r}")
            names.append(v)
            if peek()[1] != "|":
                return names
            take(value="|")

    programs = {}
    while peek()[0] != "eof":
        take(value="program")
        name, loc = take("name", what="a program name")
        if name in programs:
            raise IdlError(loc, f"program {name!r} is declared twice")
        prog = programs[name] = Program(name, loc)
        take(value="{")
        while peek()[1] != "}":
            word, wloc = take("name", what="'grant', 'max', 'protected', 'untrusted', 'digest', "
                                           "'drives' or '}'")
            if word == "protected":
                prog.protected = True
            elif word == "untrusted":
                prog.untrusted = True
            elif word == "digest":
                text, dloc = take("string", what="a SHA-256 in quotes")
                digest = text[1:-1].lower()
                if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                    raise IdlError(dloc, "a digest is 64 hex digits (SHA-256)")
                prog.digest, prog.digest_loc = digest, dloc
            elif word == "grant":
                revocable = peek()[1] == "revocable"
                if revocable:
                    take(value="revocable")
                kind, kloc = take("name", what="a grant kind")
                if kind not in KINDS:
                    raise IdlError(kloc, f"unknown grant kind {kind!r} (one of {', '.join(KINDS)})")
                _, nargs, named = KINDS[kind]
                args = [int(take("num", what="a number")[0], 0) for _ in range(nargs)]
                gname = take("name", what="a name")[0] if named else ""
                sub = ""
                if kind == "registry" and peek()[0] == "path":
                    sub = take("path")[0]
                take(value=":")
                known = registry_rights if kind == "registry" and registry_rights is not None else None
                if known is None and rights_for_type:
                    known = rights_for_type(KINDS[kind][0])
                prog.grants.append(Grant(kind, args, gname, rights(known), kloc, sub, revocable))
            elif word == "drives":
                bus, bloc = take("name", what="a bus")
                if bus != "pci":
                    raise IdlError(bloc, f"unknown bus {bus!r} (pci)")
                ids = []
                for what in ("a vendor id", "a device id"):
                    v, vloc = take("num", what=what)
                    if int(v, 0) > 0xFFFF:
                        raise IdlError(vloc, f"{what[2:]} {v} is more than 16 bits")
                    ids.append(int(v, 0))
                for other in programs.values():
                    for d in other.drives:
                        if (d[0], d[1], d[2]) == (bus, ids[0], ids[1]):
                            raise IdlError(bloc, f"pci {ids[0]:04x}:{ids[1]:04x} already has a driver, "
                                                 f"{other.name!r}")
                prog.drives.append((bus, ids[0], ids[1], bloc))
            elif word == "max":
                tname, tloc = take("name", what="an object type")
                if tname == "registry":
                    # max registry NAME : connection rights (what it may do there at most)
                    rname = take("name", what="a registry name")[0]
                    take(value=":")
                    prog.registry_max[rname] = (rights(registry_rights), tloc)
                    take(value=";")
                    continue
                if tname not in types:
                    raise IdlError(tloc, f"unknown object type {tname!r}")
                take(value=":")
                prog.max[tname] = (rights(rights_for_type(tname) if rights_for_type else None), tloc)
            else:
                raise IdlError(wloc, f"expected 'grant', 'max', 'protected', 'untrusted', 'digest', "
                                     f"'drives' or '}}', found {word!r}")
            take(value=";")
        take(value="}")
    return programs


def load(policy_path, cap_dir, rights_json):
    import json
    with open(rights_json) as f:
        data = json.load(f)
    generic, _ = load_generic(cap_dir)
    rights_by_name = {n: r.value for n, r in generic.items()}
    for t in data["types"].values():
        rights_by_name.update(t["rights"])
    registry_rights = next((p["rights"] for p in data.get("protocols", []) if p["name"] == "registry"), None)
    with open(policy_path) as f:
        programs = parse(policy_path, f.read(), rights_by_name, set(data["types"]), registry_rights,
                         lambda t: rights_of_type(t, rights_by_name, data))
    return programs, rights_by_name, data


def mask(names, rights_by_name):
    m = 0
    for n in names:
        m |= rights_by_name[n]
    return m


KIND_IDS = {"log": 1, "image": 2, "root_resource": 3, "ioports": 4, "irq": 5, "channel": 6,
            "registry": 7, "user": 8, "job": 9, "clock": 10}


def rights_of_type(type_name, rights_by_name, data):
    """Names to bits for a handle of one type: the generic rights and that
    type's own. Two types may give one name different bits (process and job
    both have EXCEPTIONS), so a grant's names are never looked up across
    every type; "any" has only the generic rights to go by."""
    t = data["types"].get(type_name)
    if t is None:
        return rights_by_name
    return {**data["generic_rights"], **t["rights"]}


def render_table(programs, rights_by_name, data):
    out = ["/* Generated by gen/policy.py from init/system.policy: do not edit. */",
           '#include "lightos/policy.h"', ""]
    for p in programs.values():
        out.append(f"static const struct lo_policy_grant grants_{p.name}[] = {{")
        for g in p.grants:
            args = g.args + [0, 0]
            known = rights_of_type(g.type, rights_by_name, data)
            if g.kind == "registry":
                known = next(p["rights"] for p in data["protocols"] if p["name"] == "registry")
            rev = "true" if g.revocable else "false"
            out.append(f'\t{{ {KIND_IDS[g.kind]}, {args[0]}u, {args[1]}u, "{g.name}", '
                       f'0x{mask(g.rights, known):08x}u, "{g.path}", {rev} }},')
        out.append("\t{ 0, 0, 0, \"\", 0, \"\", false },")
        out.append("};")
        out.append(f"static const struct lo_policy_max max_{p.name}[] = {{")
        for t, (names, _) in sorted(p.max.items()):
            out.append(f"\t{{ {data['types'][t]['id']}u, 0x{mask(names, rights_of_type(t, rights_by_name, data)):08x}u }},")
        out.append("\t{ 0, 0 },")
        out.append("};")
        out.append("")
    out.append("const struct lo_policy_program lo_policy[] = {")
    for p in programs.values():
        prot = "true" if p.protected else "false"
        untrusted = "true" if p.untrusted else "false"
        out.append(f'\t{{ "{p.name}", grants_{p.name}, max_{p.name}, {prot}, {untrusted}, '
                   f'"{p.digest}" }},')
    out.append("\t{ 0, 0, 0, false, false, 0 },")
    out.append("};")
    out.append("")
    out.append("const struct lo_policy_driver lo_policy_drivers[] = {")
    for p in programs.values():
        for _, vendor, device, _ in p.drives:
            out.append(f'\t{{ 0x{vendor:04x}, 0x{device:04x}, "{p.name}" }},')
    out.append("\t{ 0, 0, 0 },")
    out.append("};")
    return "\n".join(out) + "\n"


def command_line(description):
    """The arguments the compiler and the auditor share: the policy, the
    capability core's rights and the IDL's rights.json."""
    import argparse
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("policy")
    ap.add_argument("--cap", default="cap")
    ap.add_argument("--rights", default="build/gen/rights.json")
    return ap


def load_from(args):
    """load() for parsed arguments; None, with the error printed, when the
    policy is malformed."""
    try:
        return load(args.policy, args.cap, args.rights)
    except IdlError as e:
        print(e.render(), file=sys.stderr)
        return None


def main(argv=None):
    ap = command_line("Compile the rights policy into init's table.")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    loaded = load_from(args)
    if loaded is None:
        return 1
    programs, rights_by_name, data = loaded
    text = render_table(programs, rights_by_name, data)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    old = open(args.out).read() if os.path.exists(args.out) else None
    if old != text:
        with open(args.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
