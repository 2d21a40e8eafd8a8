"""Every semantic error the checker reports: exit 1, a precise message,
nothing written."""
import os

import pytest

from conftest import compile_scratch, write_idl

TYPE = 'type thing = 5 {\n    doc "x";\n    right TUNE = 16;\n    signal READY = 0;\n    default_rights READ | WRITE | TRANSFER | TUNE;\n}\n'


def check_error(scratch, text, message, extra=()):
    write_idl(scratch, "a.idl", text)
    rc, out, err = compile_scratch(scratch, *extra)
    assert rc == 1, err
    assert message in err, err
    assert "a.idl:" in err or "error:" in err
    assert not (scratch / "out").exists() or not os.listdir(scratch / "out")
    return err


CASES = [
    ("unknown type", TYPE + 'syscall s = 1 { doc "d"; in handle<nothing> h; }', "unknown object type 'nothing'"),
    ("unknown right", TYPE + 'syscall s = 1 { doc "d"; in handle<thing> h requires FLY; }', "unknown right 'FLY'"),
    ("unknown status", TYPE + 'syscall s = 1 { doc "d"; errors NOPE; }', "unknown status 'NOPE'"),
    ("unknown struct", TYPE + 'syscall s = 1 { doc "d"; out struct nope x; }', "unknown struct 'nope'"),
    ("probe on an in scalar", TYPE + 'syscall s = 1 { doc "d"; in u32 x probe; }', "'probe' applies to out scalars only"),
    ("self_lookup on a scalar", TYPE + 'syscall s = 1 { doc "d"; in u32 x self_lookup; }', "'self_lookup' applies to handles only"),
    ("self_lookup on an out handle", TYPE + 'syscall s = 1 { doc "d"; out handle<thing> h self_lookup; }', "'self_lookup' is for one in handle"),
    ("self_lookup with pass_handle", TYPE + 'syscall s = 1 { doc "d"; in handle<thing> h pass_handle self_lookup; }', "drop 'pass_handle'"),
    ("held on a scalar", TYPE + 'syscall s = 1 { doc "d"; in u32 x held; }', "'held' applies to handles only"),
    ("held on an out handle", TYPE + 'syscall s = 1 { doc "d"; in handle<thing> g; out handle<thing> h held; }', "'held' is for one in handle"),
    ("held on handles", TYPE + 'syscall s = 1 { doc "d"; in handles<thing> hs count n max 4 held; in u32 n; }', "'held' is for one in handle"),
    ("held with pass_handle", TYPE + 'syscall s = 1 { doc "d"; in handle<thing> h pass_handle held; }', "drop 'pass_handle' and 'self_lookup'"),
    ("held with self_lookup", TYPE + 'syscall s = 1 { doc "d"; in handle<thing> h self_lookup held; }', "drop 'pass_handle' and 'self_lookup'"),
    ("held with an in scalar", TYPE + 'syscall s = 1 { doc "d"; in handle<thing> h held; in u32 x; }', "gives out scalars and structs only"),
    ("held with an out buffer", TYPE + 'syscall s = 1 { doc "d"; in handle<thing> h held; out buffer b size n max 8; in u64 n; }', "gives out scalars and structs only"),
    ("two held handles", TYPE + 'syscall s = 1 { doc "d"; in handle<thing> g held; in handle<thing> h held; out u32 x; }', "takes one handle"),
    ("held and blocking", TYPE + 'syscall s = 1 { doc "d"; blocking; in handle<thing> h held; out u32 x; }', "does not block"),
    ("installed on an in scalar", TYPE + 'syscall s = 1 { doc "d"; in handle<thing> h; in u32 x installed; }', "'installed' applies to an out u32"),
    ("installed on a u64", TYPE + 'syscall s = 1 { doc "d"; in handle<thing> h; out u64 x installed; }', "'installed' applies to an out u32"),
    ("installed with probe", TYPE + 'syscall s = 1 { doc "d"; in handle<thing> h; out u32 x probe installed; }', "drop 'probe'"),
    ("probe on a buffer", TYPE + 'syscall s = 1 { doc "d"; out buffer b size n max 8 probe; in u64 n; }', "'probe' applies to out scalars only"),
    ("pass_handle on moved handles", TYPE + 'syscall s = 1 { doc "d"; in moved_handles<any> hs count n max 4 requires TRANSFER pass_handle; in u32 n; }', "'pass_handle' is for in handles"),
    ("duplicate number", TYPE + 'syscall a = 1 { doc "d"; }\nsyscall b = 1 { doc "d"; }', "syscall number 1 is already used"),
    ("duplicate call", TYPE + 'syscall a = 1 { doc "d"; }\nsyscall a = 2 { doc "d"; }', "call 'thing_a' is already declared"),
    ("duplicate param", TYPE + 'syscall a = 1 { doc "d"; in u32 x; in u32 x; }', "parameter 'x' is declared twice"),
    ("call without a handle", TYPE + 'syscall a = 1 { doc "d"; out u64 x; }', "call 'thing_a' takes no handle"),
    ("no_handle without a reason", TYPE + 'syscall a = 1 { doc "d"; no_handle ""; }', "'no_handle' on 'thing_a' needs a reason"),
    ("no_handle on a call with one", TYPE + 'syscall a = 1 { doc "d"; no_handle "r"; in handle<thing> h; }', "takes a handle: drop 'no_handle'"),
    ("right bit range", 'type t = 1 { right X = 3; default_rights READ; }', "type-specific rights use bits 16..31"),
    ("generic redeclared", 'type t = 1 { right READ = 16; default_rights READ; }', "is a generic right"),
    ("duplicate right", 'type t = 1 { right X = 16; right X = 17; default_rights READ; }', "right 'X' is declared twice"),
    ("duplicate right bit", 'type t = 1 { right X = 16; right Y = 16; default_rights READ; }', "bit 16 is already used"),
    ("duplicate signal", 'type t = 1 { signal A = 0; signal A = 1; default_rights READ; }', "signal 'A' is declared twice"),
    ("signal bit range", 'type t = 1 { signal A = 40; default_rights READ; }', "signal bits are 0..31"),
    ("no default rights", 'type t = 1 { doc "x"; }', "has no 'default_rights'"),
    ("type id range", 'type t = 40 { default_rights READ; }', "type id 40 is out of range"),
    ("requires on non-handle", TYPE + 'syscall a = 1 { doc "d"; in u32 x requires READ; }', "'requires' applies to handles"),
    ("requires on out handle", TYPE + 'syscall a = 1 { doc "d"; out handle<thing> h requires READ; }', "'requires' is for handles the caller passes in"),
    ("within on in handle", TYPE + 'syscall a = 1 { doc "d"; in handle<thing> h within h; }', "'within' applies to out handles only"),
    ("within on non-handle", TYPE + 'syscall a = 1 { doc "d"; in handle<thing> h; in u32 x within h; }', "'within' applies to out handles only"),
    ("within names no in handle", TYPE + 'syscall a = 1 { doc "d"; in u32 x; out handle<thing> h within x; }', "'within x' names no in handle"),
    ("rights on in handle", TYPE + 'syscall a = 1 { doc "d"; in handle<thing> h rights READ; }', "an in handle uses 'requires'"),
    ("out any without rights", TYPE + 'syscall a = 1 { doc "d"; out handle<any> h; }', "an out handle of any type needs 'rights'"),
    ("moved without actual", TYPE + 'syscall a = 1 { doc "d"; out moved_handles<any> h count n max 2; in u32 n; }', "needs 'actual NAME'"),
    ("size not a param", TYPE + 'syscall a = 1 { doc "d"; in buffer b size n max 4; }', "size parameter 'n' is not a parameter"),
    ("size not unsigned", TYPE + 'syscall a = 1 { doc "d"; in buffer b size n max 4; in i64 n; }', "must be an unsigned integer"),
    ("size wrong direction", TYPE + 'syscall a = 1 { doc "d"; in buffer b size n max 4; out u32 n; }', "must be an 'in' parameter"),
    ("too many params", TYPE + 'syscall a = 1 { doc "d"; in u32 a; in u32 b; in u32 c; in u32 d; in u32 e; in u32 f; in u32 g; }', "more than 6 parameters"),
    ("missing doc", TYPE + 'syscall a = 1 { in u32 x; }', "has no 'doc'"),
    ("right outside defaults", TYPE + 'syscall a = 1 { doc "d"; in handle<thing> h requires MAP; }', "not among type 'thing'"),
    ("syscall without header", 'syscall a = 1 { doc "d"; }', "a syscall needs the file to start with"),
    ("duplicate ordinal", 'protocol p { method a = 1 { } method b = 1 { } }', "ordinal 1 is already used"),
    ("unknown protocol right", 'protocol p { right GO = 0; method a = 1 { requires STOP; } }', "unknown right 'STOP' (expected a right of protocol 'p')"),
    ("kernel right on a method", 'protocol p { right GO = 0; method a = 1 { requires READ; } }', "unknown right 'READ'"),
    ("duplicate protocol right", 'protocol p { right GO = 0; right GO = 1; }', "right 'GO' is declared twice"),
    ("protocol right bit range", 'protocol p { right GO = 32; }', "protocol rights use bits 0..31"),
    ("duplicate protocol right bit", 'protocol p { right GO = 0; right STOP = 0; }', "bit 0 is already used"),
    ("struct unknown field type", 'struct s { widget w; }', "unknown field type 'widget'"),
    ("deadline twice", 'protocol p { method a = 1 { deadline; deadline; } }', "'deadline' is given twice"),
    ("deadline field", 'protocol p { method a = 1 { deadline; request { u64 deadline; } } }', "a parameter of that name already"),
]


