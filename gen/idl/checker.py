"""Semantic checks: raw declarations from every file -> one Model.

Generic rights and status codes are not declared in IDL: they are read from
cap/rights.h and cap/status.h, the one place they are defined.
"""
import os
import re

from .errors import IdlError
from .model import (SCALARS, Fixture, Model, ObjectType, Param, Protocol, ProtocolField,
                    ProtocolMethod, Right, Signal, Struct, StructField, Syscall)
from .parser import parse

MAX_REGISTER_PARAMS = 6


def parse_c_value(text):
    """A define's value: an integer literal, or `1u << N`."""
    text = text.strip()
    m = re.fullmatch(r"(-?(?:0x[0-9a-fA-F]+|\d+))u?(?:\s*<<\s*(\d+))?", text)
    if not m:
        raise ValueError(f"cannot read C value {text!r}")
    value = int(m.group(1), 0)
    return value << int(m.group(2)) if m.group(2) else value


def read_defines(path, prefix):
    """The `#define PREFIXNAME (value)` lines of a C header, in order."""
    found = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"#define\s+" + prefix + r"(\w+)\s+\(([^)]*)\)", line)
            if m:
                found[m.group(1)] = parse_c_value(m.group(2))
    return found


def load_generic(cap_dir):
    rights = {}
    for name, value in read_defines(os.path.join(cap_dir, "rights.h"), "LO_RIGHT_").items():
        if name == "NONE" or value == 0:
            continue
        rights[name] = Right(name, "LO_RIGHT_" + name, value, True)
    statuses = {}
    for name, value in read_defines(os.path.join(cap_dir, "status.h"), "LO_").items():
        statuses[name.replace("ERR_", "", 1)] = value
    return rights, statuses


def check_bits(pairs, what, low, range_msg, used_msg):
    """The (name, bit) pairs of a type's rights or signals, once each
    checked: no name twice, bits in low..31, no bit twice."""
    seen = {}
    for name, bit in pairs:
        if name.text in seen:
            raise IdlError(name.loc, f"{what} {name.text!r} is declared twice")
        if not low <= bit.value <= 31:
            raise IdlError(bit.loc, f"{range_msg} {low}..31, not {bit.value}")
        if bit.value in seen.values():
            raise IdlError(bit.loc, used_msg.format(bit.value))
        seen[name.text] = bit.value
    return pairs


