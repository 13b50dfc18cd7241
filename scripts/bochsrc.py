#!/usr/bin/env python3
"""Every Bochs configuration Kestrel uses, and a check that Bochs can start.

The system tests, `make bench` and `make run` all get their bochsrc from
config() here, so what a machine without a sound card, a display or a
terminal needs is written in one place (see ../shared/notes/bochs-vmx.md):

  python3 scripts/bochsrc.py write --iso build/kestrel.iso --out FILE \\
          [--com1-tty /dev/pts/N | --com1-file PATH] [--clock realtime] ...
  python3 scripts/bochsrc.py check [--iso ISO | --config FILE]
  python3 scripts/bochsrc.py explain OUTPUT [LOG]

`check` boots Bochs for about a second and fails with Bochs's own error line
and its likely cause when Bochs cannot start; `explain` does the same for the
output of a finished run.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.path.join(ROOT, "build")
ROM = "/usr/share/bochs/BIOS-bochs-latest"
VGAROM = "/usr/share/vgabios/vgabios.bin"
IPS = 50_000_000
CLOCKS = {
    # Instructions drive time: runs are byte-for-byte reproducible.
    "deterministic": "sync=none, time0=946684800",
    # Paced to the wall clock, for a person at the console (make run).
    "realtime": "sync=slowdown, time0=local",
}
# The built-in debugger stops before the first instruction unless told to go.
CONTINUE = "c\nquit\n"

TEMPLATE = """\
# Written by scripts/bochsrc.py: edit that, not this file.
# 'nogui' is not compiled into Debian's Bochs; rfb with timeout=0 never waits for a viewer.
display_library: rfb, options="timeout=0"
romimage: file={rom}
vgaromimage: file={vgarom}
megs: {megs}
cpu: model={model}, count=1, ips={ips}, reset_on_triple_fault=0{cpu_extra}
{media}
clock: {clock}
log: {log}
panic: action=fatal
error: action=report
info: action={info}
debug: action=ignore
debugger_log: -
{com1}
port_e9_hack: enabled=1
# Without this Debian's Bochs 2.7 aborts before the first instruction wherever
# ALSA finds no sound card ("*** buffer overflow detected ***"). The PC speaker
# plays through the same dummy driver, so it needs nothing of its own.
sound: driver=dummy
"""


def config(iso, log, com1, model="corei7_skylake_x", megs=256, ips=IPS, clock="deterministic", info="report",
           floppy=None, strict_msrs=False):
    """The text of a bochsrc that boots iso headless.

    com1 is the whole serial line, e.g. "com1: enabled=1, mode=file, dev=PATH";
    clock is a key of CLOCKS; info is the action for Bochs's info messages
    ("report" keeps the log complete, "ignore" keeps a long run's log small).
    Bochs ignores unknown MSRs by default (RDMSR returns 0, WRMSR is dropped);
    strict_msrs makes them #GP as on hardware (ignore_bad_msrs=0)."""
    if not com1.startswith("com1:"):
        raise ValueError(f"com1 must be a complete 'com1:' line, got {com1!r}")
    # Kestrel boots from the ISO; a test guest alone (bare Bochs, the oracle)
    # from a 1.44 MB floppy image whose boot sector is the guest.
    if floppy:
        media = f"floppya: 1_44={floppy}, status=inserted\nboot: floppy"
    else:
        media = f"ata0-slave: type=cdrom, path={iso}, status=inserted\nboot: cdrom"
    return TEMPLATE.format(rom=ROM, vgarom=VGAROM, megs=megs, model=model, ips=ips, media=media,
                           clock=CLOCKS[clock], log=log, info=info, com1=com1,
                           cpu_extra=", ignore_bad_msrs=0" if strict_msrs else "")


def write(path, text):
    """Write a configuration and the debugger script beside it; returns the script's path."""
    with open(path, "w") as fh:
        fh.write(text)
    return write_cont(os.path.dirname(os.path.abspath(path)))


def write_cont(folder):
    """folder/cont.rc, the debugger script that starts the CPU; returns its path."""
    cont = os.path.join(folder, "cont.rc")
    # Replace, never truncate: a Bochs starting elsewhere may be reading it.
    tmp = f"{cont}.{os.getpid()}"
    with open(tmp, "w") as fh:
        fh.write(CONTINUE)
    os.replace(tmp, cont)
    return cont


# ---- What went wrong, from what Bochs printed ----------------------------

# Kestrel powers off by writing "Shutdown" to port 0x8900: Bochs reports that
# like a panic, but it is the normal end of a run.
NORMAL_END = "Shutdown port: shutdown requested"


def error_line(output, log=""):
    """Bochs's own line saying why it stopped, or None when it did not say."""
    lines = output.splitlines()
    for line in lines:
        # glibc's fortify and stack checks: the sound-card abort is one of these.
        if line.startswith("*** ") and "***" in line[4:]:
            return line.strip()
    for i, line in enumerate(lines[:-1]):
        if line.startswith("Bochs is exiting with the following message:"):
            return None if NORMAL_END in lines[i + 1] else lines[i + 1].strip()
    for line in log.splitlines():
        if ">>PANIC<<" in line and NORMAL_END not in line:
            return line.strip()
    return None


def likely_cause(line, output, log, rc_text):
    """A sentence on why Bochs printed line, from what else it printed; None if unknown."""
    if "buffer overflow detected" in line and ("ALSA lib" in output or "soundalsa" in log):
        if not re.search(r"^sound:\s*driver=dummy", rc_text, re.M):
            return ("Bochs aborted at start-up in its sound mixer: ALSA found no sound card, and "
                    "Debian's Bochs 2.7 then dies unless its configuration says `sound: driver=dummy` "
                    "(scripts/bochsrc.py writes that line; this configuration lacks it).")
        return ("Bochs aborted in its ALSA sound driver although the configuration asks for "
                "`sound: driver=dummy`: something else selects ALSA (a speaker or sound card line?).")
    if "buffer overflow detected" in line or "stack smashing" in line:
        return "Bochs aborted at start-up in a glibc check; its output and log say where."
    if "could not bind any port" in line:
        return ("Bochs's rfb display found no free TCP port in 5900-5949: other Bochs instances "
                "or VNC servers hold them all.")
    if "couldn't open ROM image" in line:
        return "A BIOS image is missing: install bochsbios and vgabios (make deps does)."
    if "directive malformed" in line or "unknown directive" in line:
        return ("Bochs rejects a line of the configuration (a CPU model must be one of those "
                "`bochs-bin -help cpu` lists).")
    if "No bootable device" in line:
        return "The BIOS found nothing to boot: is the ISO there (make iso)?"
    return None


def explain(output, log="", rc_text=""):
    """'Bochs said: ...' and its likely cause, or None when nothing went wrong."""
    line = error_line(output, log)
    if line is None:
        return None
    cause = likely_cause(line, output, log, rc_text)
    return f"Bochs said: {line}" + (f"\nLikely cause: {cause}" if cause else "")


# ---- The preflight ---------------------------------------------------------

def read(path):
    try:
        with open(path, errors="replace") as fh:
            return fh.read()
    except (FileNotFoundError, TypeError):
        return ""


def cpu_ran(log):
    """True once the log has a line stamped after tick 0: the BIOS is running."""
    return any(int(m.group(1)) > 0 for m in re.finditer(r"^(\d+)[a-z]\[", log, re.M))


def check(rc, env=None, seconds=1.0, timeout=30):
    """Boot Bochs with the configuration file rc for about `seconds`.

    Returns None when its CPU ran and Bochs was still up after that, else a
    message with Bochs's error line and the likely cause."""
    rc_text = read(rc)
    m = re.search(r"^log:\s*(\S+)", rc_text, re.M)
    log = m.group(1) if m else None
    m = re.search(r"^ata0-slave:.*path=([^,\s]+)", rc_text, re.M)
    if m and not os.path.exists(m.group(1)):
        return f"no ISO at {m.group(1)}: run make iso"
    if shutil.which("bochs") is None:
        return "bochs is not installed: make deps installs it (apt-get install bochs bochsbios vgabios)"
    if log and os.path.exists(log):
        os.unlink(log)  # judge this run's log only
    out = os.path.splitext(rc)[0] + ".out"
    cont = write_cont(os.path.dirname(os.path.abspath(rc)))
    # With info messages ignored the log stays empty: then being up is all we can see.
    quiet = re.search(r"^info:\s*action=ignore", rc_text, re.M) is not None
    t0 = time.monotonic()
    with open(out, "w") as fh:
        proc = subprocess.Popen(["bochs", "-q", "-f", rc, "-rc", cont], stdin=subprocess.DEVNULL,
                                stdout=fh, stderr=subprocess.STDOUT, env=env)
    hung = False
    try:
        while proc.poll() is None:
            elapsed = time.monotonic() - t0
            if elapsed >= seconds and (quiet or cpu_ran(read(log))):
                return None
            hung = elapsed > timeout
            if hung:
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    output, log_text = read(out), read(log)
    said = explain(output, log_text, rc_text)
    if said is None:
        # Bochs did not say why: show its last words that are not log lines or rulers.
        last = [l for l in output.splitlines() if l.strip() and not re.match(r"^(\d+[a-z]\[|=+$)", l)]
        said = ((f"Bochs said: {last[-1].strip()}\n" if last else "") +
                (f"Likely cause: its CPU did not start within {timeout} s." if hung else
                 "Likely cause: unknown; Bochs stopped before its CPU ran, see its output and log."))
    how = "" if hung else f" ({ending(proc.returncode)})"
    return (f"Bochs cannot start with {show(rc)}{how}.\n{said}\n"
            f"Its output: {show(out)}; its log: {show(log) if log else '-'}")


def ending(status):
    """'exit status N' or the name of the signal that ended a process."""
    if status >= 0:
        return f"exit status {status}"
    try:
        return signal.Signals(-status).name
    except ValueError:
        return f"signal {-status}"


def show(path):
    """path relative to the current directory when it is below it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


# ---- Command line ----------------------------------------------------------

def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write", help="write a configuration")
    w.add_argument("--iso", required=True)
    w.add_argument("--out", required=True, help="the bochsrc to write (cont.rc goes beside it)")
    com1 = w.add_mutually_exclusive_group(required=True)
    com1.add_argument("--com1-tty", help="COM1 on this terminal, e.g. $(tty)")
    com1.add_argument("--com1-file", help="COM1 output into this file")
    w.add_argument("--log", required=True)
    w.add_argument("--model", default="corei7_skylake_x")
    w.add_argument("--megs", type=int, default=256)
    w.add_argument("--ips", type=int, default=IPS)
    w.add_argument("--clock", choices=sorted(CLOCKS), default="deterministic")
    w.add_argument("--info", choices=["report", "ignore"], default="report")
    c = sub.add_parser("check", help="boot Bochs for a second; say why when it cannot start")
    c.add_argument("--iso", default=os.path.join(BUILD, "kestrel.iso"))
    c.add_argument("--config", help="check this bochsrc instead of a generated one")
    e = sub.add_parser("explain", help="after a run: print Bochs's error line and its likely cause, if any")
    e.add_argument("output", help="what Bochs printed")
    e.add_argument("log", nargs="?", help="its log file")
    e.add_argument("--config", help="the bochsrc it ran with")
    a = ap.parse_args(argv)

    if a.cmd == "write":
        line = (f"com1: enabled=1, mode=term, dev={a.com1_tty}" if a.com1_tty else
                f"com1: enabled=1, mode=file, dev={a.com1_file}")
        write(a.out, config(a.iso, a.log, line, a.model, a.megs, a.ips, a.clock, a.info))
        return 0
    if a.cmd == "explain":
        said = explain(read(a.output), read(a.log), read(a.config))
        if said:
            print(said)
        return 1 if said else 0
    rc = a.config
    if rc is None:
        os.makedirs(BUILD, exist_ok=True)
        rc = os.path.join(BUILD, "bochs-check.bochsrc")
        serial = os.path.join(BUILD, "bochs-check.serial.txt")
        write(rc, config(os.path.abspath(a.iso), os.path.join(BUILD, "bochs-check.log"),
                         f"com1: enabled=1, mode=file, dev={serial}"))
    problem = check(rc)
    if problem:
        lines = problem.splitlines()
        print(f"bochs-check: {lines[0]}", file=sys.stderr)
        for line in lines[1:]:
            # Keep `code` in one piece: a no-break space is not a place to wrap.
            line = re.sub(r"`[^`]*`", lambda m: m.group(0).replace(" ", "\xa0"), line)
            line = textwrap.fill(line, 100, initial_indent="  ", subsequent_indent="    ",
                                 break_long_words=False, break_on_hyphens=False)
            print(line.replace("\xa0", " "), file=sys.stderr)
        return 1
    print("bochs-check: Bochs starts headless (its BIOS is running)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
