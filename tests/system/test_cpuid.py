"""Issue 9, items 4 and 6: what CPUID advertises works, and the instruction
pointer and CR0.PG behave as hardware's in every code size.

One flat guest (tests/guests/cpuwalk.asm, docs/guests.md "cpuwalk") runs on
bare Bochs, booted from a floppy by the BIOS with no hypervisor (the oracle:
it proves the guest's own checks on the emulated CPU), and as a Kestrel
guest, on each CPU model Kestrel is tested on. In both:

- every feature line that says advertised=1 must say works=1: the CR4 bit
  it gates is accepted and reads back set, or its instruction runs without a
  fault (SDM 2 CPUID: a feature CPUID reports is there to use);
- CPUID (an instruction Kestrel emulates) at IP 0xFFFE in real mode and at
  EIP 0xFFFFFFFE in 32-bit protected and compatibility mode continues at
  offset 0 (SDM 1 3.5, 3.6: IP and EIP are 16- and 32-bit). Bare Bochs 2.7
  is no oracle for the real-mode line: it lets IP reach 0x10000 and faults
  the fetch there against the 64 KiB limit (#GP), where CPUs wrap IP to 0
  and go on (a one-byte instruction at FFFFh continues at 0000h on PCs from
  the 386 on). Kestrel follows the CPUs, so that line is the one expected
  difference between the two;
- clearing CR0.PG works in compatibility mode and ends IA-32e mode, and is
  #GP(0) in 64-bit mode (SDM 2B MOV to/from control registers, 64-bit mode
  exceptions; SDM 3A 9.8.5.4).

Under Kestrel, the other wrap and CR0 lines must equal bare Bochs's.
"""
import os
import re

import pytest

from kestrel import GUESTS, build_iso, compare_lines, run_bare_floppy, run_bochs

MODELS = ["corei7_skylake_x", "tigerlake"]
IMAGE = os.path.join(GUESTS, "cpuwalk.bin")
FEATURE = re.compile(r"cpuwalk: (\S+) advertised=([01]) works=([01-])$")

# The lines of checks 1 and 3, each with the SDM's reason.
MODE_LINES = [
    ("cpuwalk: wrap real vector=none",
     "real mode: IP is 16 bits, so CPUID at 0xFFFE (emulated by Kestrel) continues at 0 (SDM 1 3.5)"),
    ("cpuwalk: wrap pm32 vector=none",
     "32-bit code: EIP is 32 bits, so CPUID at 0xFFFFFFFE continues at 0 (SDM 1 3.6)"),
    ("cpuwalk: wrap compat vector=none",
     "compatibility mode: 32-bit code, EIP wraps at 4 GiB as in protected mode (SDM 1 3.6, 3A 5.2.1)"),
    ("cpuwalk: clear-pg compat vector=none lma=0",
     "clearing CR0.PG in compatibility mode is how IA-32e mode is left: EFER.LMA reads 0 (SDM 3A 9.8.5.4)"),
    ("cpuwalk: clear-pg long vector=13",
     "clearing CR0.PG in 64-bit mode is #GP(0) (SDM 2B MOV to/from control registers, 64-bit mode exceptions)"),
]
# Bare Bochs 2.7's own answer where it is not the CPUs' (see above).
BOCHS_REAL = ("cpuwalk: wrap real vector=13",
              "Bochs 2.7 does not wrap IP in 16-bit code: the fetch at IP 0x10000 is past the limit, #GP")
BARE_LINES = [BOCHS_REAL] + MODE_LINES[1:]


def guest_lines(run, prefix=""):
    """The guest's own lines, without Kestrel's [NAME] prefix."""
    return [l[len(prefix):] for l in run.serial.splitlines() if l.startswith(prefix + "cpuwalk: ")]


def check_advertised_works(run, lines, what):
    got = [m.groups() for m in map(FEATURE.match, lines) if m]
    if not got:
        run.fail(f"{what}: the guest printed no feature lines")
    broken = [name for name, adv, works in got if adv == "1" and works != "1"]
    if broken:
        cpuid = "\n".join(l for l in lines if l.startswith("cpuwalk: cpuid"))
        run.fail(f"{what}: advertised but not working: {', '.join(broken)}\n{cpuid}")


def mode_lines(lines):
    return [l for l in lines if re.match(r"cpuwalk: (wrap|clear-pg) ", l)]


# ---- bare Bochs -----------------------------------------------------------------

def run_bare(model):
    return run_bare_floppy(IMAGE, f"cpuwalk-bare-{model}", model)


@pytest.fixture(scope="module")
def bare():
    """model -> the bare Bochs run, shared by the tests of both sides."""
    return {}


def bare_run(bare, model):
    if model not in bare:
        bare[model] = run_bare(model)
    return bare[model]


@pytest.mark.parametrize("model", MODELS)
def test_cpuwalk_on_bare_bochs(model, bare):
    """The oracle: on the emulated CPU itself every advertised feature works,
    and the wrap and CR0.PG lines are the SDM's (but for Bochs's real mode)."""
    run = bare_run(bare, model)
    lines = guest_lines(run)
    if "cpuwalk: done" not in lines:
        run.fail("bare Bochs: the guest did not reach its end")
    check_advertised_works(run, lines, f"bare Bochs ({model})")
    compare_lines(run, mode_lines(lines), BARE_LINES, f"bare Bochs ({model})")


# ---- under Kestrel --------------------------------------------------------------

@pytest.fixture(scope="module")
def iso():
    return build_iso("nomonitor timeout=120000", [("cpuwalk.bin", "cpuwalk")], name="cpuwalk")


@pytest.mark.parametrize("model", MODELS)
def test_cpuwalk_under_kestrel(model, iso, bare):
    """Under Kestrel every feature the guest is told about works, and the
    wrap and CR0.PG lines are the SDM's: bare Bochs's but for real mode."""
    run = run_bochs(iso, model=model, name=f"cpuwalk-kestrel-{model}")
    lines = guest_lines(run, "[cpuwalk] ")
    check_advertised_works(run, lines, f"Kestrel ({model})")
    compare_lines(run, mode_lines(lines), MODE_LINES, f"Kestrel ({model})")
    oracle = mode_lines(guest_lines(bare_run(bare, model)))
    if mode_lines(lines)[1:] != oracle[1:]:
        run.fail(f"Kestrel ({model}) differs from bare Bochs:\n  Kestrel {mode_lines(lines)}\n  bare    {oracle}")
    run.expect("[cpuwalk] cpuwalk: done\n", "[cpuwalk] *** stopped: guest wrote 0 to port 0xF4, exit code 0")
    run.expect_not("PANIC", "host exception", "VMENTER FAIL")
