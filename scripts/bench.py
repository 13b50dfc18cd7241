#!/usr/bin/env python3
"""make bench: exact exit costs and CPU shares, measured in Bochs.

Bochs's TSC counts instructions, so the figures are instruction counts and
the same on every machine. Prints one line per measurement."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "system"))
from kestrel import build_iso, run_bochs  # noqa: E402


def exit_costs():
    iso = build_iso("nomonitor timeout=20000", [("exitbench.elf", "exitbench")], name="bench-exits")
    run = run_bochs(iso, name="bench-exits")
    lines = run.lines("[exitbench] bench: ")
    if len(lines) != 3:
        run.fail("exitbench did not report its three measurements")
    for line in lines:
        print(line.split("bench: ", 1)[1])


def shares():
    mods = [("hello.bin", "hello"), ("pm32.elf", "pm32"), ("lm64.elf", "lm64"), ("spin.bin", "spin mem=2M"),
            ("ticker.elf", "ticker")]
    iso = build_iso("nomonitor timeout=5000", mods, name="bench-shares")
    run = run_bochs(iso, name="bench-shares")
    print("CPU share of the default guests over 5 s of TSC time (quantum 10 ms):")
    for line in run.lines("summary: "):
        m = re.match(r"summary: (\S+) state=(\S+) .* cpu=(\S+) exits=(\d+)", line)
        print(f"  {m.group(1):8} {m.group(3):>7}  {m.group(2):8} exits {m.group(4)}")


if __name__ == "__main__":
    exit_costs()
    shares()
