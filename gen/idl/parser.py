"""Parser: tokens -> raw declarations (names not yet resolved).

Grammar (docs/idl.md has it with examples):

  file      := [header] decl*
  header    := 'type' NAME '=' NUMBER '{' type_item* '}' | 'calls' NAME ';'
  type_item := 'doc' STRING ';' | 'right' NAME '=' NUMBER ';'
             | 'signal' NAME '=' NUMBER ';' | 'default_rights' rights ';'
             | 'test_fixture' (NAME '(' [NUMBER (',' NUMBER)*] ')' | 'external') ';'
  decl      := struct | syscall | protocol | const
  const     := 'const' NAME '=' NUMBER ';'
  struct    := 'struct' NAME '{' ['doc' STRING ';']
               ((SCALAR | STRUCT) NAME ['[' BOUND ']'] ';')* '}'
  syscall   := 'syscall' NAME '=' NUMBER '{' sys_item* '}'
  sys_item  := 'doc' STRING ';' | 'errors' NAME (',' NAME)* ';' | 'blocking' ';'
             | 'nonblocking' ';' | 'no_handle' STRING ';'
             | ('in' | 'out') param ';'
  param     := SCALAR NAME
             | 'handle' '<' NAME '>' NAME opts
             | 'buffer' NAME 'size' NAME 'max' BOUND
             | 'array' '<' NAME '>' NAME 'count' NAME 'max' BOUND
             | 'struct' NAME NAME
             | ('handles' | 'moved_handles') '<' NAME '>' NAME 'count' NAME
               'max' BOUND opts
  opts      := ('requires' rights | 'rights' rights | 'pass_handle' | 'probe'
               | 'self_lookup' | 'held' | 'installed' | 'within' NAME
               | 'actual' NAME ['.' NAME])*
  rights    := NAME ('|' NAME)*
  protocol  := 'protocol' NAME '{' ['doc' STRING ';'] ('right' NAME '=' NUMBER ';')*
               method* '}'
  method    := 'method' NAME '=' NUMBER '{' ['doc' STRING ';'] ['requires' rights ';'] ['deadline' ';']
               ['request' '{' pfield* '}'] ['response' '{' pfield* '}'] '}'
               (a protocol's rights are connection rights: the server checks a
               method's `requires` against the rights of the connection)
  pfield    := SCALAR NAME ';' | 'string' NAME 'max' BOUND ';'
             | 'handle' '<' NAME '>' NAME ['requires' rights] ';'
  BOUND     := NUMBER | NAME      (a NAME is a 'const', resolved by the checker)
"""

from .errors import IdlError
from .lexer import tokenize
from .model import SCALARS


class Raw:
    """A parsed declaration: what it is (decl), a location, named fields."""

    def __init__(self, decl, loc, **fields):
        self.decl = decl
        self.loc = loc
        self.__dict__.update(fields)


