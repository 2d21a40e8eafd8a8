"""One table for every parameter kind, keyed by (kind, direction): how the
parameter is declared in the kernel function and in the user binding, how
the binding puts it in its register, and what the dispatch does with it
(look up, check, copy in, result storage, copy out, clean up).

The dispatch (dispatch.py) runs the phases in a fixed order over all
parameters; each entry only says what its kind does in each phase.
"""
from dataclasses import dataclass
from typing import Callable

from .model import SCALARS

NARROW = {"u8": 8, "u16": 16, "u32": 32}


def kernel_object_type(type_name):
    """The kernel struct a handle of this type names (`any`: the header)."""
    return "struct cap_object" if type_name == "any" else f"struct {type_name}"


def user_handle_type(type_name):
    return "lo_handle_t" if type_name == "any" else f"lo_{type_name}_t"


def type_macro(type_name):
    return "CAP_TYPE_ANY" if type_name == "any" else f"LO_TYPE_{type_name.upper()}"


def rights_expr(rights):
    if not rights:
        return "LO_RIGHT_NONE"
    return " | ".join(r.macro for r in rights)


def element_ctype(p, model):
    """C type of one element of an array parameter."""
    if p.scalar:
        return SCALARS[p.scalar]
    return model.struct_by_name(p.type_name).ctype


def struct_ctype(p, model):
    return model.struct_by_name(p.type_name).ctype


def const(p):
    return "const " if p.direction == "in" else ""


def reg(i):
    return f"a{i}"


def fail(lines, label="out"):
    lines.append(f"\tif (st != LO_OK)\n\t\tgoto {label};")


# --- dispatch phases, one function per kind that does something there ---

def lookup_handle(d, i, p):
    if p.self_lookup:
        # The implementation looks it up itself, as part of its one table
        # operation; only the range here, and a denial it answers recorded.
        d.steps.append(f"\tif ({reg(i)} >> 32) {{\n"
                       "\t\tst = LO_ERR_BAD_HANDLE;\n\t\tgoto out;\n\t}")
        if p.rights:
            d.after_call.append(f"\tif (__builtin_expect(st != LO_OK, 0) && st == LO_ERR_ACCESS_DENIED)\n"
                                f"\t\tdispatch_own_denial({d.nr}, {reg(i)}, {rights_expr(p.rights)});")
        return
    d.uses_table = True
    d.decls.append(f"\tstruct cap_object *obj_{p.name} = NULL;")
    d.decls.append(f"\trights_t rights_{p.name} = 0;")
    d.steps.append(f"\tst = dispatch_lookup(table, {d.nr}, {reg(i)}, {type_macro(p.type_name)},\n"
                   f"\t\t\t     {rights_expr(p.rights)}, &obj_{p.name}, &rights_{p.name});")
    fail(d.steps)
    d.cleanup.append(f"\tif (obj_{p.name})\n\t\tcap_unref(obj_{p.name});")


def range_scalar(d, i, p):
    r = reg(i)
    if p.scalar in NARROW:
        d.steps.append(f"\tif ({r} >> {NARROW[p.scalar]}) {{\n"
                       "\t\tst = LO_ERR_INVALID_ARGS;\n\t\tgoto out;\n\t}")
    elif p.scalar == "i32":
        d.steps.append(f"\tif ((uint64_t)(int64_t)(int32_t){r} != {r}) {{\n"
                       "\t\tst = LO_ERR_INVALID_ARGS;\n\t\tgoto out;\n\t}")


def copy_scalar_in(d, i, p):
    d.args.append(f"({SCALARS[p.scalar]}){reg(i)}")


def copy_scalar_out(d, i, p):
    d.decls.append(f"\t{SCALARS[p.scalar]} out_{p.name} = 0;")
    d.args.append(f"&out_{p.name}")
    d.copy_values.append(f"\tst = copy_to_user({reg(i)}, &out_{p.name}, sizeof(out_{p.name}));")
    if p.probe:
        # Written (0) now, before the call has any effect: a call that cannot
        # take back its effect (duplicate, replace) then does not commit and
        # lose its result to a bad pointer.
        d.probes.append(f"\tst = copy_to_user({reg(i)}, &out_{p.name}, sizeof(out_{p.name}));")
        fail(d.probes)
    if p.installed:
        # A handle value the call installed: without a copy-out nobody could
        # ever name it, so it is closed again.
        d.undo.append(f"\tif (out_{p.name})\n\t\tcap_close(current_handle_table(), out_{p.name});")


def copy_handle_in(d, i, p):
    if p.self_lookup:
        d.args.append(f"(cap_handle_t){reg(i)}")
        return
    d.args.append(f"({kernel_object_type(p.type_name)} *)obj_{p.name}")
    if p.pass_handle:
        d.args += [f"(cap_handle_t){reg(i)}", f"rights_{p.name}"]


