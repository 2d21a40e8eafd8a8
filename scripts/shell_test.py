#!/usr/bin/env python3
"""Drive the LightOS shell over the serial console and check what it says.

The script has two kinds of lines: "> command" is typed at the next
"lightos> " prompt; "< regex" must match the output of the command above it
(until the next prompt). ">~ command" is typed again, every 0.2 s, until its
output matches or the timeout passes: for a state another process reaches
on its own time (a background child that has not yet read its startup
message). One TAP line per command. A prompt that does not come within the
timeout, or a panic, fails the run.

usage: shell_test.py --iso ISO --script FILE --tap TAP --log LOG -- qemu...
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time

PROMPT = b"lightos> "


def read_until_prompt(proc, buf, deadline):
    """Output up to and including the next prompt, or None on timeout."""
    while PROMPT not in buf[0]:
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            return None
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            buf[0] += chunk
            LOG.write(chunk)
    i = buf[0].index(PROMPT) + len(PROMPT)
    out, buf[0] = buf[0][:i], buf[0][i:]
    return out.decode(errors="replace").replace("\r", "")


def parse_script(path):
    steps = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("> "):
                steps.append((line[2:], [], [], False))
            elif line.startswith(">~ "):
                steps.append((line[3:], [], [], True))
            elif line.startswith("<<< ") and steps:
                steps[-1][2].append(line[4:].replace("^D", "\x04"))   # typed while it runs
            elif line.startswith("< ") and steps:
                steps[-1][1].append(line[2:])
            elif line.startswith("<! ") and steps:
                steps[-1][1].append("!" + line[3:])   # must not appear
    return steps


def main():
    global LOG
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso", required=True)
    ap.add_argument("--script", required=True)
    ap.add_argument("--tap", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    # A loaded development machine may stretch the limit (docs/testing.md).
    args.timeout *= float(os.environ.get("LIGHTOS_TIMEOUT_SCALE", "1"))
    qemu = [a for a in args.qemu if a != "--"]
    os.makedirs(os.path.dirname(os.path.abspath(args.tap)), exist_ok=True)
    LOG = open(args.log, "wb")
    proc = subprocess.Popen(qemu + ["-display", "none", "-monitor", "none", "-serial", "stdio",
                                    "-cdrom", args.iso],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    buf = [b""]
    results = []
    outputs = {}   # a failed command's number -> what it printed
    boot = read_until_prompt(proc, buf, time.monotonic() + 90)
    if boot is None:
        results.append((False, "shell: first prompt", "no prompt within 90 s"))
    else:
        for command, expects, typed, retry in parse_script(args.script):
            deadline = time.monotonic() + args.timeout
            while True:
                proc.stdin.write(command.encode() + b"\r")
                proc.stdin.flush()
                for text in typed:
                    time.sleep(0.5)   # the command is reading by now
                    proc.stdin.write(text.encode())
                    proc.stdin.flush()
                out = read_until_prompt(proc, buf, time.monotonic() + args.timeout)
                if out is None:
                    break
                missing = [e for e in expects if not e.startswith("!") and not re.search(e, out, re.M)]
                present = [e[1:] for e in expects if e.startswith("!") and re.search(e[1:], out, re.M)]
                if not retry or not (missing or present) or "PANIC" in out or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            if out is None:
                results.append((False, f"shell: {command}", "no prompt after it"))
                break
            detail = "; ".join([f"missing /{m}/" for m in missing] + [f"unexpected /{p}/" for p in present])
            missing += present
            if "PANIC" in out:
                missing.append("PANIC")
                detail = "kernel panic"
            results.append((not missing, f"shell: {command}", detail))
            if missing:
                outputs[len(results)] = out
    proc.kill()
    proc.wait()
    LOG.close()
    with open(args.tap, "w") as tap:
        for n, (ok, name, detail) in enumerate(results, 1):
            tap.write(f"{'ok' if ok else 'not ok'} {n} - {name}{' # ' + detail if detail else ''}\n")
        tap.write(f"1..{len(results)}\n")
    failed = [r for r in results if not r[0]]
    print(f"shell: {len(results)} commands, {len(failed)} failed")
    for n, (ok, name, detail) in enumerate(results, 1):
        if not ok:
            print(f"  FAIL {name}: {detail}")
            if n in outputs:
                print("    it printed:\n" + "".join("    | " + l + "\n" for l in outputs[n].splitlines()))
    if failed:
        with open(args.log, errors="replace") as f:
            print("".join(f.readlines()[-30:]))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
