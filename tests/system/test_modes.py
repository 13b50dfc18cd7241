"""Issue 8, part 2: which fault, with which stack frame and error code, each CPU
mode gets for instructions Kestrel emulates or refuses; and INT 0x21 in
virtual-8086 mode under every row of SDM 3A table 20-2, natively and injected.

One flat guest (tests/guests/modes.asm, docs/guests.md "modes") runs twice:
on bare Bochs, booted from a floppy by the BIOS with no hypervisor at all (the
oracle: what the emulated CPU does), and as a Kestrel guest, where the monitor
injects `swint 0x21` whenever the guest spins in V86 mode waiting for it. Both
runs must print exactly the lines of the table below, which says for each line
why the SDM expects it. Only the injected outcomes differ: "none" on bare
Bochs (no injector), the native INT 0x21 outcome under Kestrel.
"""
import os
import re

import pytest

from kestrel import GUESTS, BochsSession, build_iso, compare_lines, run_bare_floppy

MODELS = ["corei7_skylake_x", "tigerlake"]
IMAGE = os.path.join(GUESTS, "modes.bin")
INJECT = "inject modes 0x21 swint len=2"

# ---- the expected table -----------------------------------------------------

# mode -> (frame without an error code, frame with one, why)
FRAMES = {
    "real": (6, 6, "real-address mode pushes FLAGS, CS, IP (6 bytes) and never an error code (SDM 3A 20.1.4); "
                   "a VM entry with unrestricted guest and CR0.PE=0 must not deliver one either (SDM 3C 26.2.1.3)"),
    "pm16": (6, 8, "16-bit interrupt gates (the guest's choice) push 16-bit FLAGS, CS, IP (6) and a 16-bit "
                   "error code (8) (SDM 3A 6.12.1, 6.13)"),
    "pm32": (12, 16, "32-bit gate, no privilege change: EFLAGS, CS, EIP (12), error code (16) (SDM 3A 6.12.1)"),
    "v86": (36, 40, "from virtual-8086 mode to a ring-0 handler: GS, FS, DS, ES, SS, ESP, EFLAGS, CS, EIP (36), "
                    "error code (40), on the TSS.ESP0 stack (SDM 3A 20.3.1.1)"),
    "long": (40, 48, "64-bit mode: SS, RSP, RFLAGS, CS, RIP as 8-byte items on a 16-byte aligned stack (40), "
                     "8-byte error code (48) (SDM 3A 6.14.2)"),
}
MODES = list(FRAMES)

UD, GP = 6, 13
# check -> (vector in protected/long mode, why), (vector in V86 mode, why)
CHECKS = {
    "vmxon": ((UD, "VMXON is #UD in real-address mode, and with CR4.VMXE=0 (SDM 3C 31.3 VMXON; Kestrel hides "
                   "VMXE, so it raises #UD when VMXON exits); #UD has no error code (SDM 3A 6.15 interrupt 6)"),
              (UD, "VMXON is #UD in virtual-8086 mode (SDM 3C 31.3 VMXON)")),
    "wrmsr-3a": ((GP, "WRMSR to IA32_FEATURE_CONTROL while its lock bit 0 is set is #GP(0) (SDM 4 table 2-2, "
                      "SDM 2B WRMSR)"),
                 (GP, "WRMSR at CPL 3 (virtual-8086 mode) is #GP(0) (SDM 2B WRMSR)")),
    "rdmsr-1234": ((GP, "RDMSR of an unimplemented MSR is #GP(0) (SDM 2B RDMSR); bare Bochs needs "
                        "ignore_bad_msrs=0 to say so"),
                   (GP, "RDMSR at CPL 3 (virtual-8086 mode) is #GP(0) (SDM 2B RDMSR)")),
    "xsetbv-0": ((GP, "XSETBV clearing XCR0 bit 0 (with CR4.OSXSAVE=1) is #GP(0) (SDM 2C XSETBV)"),
                 (GP, "XSETBV at CPL 3 (virtual-8086 mode) is #GP(0) (SDM 2C XSETBV)")),
    "cr4-bit31": ((GP, "MOV to CR4 setting reserved bit 31 is #GP(0) (SDM 2B MOV to/from control registers)"),
                  (GP, "MOV to CR4 at CPL 3 (virtual-8086 mode) is #GP(0) (SDM 2B MOV to/from control registers)")),
}

