#!/usr/bin/env python3
"""make bench: exact exit costs and CPU shares, measured in Bochs.

Bochs's TSC counts instructions, so the figures are instruction counts and
the same on every machine. Prints one line per measurement."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "system"))
import bochsrc  # noqa: E402  (beside this script)
from kestrel import OUT, build_iso, run_bochs  # noqa: E402

BANNER = "Kestrel 0.1.0: an x86-64 microhypervisor"


def time_to_banner(cmd, serial, timeout=120):
    """Wall-clock seconds from starting cmd until the banner is on COM1."""
    if os.path.exists(serial):
        os.unlink(serial)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=OUT)
    try:
        while time.monotonic() - t0 < timeout:
            if os.path.exists(serial) and BANNER in open(serial, errors="replace").read():
                return time.monotonic() - t0
            time.sleep(0.01)
        return None
    finally:
        proc.kill()
        proc.wait()


def boot_times():
    iso = build_iso("nomonitor", [("hello.bin", "hello")], name="bench-boot")
    serial = os.path.join(OUT, "bench-boot-qemu.serial.txt")
    qemu = ["qemu-system-x86_64", "-m", "512", "-cdrom", iso, "-display", "none", "-serial", f"file:{serial}",
            "-no-reboot", "-monitor", "none"]
    t = time_to_banner(qemu, serial)
    print(f"boot to banner, QEMU TCG (BIOS): {t:.2f} s wall clock")
    serial = os.path.join(OUT, "bench-boot-bochs.serial.txt")
    rc = os.path.join(OUT, "bench-boot.bochsrc")
    cont = bochsrc.write(rc, bochsrc.config(iso, os.path.join(OUT, "bench-boot.bochs.log"),
                                            f"com1: enabled=1, mode=file, dev={serial}"))
    t = time_to_banner(["bochs", "-q", "-f", rc, "-rc", cont], serial)
    print(f"boot to banner, Bochs corei7_skylake_x: {t:.2f} s wall clock")
    size = os.path.getsize(os.path.join(os.path.dirname(OUT), "kestrel.elf"))
    text = subprocess.run(["size", os.path.join(os.path.dirname(OUT), "kestrel.elf")], capture_output=True,
                          text=True).stdout.splitlines()[-1].split()
    print(f"kernel: build/kestrel.elf {size} bytes; text {text[0]}, data {text[1]}, bss {text[2]}")


def exit_costs():
    iso = build_iso("nomonitor timeout=20000", [("exitbench.elf", "exitbench")], name="bench-exits")
    run = run_bochs(iso, name="bench-exits")
    lines = run.lines("[exitbench] bench: ")
    if len(lines) < 3:
        run.fail("exitbench did not report its measurements")
    for line in lines:
        print(line.split("bench: ", 1)[1])


def shares():
    mods = [("hello.bin", "hello"), ("pm32.elf", "pm32"), ("lm64.elf", "lm64"), ("spin.bin", "spin mem=2M"),
            ("ticker.elf", "ticker")]
    iso = build_iso("nomonitor timeout=5000", mods, name="bench-shares")
    run = run_bochs(iso, name="bench-shares")
    print("CPU share of the default guests over 5 s of TSC time (quantum 10 ms):")
    for line in run.lines("summary: "):
        m = re.match(r"summary: (\S+) state=(\S+) .* cpu=(\S+) .*exits=(\d+)", line)
        print(f"  {m.group(1):8} {m.group(3):>7}  {m.group(2):8} exits {m.group(4)}")


if __name__ == "__main__":
    boot_times()
    exit_costs()
    shares()
