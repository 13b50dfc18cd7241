#!/usr/bin/env python3
"""The host's instructions on one VM exit, function by function.

  python3 scripts/exitprofile.py [--handler exit_vmcall] [--skip 50]
  python3 scripts/exitprofile.py --switch [--exits 9]

Boots the exit benchmark guest (tests/guests/exitbench.c) in Bochs with its
debugger (physical breakpoints: the guests' own code may sit at the same
linear addresses), lets the handler run --skip times (into the benchmark's steady
loop), then traces every instruction from the next VM exit's landing point
(vmx_exit_point) to the VM entry after it, and prints how many of them each
kernel function executed. Bochs executes one instruction per step, so the
total is the exit's host cost as the benchmark measures it.

--switch boots two switchbench guests instead and profiles the path from the
exit that ends a slice to the other VCPU's entry: it stops at a
VMX-preemption timer exit (exit_resume), lets --exits more exits land, and
traces from the next one until an entry that follows a VMPTRLD."""
import argparse
import bisect
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "system"))
import bochsrc  # noqa: E402
from kestrel import OUT, build_iso  # noqa: E402

ELF = os.path.join(os.path.dirname(OUT), "kestrel.elf")
TRACE = re.compile(r"^\(\d+\)\.\[\d+\] \[0x[0-9a-f]+\] [0-9a-f]{4}:([0-9a-f]{16}) .*?: (.*?)\s*;")


def symbols():
    out = subprocess.run(["nm", "-n", ELF], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTW":
            syms.append((int(parts[0], 16), parts[2]))
    return syms


def function_of(syms, addrs, addr):
    i = bisect.bisect_right(addrs, addr) - 1
    return syms[i][1] if i >= 0 else "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--handler", default="exit_vmcall", help="kernel function the exit's handler runs")
    ap.add_argument("--skip", type=int, default=50, help="handler calls to let pass first")
    ap.add_argument("--guest", default="exitbench.elf")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--switch", action="store_true", help="profile a VCPU switch at a slice end")
    ap.add_argument("--exits", type=int, default=9, help="with --switch: exits of the slice before the traced one")
    args = ap.parse_args()
    syms = symbols()
    addrs = [a for a, _ in syms]
    where = {n: a for a, n in syms}
    guests = [("switchbench.elf", "swa"), ("switchbench.elf", "swb")] if args.switch else [(args.guest, "bench")]
    iso = build_iso("nomonitor timeout=20000", guests, name="exitprofile")
    log = os.path.join(OUT, "exitprofile.bochs.log")
    rc = os.path.join(OUT, "exitprofile.bochsrc")
    serial = os.path.join(OUT, "exitprofile.serial.txt")
    bochsrc.write(rc, bochsrc.config(iso, log, f"com1: enabled=1, mode=file, dev={serial}"))
    script = os.path.join(OUT, "exitprofile.rc")
    with open(script, "w") as fh:
        first = "exit_resume" if args.switch else args.handler
        fh.write(f"pb 0x{where[first]:x}\n" + "c\n" * args.skip)
        fh.write(f"d 1\npb 0x{where['vmx_exit_point']:x}\n" + "c\n" * (1 + (args.exits if args.switch else 0)))
        fh.write(f"trace on\ns {args.steps * (4 if args.switch else 1)}\nquit\n")
    r = subprocess.run(["bochs", "-q", "-f", rc, "-rc", script], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=600, cwd=OUT)
    counts, order, total, switched = {}, [], 0, False
    for line in (r.stdout + r.stderr).splitlines():
        m = TRACE.search(line)
        if not m:
            continue
        addr, insn = int(m.group(1), 16), m.group(2)
        fn = function_of(syms, addrs, addr)
        if fn not in counts:
            order.append(fn)
        counts[fn] = counts.get(fn, 0) + 1
        total += 1
        switched |= insn.startswith("vmptrld")
        if insn.startswith(("vmresume", "vmlaunch")) and (switched or not args.switch):
            break
    if not total:
        sys.exit("exitprofile: no trace (see " + log + ")")
    if args.switch and not switched:
        sys.exit(f"exitprofile: no VMPTRLD in {total} instructions: try another --exits")
    what = "a slice end, to the other VCPU" if args.switch else args.handler
    print(f"{total} host instructions from the exit to the next entry ({what}):")
    for fn in order:
        print(f"  {counts[fn]:5}  {fn}")


if __name__ == "__main__":
    main()
