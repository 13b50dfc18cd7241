"""Issue 13, item 3: bad modules and options. One Bochs boot carries them all
(Bochs is slow): images the loaders must refuse (tests/guests/badinput.py),
options that are out of range or garbled, a guest too big for the host, a
file for no VM, a duplicate name, more guests than VM slots, and a garbled
kernel command line. Each bad module gets exactly one line,
  kestrel: module INDEX 'STRING': PROBLEM; skipped
with its string quoted safe (fmt_quote: \\xNN for bytes outside printable
ASCII, "..." past 80 characters), and every good guest beside them runs to
its normal end. docs/robustness.md, "Bad modules and options", lists them.
"""
import re

import pytest

from kestrel import build_iso, run_bochs

VM_MAX = 64
MEGS = 256
LONG = 4096  # bytes of a long kernel command line and of long module lines
BANNER = "Kestrel 0.1.0: an x86-64 microhypervisor"


def quoted(s, show):
    """What fmt_quote (kernel/fmt.c) makes of s in a buffer of show + 1 bytes."""
    data = s.encode("utf-8") if isinstance(s, str) else s
    width = [1 if 0x20 <= b < 0x7F else 4 for b in data]
    room = show if sum(width) <= show else show - 3
    out, used = "", 0
    for b, w in zip(data, width):
        if used + w > room:
            return out + "..."
        out += chr(b) if w == 1 else f"\\x{b:02x}"
        used += w
    return out


def module(s):
    return quoted(s, 80)


def token(s):
    return quoted(s, 40)


# (file, module string, the problem as Kestrel states it). A problem that
# is a compiled pattern is matched, for figures the run decides.
BAD = [
    ("empty.bin", "empty", "empty image"),
    ("elfhead.elf", "elfhead", "ELF header truncated"),
    ("elfcut.elf", "elfcut",
     "ELF image truncated: a segment's file data (p_offset + p_filesz) runs past its end"),
    ("elfoverlap.elf", "elfoverlap",
     "ELF PT_LOAD segments overlap (p_paddr + p_memsz): one would overwrite the other"),
    ("elfhigh.elf", "elfhigh", "ELF segment outside guest RAM (raise mem=, or link it lower)"),
    ("mbcut.bin", "mbcut", "Multiboot load_end_addr lies past the end of the image"),
    ("mbaddr.bin", "mbaddr", "Multiboot load_addr is above header_addr"),
    ("mbentry.bin", "mbentry", "Multiboot entry_addr is not inside the loaded image"),
    ("bzsetup.bin", "bzsetup", "Linux image truncated: setup_sects says more setup code than the file holds"),
    ("bzsys.bin", "bzsys", "Linux image truncated: syssize says more protected-mode code than the file holds"),
    ("hello.bin", "huge mem=1G", re.compile(r"its 1048576 KiB of RAM are more than the host has free \(\d+ KiB\)")),
    ("hello.bin", "m0 mem=0", "mem size '0' is under 64K, the least guest RAM"),
    ("hello.bin", "m1t mem=1T", "mem size '1T' is over 1G, the most guest RAM"),
    ("hello.bin", "mbig mem=99999999999999999999", "mem size '99999999999999999999' is over 1G, the most guest RAM"),
    ("hello.bin", "m5k mem=5000", "mem size '5000' is not a multiple of 4 KiB"),
    ("hello.bin", "opt colour=red", "unknown option 'colour=red'"),
    ("hello.bin", "ctl\x01name", "bad VM name 'ctl\\x01name': use A-Z a-z 0-9 _ -"),
    ("hello.bin", "bin \x02\x7f", "unknown option '\\x02\\x7f'"),
    ("hello.bin", "dash --x", "unknown option '--x'"),
    ("hello.bin", "longopt " + "o" * LONG, f"unknown option '{token('o' * LONG)}'"),
    ("hello.bin", "+nosuch initrd", "no guest is named 'nosuch'"),
    ("hello.bin", "+hello", "vm 'hello' is a flat binary, real mode, which takes no modules"),
]

# Good guests, each run to its normal end: (file, module string, its name).
GOOD = [
    ("hello.bin", "hello", "hello"),
    ("pm32.elf", "pm32", "pm32"),
    ("mbinfo.bin", "mbl mem=16M -- " + "w" * LONG, "mbl"),  # a long command line, handed over whole
    ("hello.bin", "hdash --", "hdash"),  # a separator with nothing after: an empty command line
    ("hello.bin", "hlong -- " + "c" * LONG, "hlong"),  # a flat guest takes none: said, ignored
]
FILLERS = [f"h{i:02d}" for i in range(VM_MAX - len(GOOD))]
EXTRA = ["x1", "x2"]

# The kernel's own command line: nomonitor and timeout first, as they must
# act; then unknown keys, bytes >= 0x80 and below 0x20, options without the
# value they need, a flag with one, one token of 4 KiB, and more than the
# 32 tokens the parser keeps.
KEYS = [f"k{i}" for i in range(40)]
CMDLINE = ("nomonitor timeout=6000 colour=blue \u00e9t\u00e9=1 quantum loglevel nomonitor=yes ctl\x01x "
           + "L" * LONG + " " + " ".join(f"{k}=v" for k in KEYS))
