"""The ABI lock (idl/abi.lock): the committed record of every type id and
system call number with its signature. A change that renumbers, retypes or
removes a recorded call or type breaks the ABI and is refused unless asked
for (--break-abi); new calls and types are fine and every build records them.

Format, one entry per line:
  type <name> <id>
  syscall <number> <name> <signature>
"""


def render_lock(model):
    lines = ["# LightOS ABI lock: checked by every build, which also records new entries.",
             "# Changing or removing an entry breaks user programs built before."]
    for t in model.types:
        lines.append(f"type {t.name} {t.id}")
    for c in model.syscalls:
        lines.append(f"syscall {c.number} {c.name} {c.signature()}")
    return "\n".join(lines) + "\n"


def read_lock(path):
    types, calls = {}, {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                parts = line.split(" ", 3)
                if parts[0] == "type":
                    types[parts[1]] = int(parts[2])
                elif parts[0] == "syscall":
                    calls[parts[2]] = (int(parts[1]), parts[3])
    except FileNotFoundError:
        pass
    return types, calls


def check_lock(model, path):
    """Returns (problems that break the ABI, notes about additions)."""
    types, calls = read_lock(path)
    problems, notes = [], []
    current_types = {t.name: t.id for t in model.types}
    for name, tid in types.items():
        if name not in current_types:
            problems.append(f"type {name!r} (id {tid}) was removed")
        elif current_types[name] != tid:
            problems.append(f"type {name!r} changed id {tid} -> {current_types[name]}")
    current = {c.name: (c.number, c.signature()) for c in model.syscalls}
    for name, (number, sig) in calls.items():
        if name not in current:
            problems.append(f"syscall {name!r} (number {number}) was removed")
            continue
        if current[name][0] != number:
            problems.append(f"syscall {name!r} was renumbered {number} -> {current[name][0]}")
        if current[name][1] != sig:
            problems.append(f"syscall {name!r} changed signature {sig} -> {current[name][1]}")
    for name in sorted(set(current) - set(calls)):
        notes.append(f"new syscall {name!r} (number {current[name][0]})")
    for name in sorted(set(current_types) - set(types)):
        notes.append(f"new type {name!r}")
    return problems, notes
