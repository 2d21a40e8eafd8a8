"""Tokens of the LightOS IDL and of the rights policy (gen/policy.py).

A token knows its file, line and column so every error can point at it.
Comments run from '//' (IDL) or '#' (policy) to the end of the line.
A path (/tmp) is a token of its own: the policy names registry subtrees.
"""
import re

from .errors import IdlError, Location

TOKEN_RE = r"""
    (?P<space>[ \t\r]+)
  | (?P<newline>\n)
  | (?P<comment>{comment}[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>0[xX][0-9a-fA-F]+|[0-9]+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<path>/[A-Za-z0-9_./-]*)
  | (?P<punct>[{{}}()<>;,=|:.\[\]])
"""
PATTERNS = {c: re.compile(TOKEN_RE.format(comment=re.escape(c)), re.VERBOSE) for c in ("//", "#")}


class Token:
    def __init__(self, kind, text, loc):
        self.kind = kind      # "name", "number", "string", "path", "punct", "eof"
        self.text = text
        self.loc = loc

    @property
    def value(self):
        if self.kind == "number":
            return int(self.text, 0)
        if self.kind == "string":
            return bytes(self.text[1:-1], "utf-8").decode("unicode_escape")
        return self.text

    def __repr__(self):
        return f"Token({self.kind}, {self.text!r}, {self.loc})"


def tokenize(path, text, comment="//"):
    """Split `text` (the contents of `path`) into tokens, ending with eof."""
    token_re = PATTERNS[comment]
    lines = text.split("\n")
    tokens = []
    pos, line, col = 0, 1, 1
    while pos < len(text):
        m = token_re.match(text, pos)
        if not m:
            loc = Location(path, line, col, lines[line - 1])
            raise IdlError(loc, f"unexpected character {text[pos]!r}")
        kind = m.lastgroup
        if kind == "newline":
            line, col = line + 1, 1
        else:
            if kind not in ("space", "comment"):
                loc = Location(path, line, col, lines[line - 1])
                tokens.append(Token(kind, m.group(), loc))
            col += len(m.group())
        pos = m.end()
    last = lines[line - 1] if line - 1 < len(lines) else ""
    tokens.append(Token("eof", "", Location(path, line, col, last)))
    return tokens
