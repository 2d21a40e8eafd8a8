"""Everything generated from the model: file name -> contents.

Nothing is written here; idlc.py writes the whole set only when every
file rendered, so an error leaves no half-generated tree behind.
"""
import json
import os

import jinja2

from .cnames import (kernel_prototype, rights_expr, type_macro, user_param_decls,
                     user_register_value)
from .dispatch import gen_call, gen_prelude
from .errors import IdlError
from .protocols import render_protocols

TEMPLATES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates")



def syscall_slots(model, limit):
    """The dispatch table, every number filled: a call's sys_ function or
    sys_bad_number (so the entry needs no NULL check)."""
    slots = ["sys_bad_number"] * limit
    for c in model.syscalls:
        slots[c.number] = f"sys_{c.name}"
    return slots

def environment():
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                              trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def rights_names(rights):
    return [r.name for r in rights]


def needs_text(call):
    """"Needs: channel WRITE; handles TRANSFER." for a binding's comment."""
    parts = [f"{p.name} {' + '.join(rights_names(p.rights))}" for p in call.params
             if p.direction == "in" and p.kind in ("handle", "handles", "moved_handles") and p.rights]
    return "Needs: " + "; ".join(parts) + "." if parts else ""


def rights_data(model):
    """The auditor's input: types, and for every call the rights it needs."""
    types = {}
    for t in model.types:
        types[t.name] = {
            "id": t.id,
            "rights": {r.name: r.value for r in t.rights},
            "default_rights": rights_names(t.default_rights),
            "signals": {s.name: s.bit for s in t.signals},
        }
    calls = []
    for c in model.syscalls:
        params = []
        for p in c.params:
            entry = {"name": p.name, "direction": p.direction, "kind": p.kind}
            if p.kind in ("handle", "handles", "moved_handles"):
                entry["type"] = p.type_name
                key = "grants" if p.direction == "out" else "requires"
                entry[key] = rights_names(p.rights)
            params.append(entry)
        calls.append({"name": c.name, "number": c.number, "owner": c.owner, "doc": c.doc,
                      "params": params, "errors": c.errors, "blocking": c.blocking})
    protocols = []
    for pr in model.protocols:
        methods = []
        for m in pr.methods:
            handles = [{"field": f.name, "type": f.type_name, "requires": rights_names(f.rights)}
                       for f in m.request if f.kind == "handle"]
            methods.append({"name": m.name, "ordinal": m.ordinal, "request_handles": handles,
                            "requires": rights_names(m.requires)})
        protocols.append({"name": pr.name, "methods": methods,
                          "rights": {r.name: r.value for r in pr.rights}})
    return {
        "generic_rights": {name: r.value for name, r in model.generic_rights.items()},
        "types": types,
        "syscalls": calls,
        "protocols": protocols,
    }


def fixture_data(model):
    """For each type: how fixture() in the negative tests makes one."""
    out = []
    for t in model.types:
        f = t.fixture
        if f is None:
            continue
        if f.external:
            out.append({"type_macro": t.macro, "external": True})
            continue
        c = f.call
        index = {p.name: i for i, p in enumerate(c.params)}
        setup, keep = [], None
        for i, p in enumerate(c.params):
            if p.direction == "in" and p.kind == "handle":
                setup.append(f"in[nin] = fixture({type_macro(p.type_name)});")
                setup.append(f"a[{i}] = in[nin++].value;")
            elif p.direction == "in" and p.kind == "buffer":
                setup.append(f'a[{i}] = (uint64_t)(uintptr_t)"fixture";')
                setup.append(f"a[{index[p.size_param]}] = 7;")
            elif p.direction == "in" and p.name in f.values:
                setup.append(f"a[{i}] = {f.values[p.name]};")
            elif p.direction == "out" and p.kind == "handle":
                setup.append(f"a[{i}] = (uint64_t)(uintptr_t)&out[{i}];")
                if keep is None and p.type_name == t.name:
                    keep = i
            elif p.direction == "out":
                setup.append(f"a[{i}] = (uint64_t)(uintptr_t)scratch;")
        out.append({"type_macro": t.macro, "external": False, "setup": setup,
                    "call_macro": c.macro, "keep": keep,
                    "rights": f"LO_DEFAULT_RIGHTS_{t.name.upper()}"})
    return out