def copy_handle_out(d, i, p):
    d.uses_table = True
    d.decls.append(f"\t{kernel_object_type(p.type_name)} *new_{p.name} = NULL;")
    d.decls.append(f"\tcap_handle_t value_{p.name} = 0;")
    d.args.append(f"&new_{p.name}")
    d.cleanup.append(f"\tif (new_{p.name})\n\t\tcap_unref((struct cap_object *)new_{p.name});")
    granted = rights_expr(p.rights)
    if p.within:   # never more than the caller's handle holds
        granted = f"({granted}) & rights_{p.within}"
    d.installs.append(f"\tst = cap_install(table, (struct cap_object *)new_{p.name},\n"
                      f"\t\t\t {granted}, &value_{p.name});")
    d.undo.append(f"\tif (value_{p.name})\n\t\tcap_close(table, value_{p.name});")
    d.copy_handles.append(f"\tst = copy_to_user({reg(i)}, &value_{p.name}, sizeof(uint32_t));")


def copy_memory(d, i, p):
    """Buffers, arrays and structs: kernel memory, copied in or out."""
    model = d.model
    if p.kind == "buffer":
        elem, count, cast = "1", d.size_of(p), ""
    elif p.kind == "array":
        ctype = element_ctype(p, model)
        elem, count, cast = f"sizeof({ctype})", d.size_of(p), f"({ctype} *)"
    else:
        ctype = struct_ctype(p, model)
        elem, count, cast = f"sizeof({ctype})", "1", f"({ctype} *)"
    buf = f"buf_{p.name}"
    d.decls.append(f"\tuint64_t stack_{p.name}[{d.STACK_BUFFER // 8}];")
    d.decls.append(f"\tvoid *{buf} = NULL;")
    d.decls.append(f"\tuint64_t len_{p.name} = 0;")
    d.steps.append(f"\tlen_{p.name} = {count} * {elem};")
    d.steps.append(f"\tst = dispatch_buffer(&{buf}, stack_{p.name}, sizeof(stack_{p.name}), len_{p.name});")
    fail(d.steps)
    d.cleanup.append(f"\tif ({buf} != (void *)stack_{p.name})\n\t\tkfree({buf});")
    if p.direction == "in":
        d.steps.append(f"\tst = copy_from_user({buf}, {reg(i)}, len_{p.name});")
        fail(d.steps)
    else:
        length = f"len_{p.name}"
        if p.actual:
            length = f"dispatch_min((uint64_t){d.actual_expr(p.actual)} * {elem}, len_{p.name})"
        target = d.copy_values if p.kind == "struct" else d.copy_data
        target.append(f"\tst = copy_to_user({reg(i)}, {buf}, {length});")
    d.args.append(f"{cast}{buf}")


def copy_handles_in(d, i, p):
    d.uses_table = True
    vals, objs, n = f"values_{p.name}", f"objs_{p.name}", d.size_of(p)
    d.decls.append(f"\tuint32_t {vals}[{p.max}];")
    d.decls.append(f"\tstruct cap_object *{objs}[{p.max}] = {{ 0 }};")
    d.steps.append(f"\tst = copy_from_user({vals}, {reg(i)}, {n} * sizeof(uint32_t));")
    fail(d.steps)
    d.steps.append(f"\tfor (uint64_t i = 0; i < {n}; i++) {{\n"
                   f"\t\tst = dispatch_lookup(table, {d.nr}, {vals}[i], {type_macro(p.type_name)},\n"
                   f"\t\t\t\t     {rights_expr(p.rights)}, &{objs}[i], NULL);\n"
                   "\t\tif (st != LO_OK)\n\t\t\tgoto out;\n\t}")
    d.cleanup.append(f"\tfor (uint32_t i = 0; i < {p.max}; i++) {{\n\t\tif ({objs}[i])\n"
                     f"\t\t\tcap_unref({objs}[i]);\n\t}}")
    d.args.append(objs)
    if p.pass_handle:
        d.args.append(vals)


def copy_moved_in(d, i, p):
    d.uses_table = True
    vals, taken, n = f"values_{p.name}", f"taken_{p.name}", d.size_of(p)
    d.decls.append(f"\tuint32_t {vals}[{p.max}];")
    d.decls.append(f"\tstruct cap_taken {taken}[{p.max}];")
    d.steps.append(f"\tst = copy_from_user({vals}, {reg(i)}, {n} * sizeof(uint32_t));")
    fail(d.steps)
    # Taken last of all (it cannot be undone): the implementation owns them.
    d.takes.append(f"\tst = dispatch_take_all(table, {d.nr}, {vals}, {n},\n"
                   f"\t\t\t       {rights_expr(p.rights)}, {taken});")
    fail(d.takes)
    d.args.append(taken)