class Parser:
    def __init__(self, path, text):
        self.path = path
        self.tokens = tokenize(path, text)
        self.pos = 0

    # --- token helpers ---
    def peek(self, offset=0):
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def next(self):
        tok = self.peek()
        if tok.kind != "eof":
            self.pos += 1
        return tok

    @staticmethod
    def found(tok):
        return "end of file" if tok.kind == "eof" else repr(tok.text)

    def error(self, tok, message):
        raise IdlError(tok.loc, message)

    def expect(self, text, what=None):
        tok = self.next()
        if tok.text != text or tok.kind not in ("punct", "name"):
            found = "end of file" if tok.kind == "eof" else repr(tok.text)
            self.error(tok, f"expected {what or repr(text)}, found {found}")
        return tok

    def name(self, what="a name"):
        tok = self.next()
        if tok.kind != "name":
            found = "end of file" if tok.kind == "eof" else repr(tok.text)
            self.error(tok, f"expected {what}, found {found}")
        return tok

    def number(self, what="a number"):
        tok = self.next()
        if tok.kind != "number":
            found = "end of file" if tok.kind == "eof" else repr(tok.text)
            self.error(tok, f"expected {what}, found {found}")
        return tok

    def bound(self, what):
        """A size: a number, or the name of a constant (the checker resolves it)."""
        tok = self.next()
        if tok.kind not in ("number", "name"):
            found = "end of file" if tok.kind == "eof" else repr(tok.text)
            self.error(tok, f"expected {what} (a number or a constant), found {found}")
        return tok

    def string(self):
        tok = self.next()
        if tok.kind != "string":
            self.error(tok, f"expected a quoted string, found {self.found(tok)}")
        return tok

    def accept(self, text):
        if self.peek().text == text and self.peek().kind in ("name", "punct"):
            return self.next()
        return None

    # --- grammar ---
    def parse_file(self):
        header = None
        decls = []
        if self.peek().text == "type":
            header = self.parse_type()
        elif self.peek().text == "calls":
            tok = self.next()
            header = Raw("calls", tok.loc, name=self.name("a call group name"))
            self.expect(";")
        while self.peek().kind != "eof":
            tok = self.peek()
            if tok.text == "struct":
                decls.append(self.parse_struct())
            elif tok.text == "syscall":
                decls.append(self.parse_syscall())
            elif tok.text == "protocol":
                decls.append(self.parse_protocol())
            elif tok.text == "const":
                self.next()
                name = self.name("a constant name")
                self.expect("=")
                value = self.number("a value")
                self.expect(";")
                decls.append(Raw("const", tok.loc, name=name, value=value))
            elif tok.text in ("type", "calls"):
                self.error(tok, f"'{tok.text}' must come first, and only once, in a file")
            else:
                self.error(tok, f"expected 'struct', 'syscall', 'protocol' or 'const', found {self.found(tok)}")
        return header, decls

    def parse_rights(self):
        names = [self.name("a right")]
        while self.accept("|"):
            names.append(self.name("a right"))
        return names

    def parse_type(self):
        start = self.next()
        name = self.name("a type name")
        self.expect("=")
        type_id = self.number("a type id")
        self.expect("{")
        t = Raw("type", start.loc, name=name, id=type_id, doc=None,
                rights=[], signals=[], default_rights=None, fixture=None)
        while not self.accept("}"):
            tok = self.next()
            if tok.text == "doc":
                t.doc = self.string()
            elif tok.text == "right":
                rname = self.name("a right name")
                self.expect("=")
                t.rights.append((rname, self.number("a bit number")))
            elif tok.text == "signal":
                sname = self.name("a signal name")
                self.expect("=")
                t.signals.append((sname, self.number("a bit number")))
            elif tok.text == "default_rights":
                t.default_rights = (tok, self.parse_rights())
            elif tok.text == "test_fixture":
                t.fixture = self.parse_fixture(tok)
            else:
                self.error(tok, "expected 'doc', 'right', 'signal', 'default_rights', "
                                f"'test_fixture' or '}}', found {self.found(tok)}")
            self.expect(";")
        return t

    def parse_fixture(self, start):
        """`test_fixture external` or `test_fixture CALL(values...)`."""
        call = self.name("a create call of this type, or 'external'")
        values = []
        if call.text != "external":
            self.expect("(")
            if not self.accept(")"):
                values.append(self.number("a value"))
                while self.accept(","):
                    values.append(self.number("a value"))
                self.expect(")")
        return Raw("fixture", start.loc, call=call, values=values)

    def parse_struct(self):
        start = self.next()
        name = self.name("a struct name")
        self.expect("{")
        s = Raw("struct", start.loc, name=name, doc=None, fields=[])
        while not self.accept("}"):
            if self.accept("doc"):
                s.doc = self.string()
            else:
                ftype = self.name("a field type")
                fname = self.name("a field name")
                count = None
                if self.accept("["):
                    count = self.bound("an array length")
                    self.expect("]")
                s.fields.append((ftype, fname, count))
            self.expect(";")
        return s

    def parse_syscall(self):
        start = self.next()
        name = self.name("a call name")
        self.expect("=")
        number = self.number("a syscall number")
        self.expect("{")
        c = Raw("syscall", start.loc, name=name, number=number, doc=None,
                params=[], errors=[], no_handle=None, blocking=None, nonblocking=None)
        while not self.accept("}"):
            tok = self.next()
            if tok.text == "doc":
                c.doc = self.string()
            elif tok.text == "no_handle":
                c.no_handle = self.string()
            elif tok.text == "errors":
                c.errors.append(self.name("a status name"))
                while self.accept(","):
                    c.errors.append(self.name("a status name"))
            elif tok.text == "blocking":
                c.blocking = tok
            elif tok.text == "nonblocking":
                c.nonblocking = tok
            elif tok.text in ("in", "out"):
                c.params.append(self.parse_param(tok))
            else:
                self.error(tok, "expected 'doc', 'errors', 'no_handle', 'blocking', 'nonblocking', "
                                f"'in', 'out' or '}}', found {self.found(tok)}")
            self.expect(";")
        return c

    def parse_param(self, direction):
        kind_tok = self.name("a parameter type")
        kind = kind_tok.text
        p = Raw("param", kind_tok.loc, direction=direction.text, kind=kind,
                kind_tok=kind_tok, type_tok=None, name=None, size=None, max=None,
                requires=None, grants=None, pass_handle=None, probe=None, self_lookup=None,
                held=None, installed=None, actual=None,
                actual_field=None, within=None)
        if kind in SCALARS:
            p.kind = "scalar"
            p.scalar = kind
            p.name = self.name("a parameter name")
        elif kind in ("handle", "handles", "moved_handles", "array"):
            self.expect("<")
            p.type_tok = self.name("a type")
            self.expect(">")
            p.name = self.name("a parameter name")
            if kind != "handle":
                self.expect("count")
                p.size = self.name("the count parameter")
                self.expect("max")
                p.max = self.bound("a maximum count")
        elif kind == "buffer":
            p.name = self.name("a parameter name")
            self.expect("size")
            p.size = self.name("the size parameter")
            self.expect("max")
            p.max = self.bound("a maximum size")
        elif kind == "struct":
            p.type_tok = self.name("a struct name")
            p.name = self.name("a parameter name")
        else:
            self.error(kind_tok, f"unknown parameter type {kind!r}")
        while self.peek().text in ("requires", "rights", "pass_handle", "probe", "self_lookup",
                                   "held", "installed", "within", "actual"):
            opt = self.next()
            if opt.text == "requires":
                p.requires = (opt, self.parse_rights())
            elif opt.text == "rights":
                p.grants = (opt, self.parse_rights())
            elif opt.text == "pass_handle":
                p.pass_handle = opt
            elif opt.text == "probe":
                p.probe = opt
            elif opt.text == "self_lookup":
                p.self_lookup = opt
            elif opt.text == "held":
                p.held = opt
            elif opt.text == "installed":
                p.installed = opt
            elif opt.text == "within":
                p.within = self.name("the in handle that bounds the rights")
            else:
                p.actual = self.name("the parameter that receives the count")
                if self.accept("."):
                    field = self.name("a struct field")
                    p.actual_field = field
        return p

    def parse_protocol(self):
        start = self.next()
        name = self.name("a protocol name")
        self.expect("{")
        pr = Raw("protocol", start.loc, name=name, doc=None, methods=[], rights=[])
        while not self.accept("}"):
            if self.accept("doc"):
                pr.doc = self.string()
                self.expect(";")
                continue
            if self.accept("right"):
                rname = self.name("a right name")
                self.expect("=")
                pr.rights.append((rname, self.number("a bit number")))
                self.expect(";")
                continue
            self.expect("method", "'method', 'right', 'doc' or '}'")
            mname = self.name("a method name")
            self.expect("=")
            ordinal = self.number("an ordinal")
            self.expect("{")
            m = Raw("method", mname.loc, name=mname, ordinal=ordinal, doc=None,
                    request=[], response=[], requires=None, deadline=False)
            while not self.accept("}"):
                tok = self.next()
                if tok.text == "doc":
                    m.doc = self.string()
                    self.expect(";")
                elif tok.text == "deadline":
                    if m.deadline:
                        self.error(tok, "'deadline' is given twice")
                    m.deadline = True
                    self.expect(";")
                elif tok.text == "requires":
                    m.requires = (tok, self.parse_rights())
                    self.expect(";")
                elif tok.text in ("request", "response"):
                    self.expect("{")
                    fields = m.request if tok.text == "request" else m.response
                    while not self.accept("}"):
                        fields.append(self.parse_protocol_field())
                else:
                    self.error(tok, f"expected 'doc', 'requires', 'deadline', 'request', 'response' or '}}', found {self.found(tok)}")
            pr.methods.append(m)
        return pr

    def parse_protocol_field(self):
        tok = self.name("a field type")
        f = Raw("pfield", tok.loc, kind=tok.text, kind_tok=tok, name=None,
                max=None, type_tok=None, requires=None)
        if tok.text in SCALARS:
            f.kind = "scalar"
            f.scalar = tok.text
            f.name = self.name("a field name")
        elif tok.text == "string":
            f.name = self.name("a field name")
            self.expect("max")
            f.max = self.bound("a maximum length")
        elif tok.text == "handle":
            self.expect("<")
            f.type_tok = self.name("a type")
            self.expect(">")
            f.name = self.name("a field name")
            if self.peek().text == "requires":
                opt = self.next()
                f.requires = (opt, self.parse_rights())
        else:
            self.error(tok, f"unknown field type {tok.text!r}")
        self.expect(";")
        return f


def parse(path, text):
    return Parser(path, text).parse_file()