class Checker:
    def __init__(self, cap_dir):
        rights, statuses = load_generic(cap_dir)
        self.model = Model(generic_rights=rights, statuses=statuses)
        self.type_ids = {}
        self.syscall_numbers = {}
        self.names = {}          # types, structs, protocols, call groups -> loc
        self.call_names = {}     # full syscall names -> loc
        self.raw_fixtures = {}   # type name -> raw test_fixture declaration
        self.const_values = {}   # constant name -> value, for sizes that name one

    def declare(self, tok, what):
        if tok.text in self.names:
            prev = self.names[tok.text]
            raise IdlError(tok.loc, f"{what} {tok.text!r} is already declared at {prev}")
        self.names[tok.text] = tok.loc

    def bound(self, tok):
        """The value of a size written as a number or as a constant's name."""
        if tok.kind == "number":
            return tok.value
        if tok.text not in self.const_values:
            raise IdlError(tok.loc, f"unknown constant {tok.text!r}")
        return self.const_values[tok.text]

    # --- rights ---
    def resolve_rights(self, names, own_type):
        """Names to Right objects: generic rights, or own_type's rights."""
        out = []
        for tok in names:
            if tok.text in self.model.generic_rights:
                out.append(self.model.generic_rights[tok.text])
                continue
            own = own_type and next((r for r in own_type.rights if r.name == tok.text), None)
            if own:
                out.append(own)
                continue
            where = f" or a right of type '{own_type.name}'" if own_type else ""
            raise IdlError(tok.loc, f"unknown right {tok.text!r} (expected a generic right "
                                    f"such as READ{where})")
        return out

    # --- declarations ---
    def check_type(self, raw):
        self.declare(raw.name, "type")
        tid = raw.id.value
        if tid < 1 or tid > 31:
            raise IdlError(raw.id.loc, f"type id {tid} is out of range (1..31)")
        if tid in self.type_ids:
            raise IdlError(raw.id.loc, f"type id {tid} is already used by type {self.type_ids[tid]!r}")
        self.type_ids[tid] = raw.name.text
        t = ObjectType(raw.name.text, tid, raw.doc.value if raw.doc else "", [], [], [], raw.name.loc)
        for rname, bit in raw.rights:
            if rname.text in self.model.generic_rights:
                raise IdlError(rname.loc, f"right {rname.text!r} is a generic right; "
                                          "type-specific rights need their own names")
        for rname, bit in check_bits(raw.rights, "right", 16, "type-specific rights use bits",
                                     "bit {} is already used by another right"):
            t.rights.append(Right(rname.text, f"LO_RIGHT_{t.name.upper()}_{rname.text}",
                                  1 << bit.value, False))
        for sname, bit in check_bits(raw.signals, "signal", 0, "signal bits are",
                                     "signal bit {} is already used"):
            t.signals.append(Signal(sname.text, bit.value, f"LO_SIG_{t.name.upper()}_{sname.text}"))
        if raw.default_rights is None:
            raise IdlError(raw.name.loc, f"type {t.name!r} has no 'default_rights'")
        t.default_rights = self.resolve_rights(raw.default_rights[1], t)
        self.raw_fixtures[t.name] = raw.fixture
        self.model.types.append(t)
        return t

    def check_struct(self, raw):
        self.declare(raw.name, "struct")
        fields, seen = [], set()
        for ftype, fname, count in raw.fields:
            if fname.text in seen:
                raise IdlError(fname.loc, f"field {fname.text!r} is declared twice")
            seen.add(fname.text)
            n = self.bound(count) if count is not None else 0
            if count is not None and not 1 <= n <= 4096:
                raise IdlError(count.loc, f"array length {n} is out of range (1..4096)")
            if ftype.text in SCALARS:
                fields.append(StructField(SCALARS[ftype.text], fname.text, ftype.text, n))
                continue
            inner = self.model.struct_by_name(ftype.text)
            if not inner:
                raise IdlError(ftype.loc, f"unknown field type {ftype.text!r} (a scalar such as "
                                          "u32, or a struct declared earlier)")
            fields.append(StructField(inner.ctype, fname.text, "", n))
        self.model.structs.append(Struct(raw.name.text, raw.doc.value if raw.doc else "", fields))

    def handle_type(self, tok, allow_any=True):
        if tok.text == "any" and allow_any:
            return None, "any"
        t = self.model.type_by_name(tok.text)
        if not t:
            raise IdlError(tok.loc, f"unknown object type {tok.text!r}")
        return t, t.name

    def check_within(self, rp, raw_params):
        """'within NAME': an out handle bounded by an in handle of the call."""
        if rp.kind != "handle" or rp.direction != "out":
            raise IdlError(rp.within.loc, "'within' applies to out handles only")
        for q in raw_params:
            if q.name.text == rp.within.text and q.kind == "handle" and q.direction == "in":
                return
        raise IdlError(rp.within.loc, f"'within {rp.within.text}' names no in handle of this call")

    def check_syscall(self, raw, owner, owner_type):
        full = f"{owner}_{raw.name.text}"
        if full in self.call_names:
            raise IdlError(raw.name.loc, f"call {full!r} is already declared at {self.call_names[full]}")
        self.call_names[full] = raw.name.loc
        number = raw.number.value
        if number in self.syscall_numbers:
            raise IdlError(raw.number.loc, f"syscall number {number} is already used by "
                                           f"{self.syscall_numbers[number]!r}")
        if number < 0 or number > 1023:
            raise IdlError(raw.number.loc, f"syscall number {number} is out of range (0..1023)")
        self.syscall_numbers[number] = full
        if len(raw.params) > MAX_REGISTER_PARAMS:
            raise IdlError(raw.params[MAX_REGISTER_PARAMS].loc,
                           f"call {full!r} has more than {MAX_REGISTER_PARAMS} parameters "
                           "(one register each): pass the rest in a struct")
        params, by_name = [], {}
        for rp in raw.params:
            if rp.name.text in by_name:
                raise IdlError(rp.name.loc, f"parameter {rp.name.text!r} is declared twice")
            p = Param(rp.direction, rp.kind, rp.name.text, loc=rp.name.loc)
            p.scalar = getattr(rp, "scalar", "")
            if rp.kind in ("handle", "handles", "moved_handles"):
                ht, p.type_name = self.handle_type(rp.type_tok)
                if rp.requires:
                    if rp.direction == "out":
                        raise IdlError(rp.requires[0].loc, "'requires' is for handles the caller "
                                                           "passes in; use 'rights' on an out handle")
                    p.rights = self.resolve_rights(rp.requires[1], ht)
                    if ht is not None:
                        for r in p.rights:
                            if not r.value & ht.default_mask:
                                raise IdlError(rp.requires[0].loc,
                                               f"{r.name} is not among type {ht.name!r}'s default "
                                               "rights, so no handle could ever make this call")
                if rp.grants:
                    if rp.direction == "in":
                        raise IdlError(rp.grants[0].loc, "'rights' names what an out handle "
                                                         "receives; an in handle uses 'requires'")
                    p.rights = self.resolve_rights(rp.grants[1], ht)
                elif rp.direction == "out":
                    if ht is None and rp.kind == "handle":
                        raise IdlError(rp.name.loc, "an out handle of any type needs 'rights'")
                    p.rights = ht.default_rights if ht else []
                if rp.pass_handle and (rp.direction == "out" or rp.kind == "moved_handles"):
                    raise IdlError(rp.pass_handle.loc, "'pass_handle' is for in handles")
                p.pass_handle = bool(rp.pass_handle)
                if rp.self_lookup and (rp.direction != "in" or rp.kind != "handle"):
                    raise IdlError(rp.self_lookup.loc, "'self_lookup' is for one in handle")
                if rp.self_lookup and rp.pass_handle:
                    raise IdlError(rp.self_lookup.loc, "'self_lookup' passes only the handle "
                                                       "value; drop 'pass_handle'")
                p.self_lookup = bool(rp.self_lookup)
                if rp.held and (rp.direction != "in" or rp.kind != "handle"):
                    raise IdlError(rp.held.loc, "'held' is for one in handle")
                if rp.held and (rp.pass_handle or rp.self_lookup):
                    raise IdlError(rp.held.loc, "'held' passes the object, value and rights; "
                                                "drop 'pass_handle' and 'self_lookup'")
                p.held = bool(rp.held)
                if rp.within:
                    self.check_within(rp, raw.params)
                    p.within = rp.within.text
            else:
                for opt, what in ((rp.requires, "'requires'"), (rp.grants, "'rights'")):
                    if opt:
                        raise IdlError(opt[0].loc, f"{what} applies to handles, and "
                                                   f"{rp.name.text!r} is not a handle")
                if rp.pass_handle:
                    raise IdlError(rp.pass_handle.loc, "'pass_handle' applies to handles only")
                if rp.self_lookup:
                    raise IdlError(rp.self_lookup.loc, "'self_lookup' applies to handles only")
                if rp.held:
                    raise IdlError(rp.held.loc, "'held' applies to handles only")
                if rp.within:
                    raise IdlError(rp.within.loc, "'within' applies to out handles only")
            if rp.probe and (rp.kind != "scalar" or rp.direction != "out"):
                raise IdlError(rp.probe.loc, "'probe' applies to out scalars only")
            p.probe = bool(rp.probe)
            if rp.installed and (rp.kind != "scalar" or rp.direction != "out" or rp.scalar != "u32"):
                raise IdlError(rp.installed.loc, "'installed' applies to an out u32 (a handle value)")
            if rp.installed and rp.probe:
                raise IdlError(rp.installed.loc, "'installed' undoes a failed copy-out; "
                                                 "drop 'probe'")
            p.installed = bool(rp.installed)
            if rp.kind == "struct":
                if not self.model.struct_by_name(rp.type_tok.text):
                    raise IdlError(rp.type_tok.loc, f"unknown struct {rp.type_tok.text!r}")
                p.type_name = rp.type_tok.text
            if rp.kind == "array":
                if rp.type_tok.text in SCALARS:
                    p.scalar = rp.type_tok.text
                elif self.model.struct_by_name(rp.type_tok.text):
                    p.type_name = rp.type_tok.text
                else:
                    raise IdlError(rp.type_tok.loc, f"unknown element type {rp.type_tok.text!r}")
            if rp.size is not None:
                p.size_param = rp.size.text
                p.max = self.bound(rp.max)
                if p.max <= 0:
                    raise IdlError(rp.max.loc, "the maximum must be positive")
            if rp.actual is not None:
                if rp.kind not in ("moved_handles", "buffer", "array") or rp.direction != "out":
                    raise IdlError(rp.actual.loc, "'actual' applies to out buffers, arrays "
                                                  "and moved_handles only")
                p.actual = rp.actual.text
                if rp.actual_field is not None:
                    p.actual += "." + rp.actual_field.text
            elif rp.kind == "moved_handles" and rp.direction == "out":
                raise IdlError(rp.name.loc, "out moved_handles needs 'actual NAME' for the count")
            by_name[p.name] = p
            params.append(p)
        # Size, count and actual parameters must be scalars of this call
        # (an actual may also be a field of an out struct: "result.handles").
        for p in params:
            for ref, what in ((p.size_param, "size"), (p.actual, "actual")):
                if not ref:
                    continue
                rp = next(r for r in raw.params if r.name.text == p.name)
                loc = (rp.size if what == "size" else rp.actual).loc
                pname, _, fname = ref.partition(".")
                target = by_name.get(pname)
                if target is None:
                    raise IdlError(loc, f"{what} parameter {pname!r} is not a parameter of {full!r}")
                if fname:
                    st = self.model.struct_by_name(target.type_name) if target.kind == "struct" else None
                    field = st and next((f for f in st.fields if f.name == fname), None)
                    if not field or field.scalar != "u32" or target.direction != "out":
                        raise IdlError(loc, f"{ref!r} is not a u32 field of an out struct")
                    continue
                if target.kind != "scalar" or target.scalar not in ("u32", "u64", "usize"):
                    raise IdlError(loc, f"{what} parameter {ref!r} must be an unsigned integer")
                want_dir = "out" if what == "actual" else "in"
                if target.direction != want_dir:
                    raise IdlError(loc, f"{what} parameter {ref!r} must be an '{want_dir}' parameter")
        errors = []
        for tok in raw.errors:
            if tok.text not in self.model.statuses or tok.text == "OK":
                raise IdlError(tok.loc, f"unknown status {tok.text!r} (see cap/status.h)")
            errors.append(tok.text)
        doc = raw.doc.value if raw.doc else ""
        if not doc:
            raise IdlError(raw.name.loc, f"call {full!r} has no 'doc'")
        # Every call operates on a handle: a call without one must say why.
        takes_handle = any(p.kind in ("handle", "handles", "moved_handles") and p.direction == "in"
                           for p in params)
        no_handle = raw.no_handle.value if raw.no_handle else ""
        if raw.no_handle and not no_handle:
            raise IdlError(raw.no_handle.loc, f"'no_handle' on {full!r} needs a reason")
        if takes_handle and no_handle:
            raise IdlError(raw.no_handle.loc, f"call {full!r} takes a handle: drop 'no_handle'")
        call = Syscall(full, raw.name.text, owner, number, doc, params, errors, raw.name.loc,
                       blocking=raw.blocking is not None, no_handle=no_handle)
        if raw.blocking and raw.nonblocking:
            raise IdlError(raw.nonblocking.loc, f"call {full!r} is declared both 'blocking' "
                                                "and 'nonblocking'")
        held = [p for p in params if p.held]
        if held:
            # Under the table lock: nothing that can block, fault or fail
            # between the lookup and the call, so only results go out.
            others = [p for p in params if not p.held]
            if call.blocking or len(held) > 1 or any(p.direction != "out" or
                                                     p.kind not in ("scalar", "struct")
                                                     for p in others):
                raise IdlError(held[0].loc, f"a 'held' call ({full!r}) takes one handle and "
                                            "gives out scalars and structs only, and does not block")
        if call.deadline_index >= 0 and not call.blocking and not raw.nonblocking:
            raise IdlError(params[call.deadline_index].loc,
                           f"call {full!r} takes a deadline, so it may block: declare "
                           "'blocking;' in it (the fuzzer bounds such calls), or "
                           "'nonblocking;' if the deadline is only data")
        self.model.syscalls.append(call)

    def check_every_call_has_a_handle(self):
        """Last, so a call's other errors are reported first."""
        for c in self.model.syscalls:
            takes_handle = any(p.kind in ("handle", "handles", "moved_handles") and p.direction == "in"
                               for p in c.params)
            if not takes_handle and not c.no_handle:
                raise IdlError(c.loc, f"call {c.name!r} takes no handle: every call operates on an "
                                      "object; mark a justified exception with 'no_handle \"reason\";'")

    # --- test fixtures ---
    def resolve_fixture(self, t):
        """t.fixture from its test_fixture declaration or its create call;
        returns why none could be made, or None."""
        raw = self.raw_fixtures.get(t.name)
        if raw is not None and raw.call.text == "external":
            t.fixture = Fixture()
            return None
        name = raw.call.text if raw is not None else "create"
        call = next((c for c in self.model.syscalls if c.name == f"{t.name}_{name}"), None)
        if call is None:
            if raw is not None:
                raise IdlError(raw.call.loc, f"type {t.name!r} has no call '{t.name}_{name}'")
            return f"it has no '{t.name}_create' call"
        if not any(p.direction == "out" and p.kind == "handle" and p.type_name == t.name
                   for p in call.params):
            why = f"'{call.name}' returns no handle<{t.name}>"
            if raw is not None:
                raise IdlError(raw.call.loc, why)
            return why
        sizes = {p.size_param for p in call.params if p.kind == "buffer"}
        free = [p for p in call.params if p.direction == "in" and p.kind == "scalar"
                and p.name not in sizes]
        odd = [p for p in call.params if p.direction == "in" and
               (p.kind not in ("scalar", "buffer", "handle") or p.type_name == "any")]
        if odd:
            why = f"'{call.name}' takes {odd[0].kind} {odd[0].name!r}, which a test cannot make"
            if raw is not None:
                raise IdlError(raw.call.loc, why)
            return why
        values = [v.value for v in raw.values] if raw is not None else []
        if len(values) != len(free):
            names = ", ".join(p.name for p in free)
            if raw is not None:
                raise IdlError(raw.call.loc, f"'{call.name}' needs {len(free)} value(s) "
                                             f"({names}), not {len(values)}")
            return f"'{call.name}' needs values for {names}"
        t.fixture = Fixture(call, {p.name: v for p, v in zip(free, values)})
        return None

    def check_fixtures(self):
        """Every type a negative-rights test needs must be buildable."""
        why = {t.name: self.resolve_fixture(t) for t in self.model.types}
        needed = {}
        for c in self.model.syscalls:
            for p in c.params:
                if p.direction == "in" and p.kind in ("handle", "moved_handles") \
                        and p.type_name != "any":
                    needed.setdefault(p.type_name, p.loc)
        for t in self.model.types:
            if t.fixture and not t.fixture.external:
                for p in t.fixture.call.params:
                    if p.direction == "in" and p.kind == "handle":
                        needed.setdefault(p.type_name, t.loc)
        for t in self.model.types:
            if t.name in needed and why[t.name]:
                raise IdlError(t.loc, f"the generated tests cannot make a {t.name!r} ({why[t.name]}): "
                                      f"declare 'test_fixture create(VALUES);' naming the call and "
                                      f"its scalar values, or 'test_fixture external;' in type "
                                      f"{t.name!r}")
        self.check_fixture_cycles()

    def check_fixture_cycles(self):
        for t in self.model.types:
            seen, todo = set(), [t]
            while todo:
                u = todo.pop()
                if not u.fixture or u.fixture.external:
                    continue
                for p in u.fixture.call.params:
                    if p.direction == "in" and p.kind == "handle":
                        if p.type_name == t.name:
                            raise IdlError(t.loc, f"making a {t.name!r} for a test needs a "
                                                  f"{t.name!r} first: declare 'test_fixture external;'")
                        if p.type_name not in seen:
                            seen.add(p.type_name)
                            todo.append(self.model.type_by_name(p.type_name))

    def check_protocol(self, raw):
        self.declare(raw.name, "protocol")
        rights = self.protocol_rights(raw)
        methods, ordinals, names = [], {}, set()
        for m in raw.methods:
            if m.name.text in names:
                raise IdlError(m.name.loc, f"method {m.name.text!r} is declared twice")
            names.add(m.name.text)
            if m.ordinal.value in ordinals:
                raise IdlError(m.ordinal.loc, f"ordinal {m.ordinal.value} is already used by "
                                              f"{ordinals[m.ordinal.value]!r}")
            ordinals[m.ordinal.value] = m.name.text
            req = [self.protocol_field(f) for f in m.request]
            resp = [self.protocol_field(f) for f in m.response]
            if m.deadline:
                for f in m.request + m.response:
                    if f.name.text == "deadline":
                        raise IdlError(f.name.loc, "a method with 'deadline' has a parameter of that "
                                                   "name already: rename the field")
            requires = []
            for tok in (m.requires[1] if m.requires else []):
                r = next((r for r in rights if r.name == tok.text), None)
                if r is None:
                    raise IdlError(tok.loc, f"unknown right {tok.text!r} (expected a right of "
                                            f"protocol {raw.name.text!r})")
                requires.append(r)
            methods.append(ProtocolMethod(m.name.text, m.ordinal.value,
                                          m.doc.value if m.doc else "", req, resp, requires,
                                          m.deadline))
        self.model.protocols.append(Protocol(raw.name.text, raw.doc.value if raw.doc else "",
                                             methods, raw.name.loc, rights))

    def protocol_rights(self, raw):
        """A protocol's connection rights: its own names, bits 0..31."""
        rights = []
        for rname, bit in raw.rights:
            if any(r.name == rname.text for r in rights):
                raise IdlError(rname.loc, f"right {rname.text!r} is declared twice")
            if not 0 <= bit.value <= 31:
                raise IdlError(bit.loc, f"protocol rights use bits 0..31, not {bit.value}")
            if any(r.value == 1 << bit.value for r in rights):
                raise IdlError(bit.loc, f"bit {bit.value} is already used by another right")
            rights.append(Right(rname.text, f"LO_{raw.name.text.upper()}_RIGHT_{rname.text}",
                                1 << bit.value, False))
        return rights

    def protocol_field(self, f):
        pf = ProtocolField(f.kind, f.name.text)
        if f.kind == "scalar":
            pf.scalar = f.scalar
        elif f.kind == "string":
            pf.max = self.bound(f.max)
        else:
            ht, pf.type_name = self.handle_type(f.type_tok)
            if f.requires:
                pf.rights = self.resolve_rights(f.requires[1], ht)
        return pf


