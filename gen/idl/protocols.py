"""User-level protocols (registry, file, ...): message structs, client stubs
and a server dispatch skeleton, all over channels. The C comes from
templates/protocols.{h,c}.j2; what each field kind contributes is in
FIELD_KINDS below.

Wire format: every message starts with struct lo_msg_header {txid,
ordinal}; fields follow in declaration order (a string is a u32 length and
a fixed-size byte array); handles travel in the channel message's handle
list, in the order the handle fields are declared. One call at a time per
channel: the client writes a request and waits for the matching response.
"""
from dataclasses import dataclass
from typing import Callable

from .model import SCALARS
from .dispatch import STACK_BUFFER


def none(f):
    return []


@dataclass
class FieldKind:
    decl: Callable            # the message struct's members
    client_in: Callable       # client stub parameters for a request field
    client_out: Callable      # client stub parameters for a response field
    fill: Callable = none     # request: client copies the argument in
    copy: Callable = none     # response: client copies the field out


FIELD_KINDS = {
    "scalar": FieldKind(
        decl=lambda f: [f"\t{SCALARS[f.scalar]} {f.name};"],
        client_in=lambda f: [f"{SCALARS[f.scalar]} {f.name}"],
        client_out=lambda f: [f"{SCALARS[f.scalar]} *{f.name}"],
        fill=lambda f: [f"\treq.{f.name} = {f.name};"],
        copy=lambda f: [f"\t*{f.name} = resp.{f.name};"]),
    "string": FieldKind(
        decl=lambda f: [f"\tuint32_t {f.name}_len;", f"\tchar {f.name}[{f.max}];"],
        client_in=lambda f: [f"const char *{f.name}", f"uint32_t {f.name}_len"],
        client_out=lambda f: [f"char *{f.name}", f"uint32_t {f.name}_max", f"uint32_t *{f.name}_len"],
        fill=lambda f: [f"\tif ({f.name}_len > sizeof(req.{f.name}))",
                        "\t\treturn LO_ERR_NAME_TOO_LONG;",
                        f"\treq.{f.name}_len = {f.name}_len;",
                        f"\tcopy_bytes(req.{f.name}, {f.name}, {f.name}_len);"],
        copy=lambda f: [f"\t*{f.name}_len = resp.{f.name}_len;",
                        f"\tif (resp.{f.name}_len > {f.name}_max || resp.{f.name}_len > sizeof(resp.{f.name}))",
                        "\t\treturn LO_ERR_BUFFER_TOO_SMALL;",
                        f"\tcopy_bytes({f.name}, resp.{f.name}, resp.{f.name}_len);"]),
    "handle": FieldKind(        # travels in the message's handle list
        decl=none,
        client_in=lambda f: [f"lo_handle_t {f.name}"],
        client_out=lambda f: [f"lo_handle_t *{f.name}"]),
}


def each(fields, what):
    out = []
    for f in fields:
        out += getattr(FIELD_KINDS[f.kind], what)(f)
    return out


def handle_fields(fields):
    return [f for f in fields if f.kind == "handle"]


def handle_check(f):
    """What the server checks of a request handle: (type, rights) as C, or
    None when any handle will do."""
    htype = "0" if f.type_name in ("", "any") else f"LO_TYPE_{f.type_name.upper()}"
    if not f.rights and htype == "0":
        return None
    return htype, " | ".join(r.macro for r in f.rights) or "0"


def struct_name(pr, m, part):
    return f"struct lo_{pr.name}_{m.name}_{part}"


def client_params(m):
    return ["lo_channel_t ch"] + each(m.request, "client_in") + each(m.response, "client_out")


def client_proto(pr, m, until=False):
    """A client stub's prototype; `until`: the variant of a method declared
    with `deadline`, which takes the wait's deadline after the channel."""
    params = client_params(m)
    if until:
        params = params[:1] + ["uint64_t deadline"] + params[1:]
        return f"status_t lo_{pr.name}_{m.name}_until({', '.join(params)})"
    return f"status_t lo_{pr.name}_{m.name}({', '.join(params)})"


def client_call_until(pr, m):
    """The plain stub's body for a method with `deadline`: the variant, with none."""
    names = [p.split()[-1].lstrip("*") for p in client_params(m)]
    return f"lo_{pr.name}_{m.name}_until({', '.join(names[:1] + ['UINT64_MAX'] + names[1:])})"


def handler_params(pr, m):
    """A server handler's parameters and the skeleton's arguments: only what
    the method uses (a request with fields, request handles, a response with
    more than its status, response handles)."""
    params, args = ["void *ctx"], ["ctx"]
    if any(f.kind != "handle" for f in m.request):
        params.append(f"const {struct_name(pr, m, 'request')} *req")
        args.append(f"&req.{m.name}")
    if handle_fields(m.request):
        params.append("const lo_handle_t *handles")
        args.append("handles")
    if any(f.name != "status" for f in m.response):
        params.append(f"{struct_name(pr, m, 'response')} *resp")
        args.append(f"&resp.{m.name}")
    if handle_fields(m.response):
        params += ["lo_handle_t *resp_handles", "uint32_t *resp_nhandles"]
        args += ["resp_handles", "&resp_nhandles"]
    return params, args


def render_protocols(model, env):
    helpers = dict(model=model, struct_name=struct_name, client_proto=client_proto,
                   client_call_until=client_call_until,
                   handler_params=handler_params, handle_fields=handle_fields,
                   handle_check=handle_check,
                   field_decls=lambda fields: each(fields, "decl"),
                   request_fill=lambda fields: each(fields, "fill"),
                   response_copy=lambda fields: each(fields, "copy"),
                   small_read=STACK_BUFFER)
    count = sum(1 + len(m.requires) for pr in model.protocols for m in pr.methods if m.requires)
    return {"include/lightos/protocols.h": env.get_template("protocols.h.j2").render(**helpers),
            "libos/protocols.c": env.get_template("protocols.c.j2").render(**helpers),
            "tests/negative_protocols.c": env.get_template("negative_protocols.c.j2").render(
                count=count, **helpers)}
