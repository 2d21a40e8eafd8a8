"""The kernel side of one system call: decode registers, check handles,
copy user memory, call <call>(), hand results back, clean up. What each
parameter kind contributes to each step is in the kind table (kinds.py).

Order, the same for every call (tests and docs rely on it):
  1. every `in handle` is looked up, in parameter order (BAD_HANDLE,
     WRONG_TYPE, ACCESS_DENIED; a denial is recorded); a `self_lookup`
     handle is only range-checked here (BAD_HANDLE): <call>() gets its
     value and looks it up in its own table operation, after step 2 (a
     denial it answers is recorded after it returns);
  2. scalars that do not fit their type, and sizes above their maximum,
     are refused (INVALID_ARGS, OUT_OF_RANGE);
  3. in-buffers, arrays and structs are copied in; handle arrays are looked
     up; out scalars marked `probe` are written with 0 (FAULT if they
     cannot be); moved handles are taken out of the caller's table (last: it
     cannot be undone, and <call>() owns them from then on, success or not);
  4. <call>() runs;
  5. on success, out handles are installed, then everything is copied out;
     a failure here closes the handles just installed (and `installed`
     out values) and returns FAULT.
     A call that may return BUFFER_TOO_SMALL still copies out its scalars
     and structs then (they report the sizes needed).

A call whose handle is `held` (gen_held) has nothing but results besides
it: the lookup keeps the table lock, <call>() (static inline, in
kern/obj/held_calls.h) reads what it reports under it without a reference
of its own, the lock goes, and the results are copied out.
"""

from .kinds import kernel_object_type, kind_of, reg, rights_expr, struct_ctype, type_macro
from .model import SCALARS

STACK_BUFFER = 256   # buffers up to this size live on the kernel stack


class Body:
    """The parts of one sys_<call>() body; the kind table fills them."""
    STACK_BUFFER = STACK_BUFFER

    def __init__(self, call, model):
        self.call, self.model, self.nr = call, model, call.macro
        self.index = {p.name: i for i, p in enumerate(call.params)}
        self.decls = ["\tstatus_t st = LO_OK;"]
        self.steps, self.probes, self.takes, self.cleanup, self.args = [], [], [], [], []
        self.installs, self.undo, self.after_call = [], [], []
        self.copy_handles, self.copy_data, self.copy_values = [], [], []
        self.uses_table = False

    def size_of(self, p):
        return reg(self.index[p.size_param])

    def actual_expr(self, actual):
        pname, _, field = actual.partition(".")
        if not field:
            return f"out_{pname}"
        st = self.model.struct_by_name(self.call.params[self.index[pname]].type_name)
        return f"(({st.ctype} *)buf_{pname})->{field}"


def held_param(call):
    return next((p for p in call.params if p.held), None)


def gen_prelude(call, model):
    """For a call with a `held` handle: its work once the table lock is
    taken (held_<call>, inline) and the version that waits for a taken lock
    (sys_<call>_wait, out of line, reached by a tail call), so that the
    common case, sys_<call>(), calls nothing and keeps no frame. Else ""."""
    held = held_param(call)
    if not held:
        return ""
    params = (", ".join(f"uint64_t {reg(i)}" for i in range(3)) + ",\n\t\t" +
              ", ".join(f"uint64_t {reg(i)}" for i in range(3, 6)))
    regs = ", ".join(reg(i) for i in range(6))
    decls, args, copies = [], [], []
    for i, p in enumerate(call.params):
        if p.held:
            decls.append(f"\tstruct cap_object *obj_{p.name} = NULL;")
            decls.append(f"\trights_t rights_{p.name} = 0;")
            args += [f"({kernel_object_type(p.type_name)} *)obj_{p.name}",
                     f"(cap_handle_t){reg(i)}", f"rights_{p.name}"]
            continue
        ctype = SCALARS[p.scalar] if p.kind == "scalar" else struct_ctype(p, model)
        decls.append(f"\t{ctype} out_{p.name};")
        args.append(f"&out_{p.name}")
        copies.append(f"\tst = copy_to_user({reg(i)}, &out_{p.name}, sizeof(out_{p.name}));")
        copies.append("\tif (st != LO_OK)\n\t\treturn st;")
    unused = [reg(i) for i in range(len(call.params), 6)]
    if unused:
        decls.append("\t" + " ".join(f"(void){r};" for r in unused))
    i = call.params.index(held)
    body = decls + [
        "\tstatus_t st;",
        "",
        f"\tst = dispatch_lookup_held(table, {call.macro}, {reg(i)}, {type_macro(held.type_name)},\n"
        f"\t\t\t\t  {rights_expr(held.rights)}, &obj_{held.name}, &rights_{held.name});",
        "\tif (st != LO_OK)\n\t\treturn st;",
        f"\tst = {call.impl}({', '.join(args)});",
        "\tcap_sys_unhold(table);",
        "\tif (st != LO_OK)\n\t\treturn st;"] + copies + ["\treturn LO_OK;"]
    return "\n".join([
        f"/* {call.name}, the table lock held (its handle is `held`). */",
        "static inline __attribute__((always_inline)) status_t",
        f"held_{call.name}(struct cap_table *table, {params})",
        "{"] + body + [
        "}",
        "",
        f"/* {call.name}, the table lock taken by another CPU: wait for it. */",
        f"static __attribute__((noinline)) status_t sys_{call.name}_wait({params})",
        "{",
        "\tstruct cap_table *table = current_handle_table();",
        "\tcap_sys_hold(table);",
        f"\treturn held_{call.name}(table, {regs});",
        "}"])


