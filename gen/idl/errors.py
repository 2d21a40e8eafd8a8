"""Errors with a precise place: file:line:col, the line, and a caret."""


class Location:
    def __init__(self, path, line, col, source_line):
        self.path = path
        self.line = line
        self.col = col
        self.source_line = source_line

    def __str__(self):
        return f"{self.path}:{self.line}:{self.col}"


class IdlError(Exception):
    def __init__(self, loc, message):
        super().__init__(message)
        self.loc = loc
        self.message = message

    def render(self):
        if self.loc is None:
            return f"error: {self.message}"
        caret = " " * (self.loc.col - 1) + "^"
        return (f"{self.loc}: error: {self.message}\n"
                f"    {self.loc.source_line}\n"
                f"    {caret}")