def negative_test_data(model):
    """One entry per (call, in handle or moved-handle parameter)."""
    tests = []
    for c in model.syscalls:
        handle_params = [(i, p) for i, p in enumerate(c.params)
                         if p.direction == "in" and p.kind in ("handle", "moved_handles")]
        for k, (i, p) in enumerate(handle_params):
            t = model.type_by_name(p.type_name) or pick_any_fixture(model, p)
            moved = p.kind == "moved_handles"
            others = [(j, q) for j, q in handle_params if q.kind == "handle" and (moved or j < i)]
            other = other_type(model, t) if p.type_name != "any" and not moved else None
            tests.append({
                "fname": f"neg_{c.name}_{p.name}", "name": f"neg.{c.name}.{p.name}",
                "call": c.macro, "index": i, "moved": moved,
                "count_index": c.params.index(next(q for q in c.params if q.name == p.size_param))
                if moved else 0,
                "slot": "moved[0]" if moved else f"a[{i}]",
                "fixtures": [(j, type_macro(q.type_name) if q.type_name != "any"
                              else pick_any_fixture(model, q).macro) for j, q in others],
                "base_type": t.macro, "base_mask": f"LO_DEFAULT_RIGHTS_{t.name.upper()}",
                "lacks": p.rights, "other": other.macro if other else None,
                # A moved handle is taken last, after the in structs are
                # read: those point at zeroed memory, so only it can fail.
                "scratch": [j for j, q in enumerate(c.params)
                            if moved and q.direction == "in" and q.kind == "struct"],
            })
    count = sum(len(t["lacks"]) + (1 if t["other"] else 0) + 1 for t in tests)
    return tests, count


def negative_tests(model, env):
    """C source of the in-guest negative-rights tests, and how many there are."""
    tests, count = negative_test_data(model)
    handles_tests, handles_count = handles_negative_data(model)
    count += handles_count
    externals = [t.name for t in model.types if t.fixture and t.fixture.external]
    text = env.get_template("negative_rights.c.j2").render(
        tests=tests, handles_tests=handles_tests, count=count,
        fixtures=fixture_data(model), externals=externals)
    return text, count


HANDLES_FILLED = 3   # handles an array test passes (at most the array's max)


def handles_negative_data(model):
    """One entry per in `handles` parameter: an array of valid handles where
    one, at each position in turn, lacks a required right (ACCESS_DENIED)
    or is closed (BAD_HANDLE). Single handles get valid fixtures, the count
    parameter says how many, every other in-memory argument points at
    zeroed scratch memory, so only the array can fail."""
    tests = []
    for c in model.syscalls:
        for i, p in enumerate(c.params):
            if p.kind != "handles" or p.direction != "in":
                continue
            t = model.type_by_name(p.type_name) or pick_any_fixture(model, p)
            fixtures, scratch = [], []
            for j, q in enumerate(c.params):
                if q.kind == "handle" and q.direction == "in":
                    qt = model.type_by_name(q.type_name) or pick_any_fixture(model, q)
                    fixtures.append((j, qt.macro))
                elif j != i and q.kind in ("buffer", "array", "struct", "handles", "moved_handles"):
                    scratch.append(j)
            tests.append({
                "fname": f"neg_{c.name}_{p.name}", "name": f"neg.{c.name}.{p.name}",
                "call": c.macro, "index": i, "n": min(p.max, HANDLES_FILLED),
                "count_index": next(j for j, q in enumerate(c.params) if q.name == p.size_param),
                "fixtures": fixtures, "scratch": scratch,
                "base_type": t.macro, "base_mask": f"LO_DEFAULT_RIGHTS_{t.name.upper()}",
                "lacks": p.rights,
            })
    count = sum(t["n"] * (len(t["lacks"]) + 1) for t in tests)
    return tests, count


