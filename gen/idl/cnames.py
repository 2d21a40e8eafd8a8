"""C spellings of model things, shared by the emitters and templates. The
per-parameter spellings come from the kind table (kinds.py)."""

from .kinds import (element_ctype, kernel_object_type, kind_of, rights_expr,  # noqa: F401
                    type_macro, user_handle_type)


def kernel_param_decls(call, model):
    """The parameters of the kernel function that implements the call."""
    out = []
    for p in call.params:
        out += kind_of(p).kernel(p, model)
    return out or ["void"]


def kernel_prototype(call, model):
    return f"status_t {call.impl}({', '.join(kernel_param_decls(call, model))})"


def user_param_decls(call, model):
    """The parameters of the typed user binding lo_<call>()."""
    return [kind_of(p).user(p, model) for p in call.params] or ["void"]


def user_register_value(p):
    """How the binding puts a parameter in its register."""
    return kind_of(p).register(p)
