"""Syntax: tokens, locations, and the message and caret of each error."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "gen"))
from idl.errors import IdlError  # noqa: E402
from idl.lexer import tokenize  # noqa: E402
from idl.parser import parse  # noqa: E402


def error_of(text):
    with pytest.raises(IdlError) as e:
        parse("t.idl", text)
    return e.value


def test_tokens_have_locations():
    toks = tokenize("t.idl", "type a = 1 {\n  right X = 16;\n}")
    kinds = [t.kind for t in toks]
    assert kinds[:5] == ["name", "name", "punct", "number", "punct"]
    right = next(t for t in toks if t.text == "right")
    assert (right.loc.line, right.loc.col) == (2, 3)
    assert toks[-1].kind == "eof"


def test_comments_and_hex_numbers():
    toks = tokenize("t.idl", "// nothing here\nconst x = 0x10; // trailing")
    assert [t.text for t in toks if t.kind != "eof"] == ["const", "x", "=", "0x10", ";"]
    assert toks[3].value == 16


def test_unexpected_character():
    e = error_of("type a = 1 { $ }")
    assert "unexpected character '$'" in e.message
    assert e.loc.col == 14


def test_missing_semicolon_points_at_next_token():
    e = error_of('calls g;\nsyscall s = 1 {\n    doc "x"\n}')
    assert e.message == "expected ';', found '}'"
    assert (e.loc.line, e.loc.col) == (4, 1)
    rendered = e.render()
    assert rendered.splitlines()[0].startswith("t.idl:4:1: error:")
    assert rendered.splitlines()[-1].strip() == "^"


def test_unknown_parameter_type():
    e = error_of("calls g;\nsyscall s = 1 { in widget w; }")
    assert "unknown parameter type 'widget'" in e.message


def test_header_must_come_first():
    e = error_of("struct s { u32 a; }\ntype t = 1 { default_rights READ; }")
    assert "must come first" in e.message


def test_unterminated_block_reports_end_of_file():
    e = error_of("type t = 1 {\n  signal A = 0;\n")
    assert "end of file" in e.message


def test_unknown_declaration():
    e = error_of("calls g;\nfunction f();")
    assert "expected 'struct', 'syscall', 'protocol' or 'const'" in e.message


def test_struct_field_array_syntax():
    header, decls = parse("t.idl", "struct s { u32 a; char name[8]; }")
    assert header is None
    (ftype, fname, count), = [f for f in decls[0].fields if f[1].text == "name"]
    assert count.value == 8