def load(idl_dir, cap_dir):
    """Parse and check every idl_dir/*.idl; returns the Model."""
    checker = Checker(cap_dir)
    parsed = []
    for name in sorted(os.listdir(idl_dir)):
        if not name.endswith(".idl"):
            continue
        path = os.path.join(idl_dir, name)
        with open(path) as f:
            header, decls = parse(path, f.read())
        parsed.append((path, header, decls))
    # Types and constants first (any file may name any of them), then
    # structs, then the rest.
    for path, header, decls in parsed:
        if header is not None and header.decl == "type":
            checker.check_type(header)
        for d in decls:
            if d.decl == "const":
                checker.declare(d.name, "constant")
                checker.const_values[d.name.text] = d.value.value
                checker.model.constants.append(("LO_" + d.name.text.upper(), d.value.value))
    for path, header, decls in parsed:
        if header is not None and header.decl == "calls":
            checker.declare(header.name, "call group")
            checker.model.groups.append(header.name.text)
        for d in decls:
            if d.decl == "struct":
                checker.check_struct(d)
    for path, header, decls in parsed:
        owner = header.name.text if header is not None else None
        owner_type = checker.model.type_by_name(owner) if owner else None
        checker.model.files.append((path, owner))
        for d in decls:
            if d.decl == "syscall":
                if owner is None:
                    raise IdlError(d.loc, "a syscall needs the file to start with "
                                          "'type NAME = ID { ... }' or 'calls NAME;'")
                checker.check_syscall(d, owner, owner_type)
            elif d.decl == "protocol":
                checker.check_protocol(d)
    checker.model.syscalls.sort(key=lambda c: c.number)
    checker.model.types.sort(key=lambda t: t.id)
    checker.check_fixtures()
    checker.check_every_call_has_a_handle()
    return checker.model
