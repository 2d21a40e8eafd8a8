"""Sizes that name a constant: `max NAME` and `[NAME]` take the constant's
value, from any file; an unknown name is an error at its location."""
from conftest import compile_scratch, write_idl

TYPE = 'type thing = 5 {\n    doc "x";\n    test_fixture external;\n    default_rights READ | WRITE;\n}\n'


def test_max_and_array_length_name_constants(scratch):
    # The constants live in another file, after the uses in sorted order.
    write_idl(scratch, "a.idl", TYPE +
              'struct box { u32 n; char name[name_max]; }\n'
              'syscall put = 1 { doc "d"; in handle<thing> t requires WRITE;'
              ' in buffer b size n max put_max; in u32 n; }\n'
              'protocol p { method m = 1 { request { string s max name_max; } } }\n')
    write_idl(scratch, "z.idl", 'const name_max = 24;\nconst put_max = 300;\n')
    rc, out, err = compile_scratch(scratch)
    assert rc == 0, err
    abi = (scratch / "out" / "include" / "lightos" / "abi.h").read_text()
    assert "char name[24];" in abi
    assert "LO_PUT_MAX" in abi and "LO_NAME_MAX" in abi
    dispatch = (scratch / "out" / "kern" / "dispatch.c").read_text()
    assert "300" in dispatch
    proto = (scratch / "out" / "include" / "lightos" / "protocols.h").read_text()
    assert "24" in proto


def test_unknown_constant_in_max(scratch):
    write_idl(scratch, "a.idl", TYPE +
              'syscall put = 1 { doc "d"; in buffer b size n max nope; in u32 n; }\n')
    rc, out, err = compile_scratch(scratch)
    assert rc == 1
    assert "unknown constant 'nope'" in err
    assert "a.idl:" in err


def test_unknown_constant_in_array_length(scratch):
    write_idl(scratch, "a.idl", 'struct box { char name[nope]; }\n')
    rc, out, err = compile_scratch(scratch)
    assert rc == 1
    assert "unknown constant 'nope'" in err