KEPT = 32 - 9  # tokens before the k's
HOST_LINES = ["kestrel: command line has 17 options beyond the first 32; they are ignored",
              "kestrel: unknown option 'colour' ignored",
              "kestrel: unknown option '\\xc3\\xa9t\\xc3\\xa9' ignored",
              "kestrel: option nomonitor takes no value; 'nomonitor=yes' ignored",
              "kestrel: unknown option 'ctl\\x01x' ignored",
              f"kestrel: unknown option '{token('L' * LONG)}' ignored",
              "kestrel: option quantum: expected a number from 1 to 1000; using 10",
              "kestrel: option loglevel: expected error, warn, info or debug"]
HOST_LINES += [f"kestrel: unknown option '{k}' ignored" for k in KEYS[:KEPT]]


def modules():
    """The boot's module lines: the bad ones among the good, the fillers
    up to VM_MAX guests, then the extras past it. Returns (list, index of
    each string)."""
    mods = [(f, s) for f, s, _ in GOOD[:1]]
    mods += [(f, s) for f, s, _ in BAD]
    mods += [("hello.bin", "hello")]  # a duplicate name
    mods += [(f, s) for f, s, _ in GOOD[1:]]
    mods += [("hello.bin", f"{n} mem=64K") for n in FILLERS]
    mods += [("hello.bin", f"{n} mem=64K") for n in EXTRA]
    return mods


@pytest.fixture(scope="module")
def run():
    iso = build_iso(CMDLINE, modules(), name="badin")
    r = run_bochs(iso, name="badin", megs=MEGS, timeout=900)
    r.expect_not("PANIC", "host exception")
    r.expect("kestrel: summary of")
    return r


def module_lines(run, index):
    return [l for l in run.lines("kestrel: module ") if l.startswith(f"kestrel: module {index} ")]


def expect_one(run, index, string, why):
    got = module_lines(run, index)
    head = f"kestrel: module {index} '{module(string)}': "
    ok = len(got) == 1 and got[0].startswith(head) and got[0].endswith("; skipped")
    problem = got[0][len(head):-len("; skipped")] if ok else None
    if ok and (why.fullmatch(problem) if isinstance(why, re.Pattern) else problem == why):
        return
    run.fail(f"module {index} {string[:40]!r}: expected one line\n  {head}{getattr(why, 'pattern', why)}; "
             f"skipped\ngot {got}")


def test_each_bad_module_gets_one_line_naming_it_and_the_problem(run):
    mods = modules()
    for f, s, why in BAD:
        expect_one(run, mods.index((f, s)), s, why)
    dup = len(GOOD[:1]) + len(BAD)
    expect_one(run, dup, "hello", "another guest already has this name")
    for i, n in enumerate(EXTRA):
        expect_one(run, len(mods) - len(EXTRA) + i, f"{n} mem=64K", f"too many guests (at most {VM_MAX})")
    skipped = [l for l in run.lines("kestrel: module ") if l.endswith("; skipped")]
    if len(skipped) != len(BAD) + 1 + len(EXTRA):
        run.fail(f"expected {len(BAD) + 1 + len(EXTRA)} skipped modules, got {len(skipped)}")


def test_good_guests_beside_them_run_to_their_end(run):
    run.expect(f"kestrel: running {VM_MAX} guests", f"kestrel: summary of {VM_MAX} VMs")
    for name in [n for _, _, n in GOOD] + FILLERS:
        s = run.summary(name)
        if s["state"] != "stopped" or s["exit_code"] != "0":
            run.fail(f"{name}: state {s['state']} exit code {s['exit_code']} ({s['reason']}), expected stopped, 0")
    for name in ["hello", "hdash", "hlong"] + FILLERS:
        if f"[{name}] Hello from real mode" not in run.serial:
            run.fail(f"{name} did not say hello")
    run.expect("[mbl] mbinfo: cmdline='" + "w" * 64)
    hlong = [f"kestrel: module {modules().index(GOOD[4][:2])} '{module(GOOD[4][1])}': "
             "a flat binary, real mode takes no command line; ignored"]
    if [l for l in run.lines("kestrel: module ") if "'hlong" in l] != hlong:
        run.fail(f"expected one line for hlong: {hlong[0]}")
    for name in ["hdash", "mbl", "pm32"]:
        if [l for l in run.lines("kestrel: module ") if f"'{name}" in l]:
            run.fail(f"{name} is a good guest, yet a module line names it")


def test_garbled_kernel_command_line_is_reported_and_the_boot_goes_on(run):
    for line in HOST_LINES:
        n = run.serial.splitlines().count(line)
        if n != 1:
            run.fail(f"expected the line {line!r} once, got it {n} times")
    for k in KEYS[KEPT:]:
        run.expect_not(f"unknown option '{k}'")
    host = [l for l in run.serial.splitlines() if l.startswith(BANNER)]
    if len(host) != 1:
        run.fail(f"the host printed its banner {len(host)} times")
    run.expect_not("kestrel> ")  # no monitor prompt: nomonitor held, its valued twin ignored