@pytest.mark.parametrize("name,text,message", CASES, ids=[c[0] for c in CASES])
def test_semantic_error(scratch, name, text, message):
    check_error(scratch, text, message)


def test_duplicate_type_id_across_files(scratch):
    write_idl(scratch, "a.idl", 'type one = 7 { default_rights READ; }')
    write_idl(scratch, "b.idl", 'type two = 7 { default_rights READ; }')
    rc, _, err = compile_scratch(scratch)
    assert rc == 1 and "type id 7 is already used by type 'one'" in err


def test_error_shows_line_and_caret(scratch):
    err = check_error(scratch, TYPE + 'syscall s = 1 { doc "d"; errors NOPE; }', "unknown status")
    lines = err.splitlines()
    assert lines[0].startswith(str(scratch / "idl" / "a.idl") + ":7:")
    assert "errors NOPE" in lines[1]
    assert lines[2].strip() == "^"
    assert lines[2].index("^") == lines[1].index("NOPE")


def test_valid_file_compiles(scratch):
    write_idl(scratch, "a.idl", TYPE + 'syscall s = 1 { doc "d"; in handle<thing> h requires TUNE; }\n'
              'syscall create = 2 { doc "d"; no_handle "made from nothing"; out handle<thing> t; }')
    rc, _, err = compile_scratch(scratch)
    assert rc == 0, err
    assert (scratch / "out" / "include" / "lightos" / "abi.h").exists()


