"""The kernel side of one system call: decode registers, check handles,
copy user memory, call k_<call>(), hand results back, clean up.

Order, the same for every call (tests and docs rely on it):
  1. every `in handle` is looked up, in parameter order (BAD_HANDLE,
     WRONG_TYPE, ACCESS_DENIED; a denial is recorded);
  2. scalars that do not fit their type, and sizes above their maximum,
     are refused (INVALID_ARGS, OUT_OF_RANGE);
  3. in-buffers, arrays and structs are copied in; handle arrays are looked
     up; out scalars marked `probe` are written with 0 (FAULT if they
     cannot be); moved handles are taken out of the caller's table (last: it
     cannot be undone, and k_<call>() owns them from then on, success or not);
  4. k_<call>() runs;
  5. on success, out handles are installed, then everything is copied out;
     a failure here closes the handles just installed and returns FAULT.
     A call that may return BUFFER_TOO_SMALL still copies out its scalars
     and structs then (they report the sizes needed).
"""

from .cnames import element_ctype, kernel_object_type, rights_expr, type_macro
from .model import SCALARS

STACK_BUFFER = 256   # buffers up to this size live on the kernel stack
NARROW = {"u8": 8, "u16": 16, "u32": 32}


def reg(i):
    return f"a{i}"


def gen_call(call, model):
    """The body of sys_<call>(a0..a5) as C text."""
    index = {p.name: i for i, p in enumerate(call.params)}
    nr = call.macro
    decls = ["\tstruct cap_table *table = current_handle_table();", "\tstatus_t st = LO_OK;"]
    steps, cleanup = [], []
    installs, undo, copy_handles, copy_data, copy_values = [], [], [], [], []
    args = []

    def size_of(p):
        return f"{reg(index[p.size_param])}"

    def buffer_name(pname):
        return f"buf_{pname}"

    def actual_expr(actual):
        pname, _, field = actual.partition(".")
        if not field:
            return f"out_{pname}"
        st = model.struct_by_name(call.params[index[pname]].type_name)
        return f"(({st.ctype} *){buffer_name(pname)})->{field}"

    # 1. handles, in order
    for i, p in enumerate(call.params):
        if p.kind == "handle" and p.direction == "in":
            decls.append(f"\tstruct cap_object *obj_{p.name} = NULL;")
            decls.append(f"\trights_t rights_{p.name} = 0;")
            steps.append(f"\tst = dispatch_lookup(table, {nr}, {reg(i)}, {type_macro(p.type_name)},\n"
                         f"\t\t\t     {rights_expr(p.rights)}, &obj_{p.name}, &rights_{p.name});")
            steps.append("\tif (st != LO_OK)\n\t\tgoto out;")
            cleanup.append(f"\tif (obj_{p.name})\n\t\tcap_unref(obj_{p.name});")

    # 2. scalar ranges and size limits
    for i, p in enumerate(call.params):
        if p.kind == "scalar" and p.direction == "in" and p.scalar in NARROW:
            steps.append(f"\tif ({reg(i)} >> {NARROW[p.scalar]}) {{\n"
                         "\t\tst = LO_ERR_INVALID_ARGS;\n\t\tgoto out;\n\t}")
        if p.kind == "scalar" and p.direction == "in" and p.scalar == "i32":
            steps.append(f"\tif ((uint64_t)(int64_t)(int32_t){reg(i)} != {reg(i)}) {{\n"
                         "\t\tst = LO_ERR_INVALID_ARGS;\n\t\tgoto out;\n\t}")
    for p in call.params:
        if p.size_param:
            steps.append(f"\tif ({size_of(p)} > {p.max}) {{\n"
                         "\t\tst = LO_ERR_OUT_OF_RANGE;\n\t\tgoto out;\n\t}")

    # 3. copies in, results' storage, the argument list
    takes = []
    for i, p in enumerate(call.params):
        r = reg(i)
        if p.kind == "scalar" and p.direction == "in":
            args.append(f"({SCALARS[p.scalar]}){r}")
        elif p.kind == "scalar":
            decls.append(f"\t{SCALARS[p.scalar]} out_{p.name} = 0;")
            args.append(f"&out_{p.name}")
            copy_values.append(f"\tst = copy_to_user({r}, &out_{p.name}, sizeof(out_{p.name}));")
        elif p.kind == "handle" and p.direction == "in":
            args.append(f"({kernel_object_type(p.type_name)} *)obj_{p.name}")
            if p.pass_handle:
                args += [f"(cap_handle_t){r}", f"rights_{p.name}"]
        elif p.kind == "handle":
            decls.append(f"\t{kernel_object_type(p.type_name)} *new_{p.name} = NULL;")
            decls.append(f"\tcap_handle_t value_{p.name} = 0;")
            args.append(f"&new_{p.name}")
            cleanup.append(f"\tif (new_{p.name})\n\t\tcap_unref((struct cap_object *)new_{p.name});")
            granted = rights_expr(p.rights)
            if p.within:   # never more than the caller's handle holds
                granted = f"({granted}) & rights_{p.within}"
            installs.append(f"\tst = cap_install(table, (struct cap_object *)new_{p.name},\n"
                            f"\t\t\t {granted}, &value_{p.name});")
            undo.append(f"\tif (value_{p.name})\n\t\tcap_close(table, value_{p.name});")
            copy_handles.append(f"\tst = copy_to_user({r}, &value_{p.name}, sizeof(uint32_t));")
        elif p.kind in ("buffer", "array", "struct"):
            if p.kind == "buffer":
                elem, count, cast = "1", size_of(p), ""
            elif p.kind == "array":
                ctype = element_ctype(p, model)
                elem, count, cast = f"sizeof({ctype})", size_of(p), f"({ctype} *)"
            else:
                ctype = model.struct_by_name(p.type_name).ctype
                elem, count, cast = f"sizeof({ctype})", "1", f"({ctype} *)"
            buf = buffer_name(p.name)
            decls.append(f"\tuint64_t stack_{p.name}[{STACK_BUFFER // 8}];")
            decls.append(f"\tvoid *{buf} = NULL;")
            decls.append(f"\tuint64_t len_{p.name} = 0;")
            steps.append(f"\tlen_{p.name} = {count} * {elem};")
            steps.append(f"\tst = dispatch_buffer(&{buf}, stack_{p.name}, sizeof(stack_{p.name}), len_{p.name});")
            steps.append("\tif (st != LO_OK)\n\t\tgoto out;")
            cleanup.append(f"\tif ({buf} != (void *)stack_{p.name})\n\t\tkfree({buf});")
            if p.direction == "in":
                steps.append(f"\tst = copy_from_user({buf}, {r}, len_{p.name});")
                steps.append("\tif (st != LO_OK)\n\t\tgoto out;")
            else:
                length = f"len_{p.name}"
                if p.actual:
                    length = f"dispatch_min((uint64_t){actual_expr(p.actual)} * {elem}, len_{p.name})"
                target = copy_values if p.kind == "struct" else copy_data
                target.append(f"\tst = copy_to_user({r}, {buf}, {length});")
            args.append(f"{cast}{buf}")
        elif p.kind == "handles":
            vals, objs = f"values_{p.name}", f"objs_{p.name}"
            decls.append(f"\tuint32_t {vals}[{p.max}];")
            decls.append(f"\tstruct cap_object *{objs}[{p.max}] = {{ 0 }};")
            steps.append(f"\tst = copy_from_user({vals}, {r}, {size_of(p)} * sizeof(uint32_t));")
            steps.append("\tif (st != LO_OK)\n\t\tgoto out;")
            steps.append(f"\tfor (uint64_t i = 0; i < {size_of(p)}; i++) {{\n"
                         f"\t\tst = dispatch_lookup(table, {nr}, {vals}[i], {type_macro(p.type_name)},\n"
                         f"\t\t\t\t     {rights_expr(p.rights)}, &{objs}[i], NULL);\n"
                         "\t\tif (st != LO_OK)\n\t\t\tgoto out;\n\t}")
            cleanup.append(f"\tfor (uint32_t i = 0; i < {p.max}; i++) {{\n\t\tif ({objs}[i])\n"
                           f"\t\t\tcap_unref({objs}[i]);\n\t}}")
            args.append(objs)
            if p.pass_handle:
                args.append(vals)
        elif p.kind == "moved_handles" and p.direction == "in":
            vals, taken = f"values_{p.name}", f"taken_{p.name}"
            decls.append(f"\tuint32_t {vals}[{p.max}];")
            decls.append(f"\tstruct cap_taken {taken}[{p.max}];")
            steps.append(f"\tst = copy_from_user({vals}, {r}, {size_of(p)} * sizeof(uint32_t));")
            steps.append("\tif (st != LO_OK)\n\t\tgoto out;")
            takes.append(f"\tst = dispatch_take_all(table, {nr}, {vals}, {size_of(p)},\n"
                         f"\t\t\t       {rights_expr(p.rights)}, {taken});")
            takes.append("\tif (st != LO_OK)\n\t\tgoto out;")
            args.append(taken)
        elif p.kind == "moved_handles":
            taken = f"taken_{p.name}"
            decls.append(f"\tstruct cap_taken {taken}[{p.max}];")
            decls.append(f"\tuint32_t values_{p.name}[{p.max}];")
            decls.append(f"\tuint64_t installed_{p.name} = 0;")
            installs.append(f"\tst = dispatch_install_all(table, {taken}, {actual_expr(p.actual)},\n"
                            f"\t\t\t\t  values_{p.name}, &installed_{p.name});")
            undo.append(f"\tfor (uint64_t i = 0; i < installed_{p.name}; i++)\n"
                        f"\t\tcap_close(table, values_{p.name}[i]);")
            copy_handles.append(f"\tst = copy_to_user({r}, values_{p.name}, installed_{p.name} * sizeof(uint32_t));")
            args.append(taken)
    # An out scalar marked `probe` is written (0) now, before the call has
    # any effect: a call that cannot take back its effect (duplicate,
    # replace) then does not commit and lose its result to a bad pointer.
    for i, p in enumerate(call.params):
        if p.probe:
            steps.append(f"\tst = copy_to_user({reg(i)}, &out_{p.name}, sizeof(out_{p.name}));")
            steps.append("\tif (st != LO_OK)\n\t\tgoto out;")
    steps += takes

    # 4. the implementation
    steps.append(f"\tst = {call.impl}({', '.join(args)});")
    partial = "BUFFER_TOO_SMALL" in call.errors and copy_values
    if partial:
        steps.append("\tif (st == LO_ERR_BUFFER_TOO_SMALL)\n\t\tgoto sizes;")
    results = installs or copy_handles or copy_data or copy_values
    if results:
        steps.append("\tif (st != LO_OK)\n\t\tgoto out;")

    # 5. results: install handles, copy handle values, data, then values
    def checked(lines):
        out = []
        for line in lines:
            out.append(line)
            out.append("\tif (st != LO_OK)\n\t\tgoto undo;")
        return out

    body = decls + [""] + steps
    if results:
        body += checked(installs) + checked(copy_handles) + checked(copy_data)
        if partial:
            body.append("sizes:")
            body.append("\t{\n\t\tstatus_t result = st;")
            for line in copy_values:
                body.append("\t" + line)
                body.append("\t\tif (st != LO_OK)\n\t\t\tgoto undo;")
            body.append("\t\tst = result;\n\t}")
        else:
            body += checked(copy_values)
        body.append("\tgoto out;")
        body.append("undo:   /* st holds the failure; take back what was installed */")
        body += undo
    unused = [reg(i) for i in range(len(call.params), 6)]
    if unused:
        body.insert(2, "\t" + " ".join(f"(void){r};" for r in unused))
    if any("goto out" in line for line in body):
        body.append("out:")
    body += cleanup
    body.append("\treturn st;")
    if not any("table" in line for line in body[1:]):
        body.insert(2, "\t(void)table;")
    return "\n".join(body)
