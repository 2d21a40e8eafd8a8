"""C spellings of model things, shared by the emitters and templates."""

from .model import SCALARS


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


def element_ctype(param, model):
    """C type of one element of an array parameter."""
    if param.scalar:
        return SCALARS[param.scalar]
    return model.struct_by_name(param.type_name).ctype


def kernel_param_decls(call, model):
    """The parameters of the hand-written <call>() function."""
    out = []
    for p in call.params:
        const = "const " if p.direction == "in" else ""
        if p.kind == "scalar":
            ctype = SCALARS[p.scalar]
            out.append(f"{ctype} {p.name}" if p.direction == "in" else f"{ctype} *{p.name}")
        elif p.kind == "handle" and p.direction == "in":
            out.append(f"{kernel_object_type(p.type_name)} *{p.name}")
            if p.pass_handle:
                out.append(f"cap_handle_t {p.name}_handle")
                out.append(f"rights_t {p.name}_rights")
        elif p.kind == "handle":
            out.append(f"{kernel_object_type(p.type_name)} **{p.name}")
        elif p.kind == "buffer":
            out.append(f"{const}void *{p.name}")
        elif p.kind == "array":
            out.append(f"{const}{element_ctype(p, model)} *{p.name}")
        elif p.kind == "struct":
            out.append(f"{const}{model.struct_by_name(p.type_name).ctype} *{p.name}")
        elif p.kind == "handles":
            out.append(f"struct cap_object **{p.name}")
        elif p.kind == "moved_handles":
            out.append(f"struct cap_taken *{p.name}")
    return out or ["void"]


def kernel_prototype(call, model):
    return f"status_t {call.impl}({', '.join(kernel_param_decls(call, model))})"


def user_param_decls(call, model):
    """The parameters of the typed user binding lo_<call>()."""
    out = []
    for p in call.params:
        const = "const " if p.direction == "in" else ""
        if p.kind == "scalar":
            ctype = SCALARS[p.scalar]
            out.append(f"{ctype} {p.name}" if p.direction == "in" else f"{ctype} *{p.name}")
        elif p.kind == "handle":
            ht = user_handle_type(p.type_name)
            out.append(f"{ht} {p.name}" if p.direction == "in" else f"{ht} *{p.name}")
        elif p.kind == "buffer":
            out.append(f"{const}void *{p.name}")
        elif p.kind == "array":
            out.append(f"{const}{element_ctype(p, model)} *{p.name}")
        elif p.kind == "struct":
            out.append(f"{const}{model.struct_by_name(p.type_name).ctype} *{p.name}")
        else:   # handles, moved_handles
            out.append(f"{const}{user_handle_type(p.type_name)} *{p.name}")
    return out or ["void"]


def user_register_value(p):
    """How the binding puts a parameter in its register."""
    if p.kind == "scalar" and p.direction == "in":
        return f"(uint64_t){p.name}"
    if p.kind == "handle" and p.direction == "in":
        return f"(uint64_t){p.name}.value"
    return f"(uint64_t)(uintptr_t){p.name}"
