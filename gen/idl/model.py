"""The checked model of all IDL files: object types, structs, syscalls and
protocols, with every name resolved. Emitters read only this."""

from dataclasses import dataclass, field

SCALARS = {
    "char": "char", "u8": "uint8_t", "u16": "uint16_t", "u32": "uint32_t", "u64": "uint64_t",
    "i32": "int32_t", "i64": "int64_t", "usize": "uint64_t",
}


def rights_mask(rights):
    """The bit mask of a list of rights."""
    m = 0
    for r in rights:
        m |= r.value
    return m


@dataclass
class Right:
    name: str          # e.g. "READ" or "MAP_PHYSICAL"
    macro: str         # e.g. "LO_RIGHT_READ" or "LO_RIGHT_VMO_MAP_PHYSICAL"
    value: int
    generic: bool


@dataclass
class Signal:
    name: str
    bit: int
    macro: str


@dataclass
class ObjectType:
    name: str
    id: int
    doc: str
    rights: list        # type-specific Right
    signals: list       # Signal
    default_rights: list  # Right
    loc: object = None
    fixture: object = None   # Fixture: how a test makes one, or None if it cannot

    @property
    def macro(self):
        return "LO_TYPE_" + self.name.upper()

    @property
    def default_mask(self):
        return rights_mask(self.default_rights)


@dataclass
class Fixture:
    """How the generated tests make an object of a type: a create call with
    values for its free scalar parameters, or `external` (the test program
    provides negtest_external_fixture())."""
    call: object = None      # Syscall, or None when external
    values: dict = field(default_factory=dict)   # scalar parameter name -> value

    @property
    def external(self):
        return self.call is None


@dataclass
class StructField:
    ctype: str
    name: str
    scalar: str          # scalar kind, or "" for a nested struct
    count: int = 0       # array length, 0 for a single value


@dataclass
class Struct:
    name: str
    doc: str
    fields: list

    @property
    def ctype(self):
        return "struct lo_" + self.name


@dataclass
class Param:
    """One system-call parameter: one register of the call."""
    direction: str       # "in" or "out"
    kind: str            # scalar, handle, buffer, array, struct, handles, moved_handles
    name: str
    scalar: str = ""     # scalar kind, or array element scalar
    type_name: str = ""  # handle type ("any" for any type), or struct name
    size_param: str = ""     # buffer size / array count
    max: int = 0
    rights: list = field(default_factory=list)   # required (in) or granted (out)
    actual: str = ""     # out moved_handles: the out u32 that receives the count
    pass_handle: bool = False   # in handle(s): the impl also gets the handle value(s)
    probe: bool = False  # out scalar: its pointer is written (0) before the call runs
    self_lookup: bool = False  # in handle: not looked up by the dispatch; the impl gets
                               # the value and does its one table operation itself
    held: bool = False   # in handle: <call>() runs under the table lock, on the handle's
                         # own reference (as pass_handle: object, value, rights)
    installed: bool = False    # out u32: a handle the call installed in the caller's
                               # table; closed again if it cannot be copied out
    within: str = ""     # out handle: rights also bounded by this in handle's
    loc: object = None

    @property
    def rights_mask(self):
        return rights_mask(self.rights)


@dataclass
class Syscall:
    name: str            # full name, e.g. "channel_write"
    method: str          # e.g. "write"
    owner: str           # object type or call group, e.g. "channel"
    number: int
    doc: str
    params: list
    errors: list
    loc: object = None
    no_handle: str = ""   # why a call takes no handle (the only allowed exceptions)
    blocking: bool = False   # may wait (IDL `blocking`); the fuzzer bounds it

    @property
    def macro(self):
        return "LO_SYS_" + self.name.upper()

    @property
    def deadline_index(self):
        """The register of the call's `in u64 deadline`, or -1."""
        for i, p in enumerate(self.params):
            if p.name == "deadline" and p.direction == "in" and p.kind == "scalar":
                return i
        return -1

    @property
    def impl(self):
        """The kernel function: the call's own name, one name per operation."""
        return self.name

    def signature(self):
        """A stable text of the call's shape, recorded in the ABI lock."""
        parts = []
        for p in self.params:
            t = p.kind
            if p.scalar:
                t += ":" + p.scalar
            if p.type_name:
                t += ":" + p.type_name
            parts.append(f"{p.direction} {t} {p.name}")
        return "(" + ", ".join(parts) + ")"


@dataclass
class ProtocolField:
    kind: str            # scalar, string, handle
    name: str
    scalar: str = ""
    max: int = 0         # string bytes
    type_name: str = ""  # handle type or "any"
    rights: list = field(default_factory=list)


@dataclass
class ProtocolMethod:
    name: str
    ordinal: int
    doc: str
    request: list
    response: list
    requires: list = field(default_factory=list)   # connection rights (protocol Right)
    deadline: bool = False   # a client variant with a deadline: lo_<proto>_<method>_until

    @property
    def requires_mask(self):
        return rights_mask(self.requires)


@dataclass
class Protocol:
    name: str
    doc: str
    methods: list
    loc: object = None
    rights: list = field(default_factory=list)   # connection rights (Right)

    @property
    def rights_mask(self):
        return rights_mask(self.rights)


@dataclass
class Model:
    generic_rights: dict      # name -> Right
    statuses: dict            # name -> value (e.g. "BAD_HANDLE" -> -11)
    types: list = field(default_factory=list)
    groups: list = field(default_factory=list)     # call groups without a type (e.g. handle)
    structs: list = field(default_factory=list)
    syscalls: list = field(default_factory=list)
    protocols: list = field(default_factory=list)
    constants: list = field(default_factory=list)  # (macro, value)
    files: list = field(default_factory=list)      # (path, owner name)

    def type_by_name(self, name):
        for t in self.types:
            if t.name == name:
                return t
        return None

    def struct_by_name(self, name):
        for s in self.structs:
            if s.name == name:
                return s
        return None