def test_held_call_is_one_function(scratch):
    """A `held` call: no extern prototype (it is static inline in
    obj/held_calls.h), the lookup keeps the lock, the call, the unlock,
    the results out; a taken lock waits out of line."""
    write_idl(scratch, "a.idl", TYPE + 'struct pair { u32 a; u32 b; }\n'
              'syscall s = 1 { doc "d"; in handle<thing> h requires TUNE held; out struct pair p; '
              'out u32 n; }\n'
              'syscall create = 2 { doc "d"; no_handle "made from nothing"; out handle<thing> t; }')
    rc, _, err = compile_scratch(scratch)
    assert rc == 0, err
    dispatch = (scratch / "out" / "kern" / "dispatch.c").read_text()
    protos = (scratch / "out" / "kern" / "k_objects.h").read_text()
    assert "status_t thing_s(" not in protos and "held_calls.h" in protos
    assert '#include "obj/held_calls.h"' in dispatch
    held = dispatch[dispatch.index("held_thing_s(struct cap_table"):]
    steps = ["dispatch_lookup_held(table, LO_SYS_THING_S, a0, LO_TYPE_THING,",
             "LO_RIGHT_THING_TUNE, &obj_h, &rights_h);",
             "st = thing_s((struct thing *)obj_h, (cap_handle_t)a0, rights_h, &out_p, &out_n);",
             "cap_sys_unhold(table);",
             "st = copy_to_user(a1, &out_p, sizeof(out_p));",
             "st = copy_to_user(a2, &out_n, sizeof(out_n));"]
    at = [held.index(step) for step in steps]
    assert at == sorted(at)
    assert "cap_unref" not in held[:held.index("sys_thing_s_wait")]
    assert "if (!cap_sys_hold_try(table))\n\t\treturn sys_thing_s_wait(a0, a1, a2, a3, a4, a5);" in dispatch