def other_type(model, t):
    """A buildable type that is not t, for the wrong-type test: an event if possible."""
    others = [o for o in model.types if o.name != t.name and o.fixture is not None]
    preferred = [o for o in others if o.name == "event"]
    return (preferred or others or [None])[0]


def pick_any_fixture(model, param):
    """For a handle of any type: a buildable type whose defaults hold every
    right needed (an event if it can)."""
    need = param.rights_mask
    fits = [t for t in model.types if t.fixture is not None and t.default_mask & need == need]
    preferred = [t for t in fits if t.name == "event"]
    if not fits:
        raise IdlError(param.loc, f"no type the tests can make holds the rights {param.name!r} needs")
    return (preferred or fits)[0]


def docs(model, env):
    files = {}
    owners = []
    for path, owner in model.files:
        if owner is None:
            continue
        t = model.type_by_name(owner)
        calls = [c for c in model.syscalls if c.owner == owner]
        structs = structs_used(model, calls)
        files[f"docs/{owner}.md"] = env.get_template("doc_owner.md.j2").render(
            owner=owner, t=t, calls=calls, structs=structs, model=model,
            source=os.path.basename(path), rights_names=rights_names)
        owners.append((owner, t))
    for pr in model.protocols:
        files[f"docs/protocol_{pr.name}.md"] = env.get_template("doc_protocol.md.j2").render(pr=pr, rights_names=rights_names)
    files["docs/index.md"] = env.get_template("doc_index.md.j2").render(
        owners=owners, model=model, rights_names=rights_names)
    return files


def structs_used(model, calls):
    names = []
    for c in calls:
        for p in c.params:
            if p.kind in ("struct", "array") and p.type_name and p.type_name not in names:
                names.append(p.type_name)
    return [model.struct_by_name(n) for n in names]


def generate(model):
    env = environment()
    # A call with a `held` handle is static inline in kern/obj/held_calls.h
    # (the dispatch includes it): no extern prototype.
    protos = {c.name: None if any(p.held for p in c.params) else kernel_prototype(c, model)
              for c in model.syscalls}
    held = any(p.held for c in model.syscalls for p in c.params)
    own_denial = any(p.self_lookup and p.rights for c in model.syscalls for p in c.params)
    bodies = {c.name: gen_call(c, model) for c in model.syscalls}
    preludes = {c.name: gen_prelude(c, model) for c in model.syscalls}
    user_params = {c.name: ", ".join(user_param_decls(c, model)) for c in model.syscalls}
    user_regs = {c.name: [user_register_value(p) for p in c.params] for c in model.syscalls}
    user_needs = {c.name: needs_text(c) for c in model.syscalls}
    limit = max(c.number for c in model.syscalls) + 1
    files = {
        "include/lightos/abi.h": env.get_template("abi.h.j2").render(model=model, syscall_limit=limit),
        "include/lightos/status_names.h": env.get_template("status_names.h.j2").render(model=model),
        "kern/k_objects.h": env.get_template("k_objects.h.j2").render(model=model, protos=protos),
        "kern/dispatch.c": env.get_template("dispatch.c.j2").render(
            model=model, bodies=bodies, syscall_slots=syscall_slots(model, limit), held=held, preludes=preludes,
            own_denial=own_denial),
        "include/lightos/syscalls.h": env.get_template("syscalls.h.j2").render(
            model=model, user_params=user_params, user_regs=user_regs, user_needs=user_needs),
        "rights.json": json.dumps(rights_data(model), indent=2, sort_keys=True) + "\n",
    }
    neg, _ = negative_tests(model, env)
    files["tests/negative_rights.c"] = neg
    files.update(render_protocols(model, env))
    files.update(docs(model, env))
    return files