def gen_held(call, model):
    """sys_<call>() for a call with a `held` handle: take the table lock
    (or wait for it out of line) and run held_<call> (gen_prelude)."""
    regs = ", ".join(reg(i) for i in range(6))
    return "\n".join([
        "\tstruct cap_table *table = current_handle_table();",
        "\tif (!cap_sys_hold_try(table))",
        f"\t\treturn sys_{call.name}_wait({regs});",
        f"\treturn held_{call.name}(table, {regs});"])


def gen_call(call, model):
    """The body of sys_<call>(a0..a5) as C text."""
    if held_param(call):
        return gen_held(call, model)
    b = Body(call, model)
    params = list(enumerate(call.params))
    for i, p in params:                      # 1. handles, in order
        kind_of(p).lookup(b, i, p)
    looked_up = len(b.steps)
    for i, p in params:                      # 2. scalar ranges ...
        kind_of(p).check(b, i, p)
    for p in call.params:                    # ... and size limits
        if p.size_param:
            b.steps.append(f"\tif ({b.size_of(p)} > {p.max}) {{\n"
                           "\t\tst = LO_ERR_OUT_OF_RANGE;\n\t\tgoto out;\n\t}")
    for i, p in params:                      # 3. copies in, storage, arguments
        kind_of(p).copy(b, i, p)
    b.steps += b.probes                      # `probe` out scalars written
    own = [(i, p) for i, p in params if p.self_lookup]
    if own:
        # A self_lookup handle is looked up by the call itself; when a check
        # or probe fails before that, its own errors still come first.
        b.steps[looked_up:] = [s.replace("goto out;", "goto recheck;") for s in b.steps[looked_up:]]
    b.steps += b.takes                       # moved handles: taken last

    # 4. the implementation
    b.steps.append(f"\tst = {call.impl}({', '.join(b.args)});")
    b.steps += b.after_call
    partial = "BUFFER_TOO_SMALL" in call.errors and b.copy_values
    if partial:
        b.steps.append("\tif (st == LO_ERR_BUFFER_TOO_SMALL)\n\t\tgoto sizes;")
    results = b.installs or b.copy_handles or b.copy_data or b.copy_values
    if results:
        b.steps.append("\tif (st != LO_OK)\n\t\tgoto out;")

    # 5. results: install handles, copy handle values, data, then values
    def checked(lines):
        out = []
        for line in lines:
            out.append(line)
            out.append("\tif (st != LO_OK)\n\t\tgoto undo;")
        return out

    body = b.decls + [""] + b.steps
    if results:
        body += checked(b.installs) + checked(b.copy_handles) + checked(b.copy_data)
        if partial:
            body.append("sizes:")
            body.append("\t{\n\t\tstatus_t result = st;")
            for line in b.copy_values:
                body.append("\t" + line)
                body.append("\t\tif (st != LO_OK)\n\t\t\tgoto undo;")
            body.append("\t\tst = result;\n\t}")
        else:
            body += checked(b.copy_values)
        body.append("\tgoto out;")
        body.append("undo:   /* st holds the failure; take back what was installed */")
        body += b.undo
    unused = [reg(i) for i in range(len(call.params), 6)]
    if unused:
        body.insert(1, "\t" + " ".join(f"(void){r};" for r in unused))
    # A label for the early exits: any check, copy-in, or a call with results.
    if b.steps[:-1] or results:
        body.append("out:")
    body += b.cleanup
    if own and any("goto recheck;" in s for s in b.steps):
        i, p = own[0]
        body.insert(body.index("out:") if "out:" in body else len(body),
                    "\tgoto out;\nrecheck:   /* before the call: the handle's own errors first */\n"
                    f"\tst = dispatch_recheck({b.nr}, {reg(i)}, {type_macro(p.type_name)}, "
                    f"{rights_expr(p.rights)}, st);")
    body.append("\treturn st;")
    if b.uses_table:
        body.insert(0, "\tstruct cap_table *table = current_handle_table();")
    return "\n".join(body)