def test_deadline_needs_blocking(scratch):
    check_error(scratch, TYPE + 'syscall wait = 1 { doc "d"; in handle<thing> h requires READ; in u64 deadline; }',
                "call 'thing_wait' takes a deadline, so it may block: declare 'blocking;'")


def test_blocking_and_nonblocking(scratch):
    check_error(scratch, TYPE + 'syscall wait = 1 { doc "d"; blocking; nonblocking; in u64 deadline; }',
                "declared both 'blocking' and 'nonblocking'")


def test_type_tests_cannot_make_is_an_error(scratch):
    check_error(scratch, TYPE + 'syscall s = 1 { doc "d"; in handle<thing> h requires TUNE; }',
                "the generated tests cannot make a 'thing' (it has no 'thing_create' call): "
                "declare 'test_fixture create(VALUES);'")


def test_create_with_scalars_needs_values(scratch):
    check_error(scratch, TYPE + 'syscall s = 1 { doc "d"; in handle<thing> h requires TUNE; }\n'
                'syscall create = 2 { doc "d"; in u32 level; out handle<thing> t; }',
                "'thing_create' needs values for level")


def test_fixture_value_count(scratch):
    text = TYPE.replace("default_rights", "test_fixture create(1, 2);\n    default_rights")
    check_error(scratch, text + 'syscall create = 2 { doc "d"; in u32 level; out handle<thing> t; }',
                "'thing_create' needs 1 value(s) (level), not 2")


def test_fixture_names_a_call(scratch):
    text = TYPE.replace("default_rights", "test_fixture make();\n    default_rights")
    check_error(scratch, text, "type 'thing' has no call 'thing_make'")


def test_method_deadline_variant(scratch):
    """A method with `deadline` gets lo_<p>_<m>_until, whose deadline the
    call waits to; the plain stub calls it with none. Others get no variant."""
    write_idl(scratch, "a.idl", TYPE + 'syscall s = 1 { doc "d"; in handle<thing> h requires TUNE; }\n'
              'syscall create = 2 { doc "d"; no_handle "made from nothing"; out handle<thing> t; }\n'
              'protocol p {\n'
              '    method slow = 1 { deadline; request { u32 x; } response { i32 status; u32 y; } }\n'
              '    method fast = 2 { request { u32 x; } response { i32 status; } }\n}\n')
    rc, _, err = compile_scratch(scratch)
    assert rc == 0, err
    h = (scratch / "out" / "include" / "lightos" / "protocols.h").read_text()
    c = (scratch / "out" / "libos" / "protocols.c").read_text()
    assert "status_t lo_p_slow_until(lo_channel_t ch, uint64_t deadline, uint32_t x, int32_t *status, uint32_t *y);" in h
    assert "lo_p_fast_until" not in h and "lo_p_fast_until" not in c
    assert "return lo_p_slow_until(ch, UINT64_MAX, x, status, y);" in c
    assert "round_trip(ch, deadline, &req" in c
    assert "round_trip(ch, UINT64_MAX, &req" in c