# SDM 3A 20.3.3 table 20-2: method -> (CR4.VME, IOPL, redirection bit of 0x21, outcome of INT 0x21)
METHODS = {
    1: (0, 3, 0, "pm-idt", "VME=0, IOPL=3: the protected-mode handler, through IDT vector 0x21"),
    2: (0, 0, 0, "gp(0x0000)", "VME=0, IOPL<3: #GP(0)"),
    3: (1, 0, 1, "gp(0x0000)", "VME=1, IOPL<3, bit set: #GP(0)"),
    4: (1, 3, 1, "pm-idt", "VME=1, IOPL=3, bit set: the protected-mode handler"),
    5: (1, 3, 0, "v86-ivt", "VME=1, IOPL=3, bit clear: the 8086 handler, through the IVT at linear 0"),
    6: (1, 0, 0, "v86-ivt", "VME=1, IOPL<3, bit clear: the 8086 handler through the IVT (VIF semantics)"),
}
INJECT_WHY = ("an injected INT n is delivered as if the guest executed it (SDM 3C 26.6.1.1); the VMM turns it "
              "into #GP(0) where IOPL<3 and it is not redirected, since VM entry does not check IOPL")


def check_line(mode, check):
    (vec, why), (v86_vec, v86_why) = CHECKS[check]
    if mode == "v86":
        vec, why = v86_vec, v86_why
    plain, with_error, frame_why = FRAMES[mode]
    if vec == GP and mode != "real":
        frame, error = with_error, "0x0000"
        why += "; the error code of a #GP not caused by a segment is 0 (SDM 3A 6.15 interrupt 13)"
    else:
        frame, error = plain, "-"
    return f"modes: {mode} {check} vector={vec} frame={frame} error={error} ip=ok", f"{why}; {frame_why}"


def expected(inject):
    """[(line, why)] in the guest's order; inject(method) is the injected outcome."""
    out = [("modes: start", "the guest's first line")]
    for mode in MODES:
        if mode == "long":
            continue
        out += [check_line(mode, c) for c in CHECKS]
    for m, (vme, iopl, bit, outcome, why) in METHODS.items():
        out.append((f"modes: v86 setup {m} vme={vme} iopl={iopl} bit={bit}", "the guest's V86 set-up"))
        out.append((f"modes: v86 ready {m}", "the guest waits for an injection"))
        out.append((f"modes: v86 method={m} int={outcome} inject={inject(m)}",
                    f"SDM 3A 20.3.3 table 20-2 method {m}: {why}; injected: {INJECT_WHY}"))
    out += [check_line("long", c) for c in CHECKS]
    out.append(("modes: done", "the guest's last line"))
    return out


# ---- bare Bochs -----------------------------------------------------------------

def run_bare(model):
    return run_bare_floppy(IMAGE, f"modes-bare-{model}", model)


@pytest.mark.parametrize("model", MODELS)
def test_modes_on_bare_bochs(model):
    run = run_bare(model)
    got = [l for l in run.serial.splitlines() if l.startswith("modes: ")]
    compare_lines(run, got, expected(lambda m: "none"), f"bare Bochs ({model})")
    if "Shutdown port: shutdown requested" not in run.log:
        run.fail("bare Bochs did not power off through port 0x8900")


# ---- under Kestrel --------------------------------------------------------------

@pytest.fixture(scope="module")
def iso():
    return build_iso("timeout=600000", [("modes.bin", "modes")], name="modes")


GUEST_LINE = re.compile(r"\[modes\] (modes: [^\n]*)")
ANSWER = re.compile(r"(modes: injecting [^\n]*|inject: [^\n]*)")


@pytest.mark.parametrize("model", MODELS)
def test_modes_under_kestrel(model, iso):
    s = BochsSession(iso, model=model, name=f"modes-kestrel-{model}")
    pos, answers = 0, {}
    for m in METHODS:
        pos = s.wait_for(f"[modes] modes: v86 ready {m}\n", timeout=240, start=pos)
        s.send(INJECT + "\r")
        end = s.wait_for(f"[modes] modes: v86 method={m} ", timeout=120, start=pos)
        a = ANSWER.search(s.text, pos, end)
        answers[m] = a.group(1) if a else "(no answer)"
        pos = end
    s.wait_for("[modes] *** stopped:", timeout=240, start=pos)
    s.wait_for("kestrel> ", start=pos)
    s.send("poweroff\r")
    run = s.close()

    got = GUEST_LINE.findall(run.serial)
    compare_lines(run, got, expected(lambda m: METHODS[m][3]), f"Kestrel ({model})")
    # The monitor must have injected (not refused): INT 0x21 itself, or the
    # #GP(0) it turns into with IOPL < 3 and no redirection.
    for m, (vme, iopl, bit, outcome, _) in METHODS.items():
        want = ("hwexc", "13") if outcome.startswith("gp") else ("swint", "33")
        a = re.search(r"injecting (\w+) vector (\d+)", answers[m])
        if not a or a.groups() != want:
            run.fail(f"method {m}: the monitor answered {answers[m]!r} to {INJECT!r}; "
                     f"expected 'injecting {want[0]} vector {want[1]}'")
    run.expect("[modes] *** stopped: guest wrote 0 to port 0xF4, exit code 0")
    summary = run.summary("modes")
    if summary["state"] != "stopped" or summary["exit_code"] != "0":
        run.fail(f"modes did not end with exit code 0: {summary}")
    run.expect_not("PANIC", "host exception", "VMENTER FAIL")