def copy_moved_out(d, i, p):
    d.uses_table = True
    taken = f"taken_{p.name}"
    d.decls.append(f"\tstruct cap_taken {taken}[{p.max}];")
    d.decls.append(f"\tuint32_t values_{p.name}[{p.max}];")
    d.decls.append(f"\tuint64_t installed_{p.name} = 0;")
    d.installs.append(f"\tst = dispatch_install_all(table, {taken}, {d.actual_expr(p.actual)},\n"
                      f"\t\t\t\t  values_{p.name}, &installed_{p.name});")
    d.undo.append(f"\tfor (uint64_t i = 0; i < installed_{p.name}; i++)\n"
                  f"\t\tcap_close(table, values_{p.name}[i]);")
    d.copy_handles.append(f"\tst = copy_to_user({reg(i)}, values_{p.name}, installed_{p.name} * sizeof(uint32_t));")
    d.args.append(taken)


def pointer_reg(p):
    return f"(uint64_t)(uintptr_t){p.name}"


def nothing(d, i, p):
    pass


@dataclass
class Kind:
    kernel: Callable      # (p, model) -> [C parameter declarations] of the implementation
    user: Callable        # (p, model) -> C parameter declaration of lo_<call>()
    register: Callable    # (p) -> how lo_<call>() passes it
    lookup: Callable = nothing    # dispatch phase 1: handle lookups
    check: Callable = nothing     # dispatch phase 2: range checks
    copy: Callable = nothing      # dispatch phase 3: copies in, result storage, arguments


KINDS = {
    ("scalar", "in"): Kind(
        kernel=lambda p, m: [f"{SCALARS[p.scalar]} {p.name}"],
        user=lambda p, m: f"{SCALARS[p.scalar]} {p.name}",
        register=lambda p: f"(uint64_t){p.name}",
        check=range_scalar, copy=copy_scalar_in),
    ("scalar", "out"): Kind(
        kernel=lambda p, m: [f"{SCALARS[p.scalar]} *{p.name}"],
        user=lambda p, m: f"{SCALARS[p.scalar]} *{p.name}",
        register=pointer_reg, copy=copy_scalar_out),
    ("handle", "in"): Kind(
        kernel=lambda p, m: [f"cap_handle_t {p.name}_handle"] if p.self_lookup else
        [f"{kernel_object_type(p.type_name)} *{p.name}"] +
        ([f"cap_handle_t {p.name}_handle", f"rights_t {p.name}_rights"]
         if p.pass_handle or p.held else []),
        user=lambda p, m: f"{user_handle_type(p.type_name)} {p.name}",
        register=lambda p: f"(uint64_t){p.name}.value",
        lookup=lookup_handle, copy=copy_handle_in),
    ("handle", "out"): Kind(
        kernel=lambda p, m: [f"{kernel_object_type(p.type_name)} **{p.name}"],
        user=lambda p, m: f"{user_handle_type(p.type_name)} *{p.name}",
        register=pointer_reg, copy=copy_handle_out),
    ("handles", "in"): Kind(
        kernel=lambda p, m: [f"struct cap_object **{p.name}"] +
        ([f"const uint32_t *{p.name}_handles"] if p.pass_handle else []),
        user=lambda p, m: f"const {user_handle_type(p.type_name)} *{p.name}",
        register=pointer_reg, copy=copy_handles_in),
    ("moved_handles", "in"): Kind(
        kernel=lambda p, m: [f"struct cap_taken *{p.name}"],
        user=lambda p, m: f"const {user_handle_type(p.type_name)} *{p.name}",
        register=pointer_reg, copy=copy_moved_in),
    ("moved_handles", "out"): Kind(
        kernel=lambda p, m: [f"struct cap_taken *{p.name}"],
        user=lambda p, m: f"{user_handle_type(p.type_name)} *{p.name}",
        register=pointer_reg, copy=copy_moved_out),
}
for _dir in ("in", "out"):
    KINDS[("buffer", _dir)] = Kind(
        kernel=lambda p, m: [f"{const(p)}void *{p.name}"],
        user=lambda p, m: f"{const(p)}void *{p.name}",
        register=pointer_reg, copy=copy_memory)
    KINDS[("array", _dir)] = Kind(
        kernel=lambda p, m: [f"{const(p)}{element_ctype(p, m)} *{p.name}"],
        user=lambda p, m: f"{const(p)}{element_ctype(p, m)} *{p.name}",
        register=pointer_reg, copy=copy_memory)
    KINDS[("struct", _dir)] = Kind(
        kernel=lambda p, m: [f"{const(p)}{struct_ctype(p, m)} *{p.name}"],
        user=lambda p, m: f"{const(p)}{struct_ctype(p, m)} *{p.name}",
        register=pointer_reg, copy=copy_memory)


def kind_of(p):
    return KINDS[(p.kind, p.direction)]
