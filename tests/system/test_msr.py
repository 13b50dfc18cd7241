"""What an unmodified kernel meets in the MSRs and the CPUID leaves of time
and topology: every MSR of vmm/exit/msr.c's table answers as on a PC
without the features CPUID hides, and CPUID 0x15/0x16 give the TSC
frequency Kestrel measured.

One flat guest (tests/guests/msrwalk.asm, docs/guests.md "msrwalk") runs on
bare Bochs, booted from a floppy by the BIOS with no hypervisor and unknown
MSRs faulting (the oracle), and as a Kestrel guest, on each CPU model
Kestrel is tested on. Its MSR lines must be the table's under Kestrel, each
with the SDM's reason; on bare Bochs they must be the same but where the
emulated CPU has a feature Kestrel hides (its APIC, MTRRs, VMX, ...), or
where Bochs 2.7 lacks an MSR every Intel CPU has (MISC_ENABLE, DEBUGCTL,
BIOS_SIGN_ID): each of those lines says why it differs.
"""
import os
import re

import pytest

from kestrel import GUESTS, build_iso, compare_lines, run_bare_floppy, run_bochs

MODELS = ["corei7_skylake_x", "tigerlake"]
IMAGE = os.path.join(GUESTS, "msrwalk.bin")


def msr(n, rd, wr):
    return f"msrwalk: msr 0x{n:08x} rd {rd} wr {wr}"


Z = "0x0000000000000000"
GP = ("gp", "gp")
NO_FEATURE = "#GP: CPUID hides the feature, and a CPU without it has no such MSR (SDM 2B RDMSR, WRMSR)"
NOT_IN_TABLE = "#GP: an MSR Kestrel's table does not list (Linux probes it with rdmsr_safe and must see the fault)"

# Under Kestrel: (line, the reason), in the guest's order.
KESTREL = [
    (msr(0x10, "ok", "ok"), "IA32_TIME_STAMP_COUNTER: RDMSR runs natively; WRMSR sets the guest's TSC (TSC offset)"),
    (msr(0x17, Z, "gp"), "IA32_PLATFORM_ID: read-only (SDM 4 table 2-2); platform 0"),
    (msr(0x1B, *GP), "IA32_APIC_BASE: " + NO_FEATURE + ": CPUID.01H:EDX.APIC = 0"),
    (msr(0x33, *GP), "MSR_TEST_CTRL: " + NOT_IN_TABLE),
    (msr(0x3A, "0x0000000000000001", "gp"), "IA32_FEATURE_CONTROL: locked with VMX off; writing a locked one is #GP"),
    (msr(0x3B, *GP), "IA32_TSC_ADJUST: " + NO_FEATURE + ": CPUID.07H:EBX[1] = 0"),
    (msr(0x48, *GP), "IA32_SPEC_CTRL: " + NO_FEATURE + ": CPUID.07H:EDX[26] = 0"),
    (msr(0x49, *GP), "IA32_PRED_CMD: " + NO_FEATURE + ": CPUID.07H:EDX[26] = 0"),
    (msr(0x79, "gp", "ok"), "IA32_BIOS_UPDT_TRIG: write-only; an update written there is taken and not loaded"),
    (msr(0x8B, Z, "ok"), "IA32_BIOS_SIGN_ID: microcode revision 0 (none loaded); WRMSR 0 is the SDM's first step"),
    (msr(0xC1, *GP), "IA32_PMC0: " + NO_FEATURE + ": CPUID leaf 0xA is 0"),
    (msr(0xC8, *GP), "IA32_PMC7: " + NO_FEATURE + ": CPUID leaf 0xA is 0"),
    (msr(0xCE, *GP), "MSR_PLATFORM_INFO: " + NOT_IN_TABLE),
    (msr(0xE7, *GP), "IA32_MPERF: " + NO_FEATURE + ": CPUID.06H:ECX[0] = 0"),
    (msr(0xE8, *GP), "IA32_APERF: " + NO_FEATURE + ": CPUID.06H:ECX[0] = 0"),
    (msr(0xFE, *GP), "IA32_MTRRCAP: " + NO_FEATURE + ": CPUID.01H:EDX.MTRR = 0 (SDM 3A MTRR Feature Identification)"),
    (msr(0x10A, *GP), "IA32_ARCH_CAPABILITIES: " + NO_FEATURE + ": CPUID.07H:EDX[29] = 0"),
    (msr(0x140, *GP), "MSR_MISC_FEATURES_ENABLES: " + NOT_IN_TABLE),
    (msr(0x174, Z, "ok"), "IA32_SYSENTER_CS: native, VMCS guest state, 0 at reset"),
    (msr(0x175, Z, "ok"), "IA32_SYSENTER_ESP: native, VMCS guest state, 0 at reset"),
    (msr(0x176, Z, "ok"), "IA32_SYSENTER_EIP: native, VMCS guest state, 0 at reset"),
    (msr(0x179, *GP), "IA32_MCG_CAP: " + NO_FEATURE + ": CPUID.01H:EDX.MCE = MCA = 0"),
    (msr(0x17A, *GP), "IA32_MCG_STATUS: " + NO_FEATURE + ": CPUID.01H:EDX.MCA = 0"),
    (msr(0x17B, *GP), "IA32_MCG_CTL: " + NO_FEATURE + ": CPUID.01H:EDX.MCA = 0"),
    (msr(0x186, *GP), "IA32_PERFEVTSEL0: " + NO_FEATURE + ": CPUID leaf 0xA is 0"),
    (msr(0x18D, *GP), "IA32_PERFEVTSEL7: " + NO_FEATURE + ": CPUID leaf 0xA is 0"),
    (msr(0x1A0, "0x0000000000001801", "ok"),
     "IA32_MISC_ENABLE: fast strings, BTS and PEBS unavailable; the same value written back is accepted"),
    (msr(0x1B0, *GP), "IA32_ENERGY_PERF_BIAS: " + NOT_IN_TABLE + "; CPUID.06H:ECX[3] = 0"),
    (msr(0x1D9, Z, "ok"), "IA32_DEBUGCTL: the VMCS guest field, 0 at reset; writing 0 is accepted"),
    (msr(0x200, *GP), "IA32_MTRR_PHYSBASE0: " + NO_FEATURE + ": CPUID.01H:EDX.MTRR = 0"),
    (msr(0x213, *GP), "IA32_MTRR_PHYSMASK9: " + NO_FEATURE + ": CPUID.01H:EDX.MTRR = 0"),
    (msr(0x250, *GP), "IA32_MTRR_FIX64K_00000: " + NO_FEATURE + ": CPUID.01H:EDX.MTRR = 0"),
    (msr(0x258, *GP), "IA32_MTRR_FIX16K_80000: " + NO_FEATURE + ": CPUID.01H:EDX.MTRR = 0"),
    (msr(0x259, *GP), "IA32_MTRR_FIX16K_A0000: " + NO_FEATURE + ": CPUID.01H:EDX.MTRR = 0"),
    (msr(0x268, *GP), "IA32_MTRR_FIX4K_C0000: " + NO_FEATURE + ": CPUID.01H:EDX.MTRR = 0"),
    (msr(0x26F, *GP), "IA32_MTRR_FIX4K_F8000: " + NO_FEATURE + ": CPUID.01H:EDX.MTRR = 0"),
    (msr(0x277, "0x0007040600070406", "ok"), "IA32_PAT: native (VMCS guest field), the power-on value (SDM 3A PAT)"),
    (msr(0x2FF, *GP), "IA32_MTRR_DEF_TYPE: " + NO_FEATURE + ": CPUID.01H:EDX.MTRR = 0"),
    (msr(0x345, *GP), "IA32_PERF_CAPABILITIES: " + NO_FEATURE + ": CPUID.01H:ECX.PDCM = 0"),
    (msr(0x38D, *GP), "IA32_FIXED_CTR_CTRL: " + NO_FEATURE + ": CPUID leaf 0xA is 0"),
    (msr(0x390, *GP), "IA32_PERF_GLOBAL_OVF_CTRL: " + NO_FEATURE + ": CPUID leaf 0xA is 0"),
    (msr(0x400, *GP), "IA32_MC0_CTL: " + NO_FEATURE + ": CPUID.01H:EDX.MCA = 0"),
    (msr(0x47F, *GP), "IA32_MC31_MISC: " + NO_FEATURE + ": CPUID.01H:EDX.MCA = 0"),
    (msr(0x480, *GP), "IA32_VMX_BASIC: " + NO_FEATURE + ": CPUID.01H:ECX.VMX = 0"),
    (msr(0x493, *GP), "IA32_VMX_* (last): " + NO_FEATURE + ": CPUID.01H:ECX.VMX = 0"),
    (msr(0x6E0, *GP), "IA32_TSC_DEADLINE: " + NO_FEATURE + ": CPUID.01H:ECX[24] = 0"),
    (msr(0x800, *GP), "x2APIC: " + NO_FEATURE + ": CPUID.01H:ECX.x2APIC = 0"),
    (msr(0x8FF, *GP), "x2APIC: " + NO_FEATURE + ": CPUID.01H:ECX.x2APIC = 0"),
    (msr(0x1234, *GP), "no CPU has MSR 0x1234: #GP (SDM 2B RDMSR: reserved or unimplemented MSR address)"),
    (msr(0xC0000080, Z, "ok"), "IA32_EFER: emulated from the VMCS field; 0 in protected mode without paging"),
    (msr(0xC0000081, Z, "ok"), "IA32_STAR: native, switched per guest, 0 at reset"),
    (msr(0xC0000082, Z, "ok"), "IA32_LSTAR: native, switched per guest, 0 at reset"),
    (msr(0xC0000083, Z, "ok"), "IA32_CSTAR: native, switched per guest, 0 at reset"),
    (msr(0xC0000084, Z, "ok"), "IA32_FMASK: native, switched per guest, 0 at reset"),
    (msr(0xC0000100, "ok", "ok"), "IA32_FS_BASE: native, VMCS guest state"),
    (msr(0xC0000101, "ok", "ok"), "IA32_GS_BASE: native, VMCS guest state"),
    (msr(0xC0000102, Z, "ok"), "IA32_KERNEL_GS_BASE: native, switched per guest, 0 at reset"),
    (msr(0xC0000103, Z, "ok"), "IA32_TSC_AUX: native (RDTSCP/RDPID), switched per guest, 0 at reset"),
    ("msrwalk: pat type2 wr gp rd 0x0007040600070406",
     "PAT type 2 is reserved: WRMSR is #GP and PAT is unchanged (SDM 3A PAT: reserved encodings fault); native"),
    ("msrwalk: pat wc wr ok rd 0x0007040600070106", "PAT entry 1 = WC (01H) is valid and reads back"),
    ("msrwalk: debugctl lbr wr gp rd 0x0000000000000000",
     "DEBUGCTL.LBR: Kestrel offers no LBR stack (the LBR MSRs are #GP): only 0 is accepted"),
    ("msrwalk: debugctl btf wr gp rd 0x0000000000000000",
     "DEBUGCTL.BTF: not offered (vmm/exit/msr.c): only 0 is accepted"),
    ("msrwalk: debugctl 0 wr ok rd 0x0000000000000000", "DEBUGCTL = 0: accepted"),
    ("msrwalk: misc_enable fast-strings-off wr ok rd 0x0000000000001800",
     "MISC_ENABLE bit 0 (fast strings) may be cleared; REP string semantics do not change, and it reads back"),
    ("msrwalk: misc_enable restore wr ok rd 0x0000000000001801", "and set again"),
    ("msrwalk: bios_sign_id 0 then cpuid 1 wr ok rd 0x0000000000000000",
     "WRMSR 0, CPUID 1, RDMSR gives the microcode revision in EDX (SDM 3A Microcode Update Facilities): 0"),
]

# Where bare Bochs differs, and why: msr number -> (rd, wr, why), for every
# model; BARE_MODEL adds the rows one model differs in.
BOCHS_NO_MSR = "Bochs 2.7 does not implement this MSR, which every Intel CPU of the family has: #GP"
HAS = "bare Bochs's CPU has the feature Kestrel hides from its guests"
BARE = {
    0x17: ("gp", "gp", BOCHS_NO_MSR),
    0x1B: ("0x00000000fee00900", "ok", HAS + ": a local APIC at 0xFEE00000, enabled, BSP"),
    0x3A: ("0x0000000000000005", "gp", HAS + ": VMX (locked, VMXON outside SMX allowed)"),
    0x3B: ("ok", "ok", HAS + ": IA32_TSC_ADJUST (its value moves with the guest's TSC write)"),
    0x79: ("gp", "gp", BOCHS_NO_MSR),
    0x8B: ("gp", "gp", BOCHS_NO_MSR),
    0xFE: ("0x0000000000000508", "gp", HAS + ": MTRRs (8 variable ranges, fixed ranges, WC)"),
    0x1A0: ("gp", "gp", BOCHS_NO_MSR),
    0x1D9: ("gp", "gp", BOCHS_NO_MSR),
    0x200: ("0x00000000c0000000", "ok", HAS + ": MTRRs, variable range 0 as the BIOS set it"),
    0x213: ("gp", "gp", "Bochs has 8 variable MTRRs (MTRRCAP.VCNT = 8): PHYSMASK9 is not there"),
    0x250: ("0x0606060606060606", "ok", HAS + ": MTRRs"),
    0x258: ("0x0606060606060606", "ok", HAS + ": MTRRs"),
    0x259: (Z, "ok", HAS + ": MTRRs"),
    0x268: (Z, "ok", HAS + ": MTRRs"),
    0x26F: (Z, "ok", HAS + ": MTRRs"),
    0x2FF: ("0x0000000000000c06", "ok", HAS + ": MTRRs, enabled, default type WB"),
    0x6E0: (Z, "ok", HAS + ": the TSC-deadline timer"),
    0xC0000084: ("0x0000000000020200", "ok", "Bochs 2.7 resets IA32_FMASK to 0x20200; Kestrel's guests start at 0"),
}
BARE_MODEL = {
    "corei7_skylake_x": {
        0x480: ("0x00d810000000002b", "gp", HAS + ": VMX, VMCS revision 0x2b"),
    },
    "tigerlake": {
        0x48: (Z, "ok", HAS + ": IA32_SPEC_CTRL (CPUID.07H:EDX[26])"),
        0x49: ("gp", "ok", HAS + ": IA32_PRED_CMD, write-only"),
        0x10A: ("0x000000000000001f", "gp", HAS + ": IA32_ARCH_CAPABILITIES, read-only"),
        0x480: ("0x01d8100000000004", "gp", HAS + ": VMX, VMCS revision 4"),
    },
}
BOCHS_DEBUGCTL = "Bochs 2.7 has no IA32_DEBUGCTL: #GP"
BARE_VALUE_LINES = {
    "msrwalk: debugctl lbr": ("msrwalk: debugctl lbr wr gp rd gp", BOCHS_DEBUGCTL),
    "msrwalk: debugctl btf": ("msrwalk: debugctl btf wr gp rd gp", BOCHS_DEBUGCTL),
    "msrwalk: debugctl 0": ("msrwalk: debugctl 0 wr gp rd gp", BOCHS_DEBUGCTL),
    "msrwalk: misc_enable fast-strings-off": ("msrwalk: misc_enable fast-strings-off wr gp rd gp",
                                              "Bochs 2.7 has no IA32_MISC_ENABLE: #GP"),
    "msrwalk: misc_enable restore": ("msrwalk: misc_enable restore wr gp rd gp",
                                     "Bochs 2.7 has no IA32_MISC_ENABLE: #GP"),
    "msrwalk: bios_sign_id": ("msrwalk: bios_sign_id 0 then cpuid 1 wr gp rd gp",
                              "Bochs 2.7 has no IA32_BIOS_SIGN_ID: #GP"),
}
MSR_LINE = re.compile(r"msrwalk: msr 0x([0-9a-f]{8}) ")


def bare_table(model):
    diff = {**BARE, **BARE_MODEL[model]}
    out = []
    for line, why in KESTREL:
        m = MSR_LINE.match(line)
        n = int(m.group(1), 16) if m else None
        if n in diff:
            rd, wr, bwhy = diff[n]
            out.append((msr(n, rd, wr), f"{bwhy} (under Kestrel: {why})"))
            continue
        for prefix, (bline, bwhy) in BARE_VALUE_LINES.items():
            if line.startswith(prefix):
                out.append((bline, f"{bwhy} (under Kestrel: {why})"))
                break
        else:
            out.append((line, why))
    return out


def guest_lines(run, prefix=""):
    return [l[len(prefix):] for l in run.serial.splitlines() if l.startswith(prefix + "msrwalk: ")]


def msr_lines(lines):
    return [l for l in lines if not l.startswith(("msrwalk: cpuid", "msrwalk: start", "msrwalk: done"))]


def cpuid_regs(run, lines, leaf):
    """leaf 'LEAF.SUB' -> (eax, ebx, ecx, edx) as the guest printed them."""
    pat = re.compile(rf"msrwalk: cpuid {re.escape(leaf)} eax=0x(\w+) ebx=0x(\w+) ecx=0x(\w+) edx=0x(\w+)$")
    for l in lines:
        m = pat.match(l)
        if m:
            return tuple(int(x, 16) for x in m.groups())
    run.fail(f"the guest printed no line for CPUID {leaf}")


# ---- bare Bochs -----------------------------------------------------------------

@pytest.mark.parametrize("model", MODELS)
def test_msrwalk_on_bare_bochs(model):
    """The oracle: the emulated CPU answers as the table says, but where it
    has a feature Kestrel hides or lacks an MSR, each line saying why."""
    run = run_bare_floppy(IMAGE, f"msrwalk-bare-{model}", model)
    lines = guest_lines(run)
    if "msrwalk: done" not in lines:
        run.fail("bare Bochs: the guest did not reach its end")
    compare_lines(run, msr_lines(lines), bare_table(model), f"bare Bochs ({model})")


# ---- under Kestrel --------------------------------------------------------------

@pytest.fixture(scope="module")
def iso():
    return build_iso("nomonitor timeout=120000", [("msrwalk.bin", "msrwalk")], name="msrwalk")


@pytest.mark.parametrize("model", MODELS)
def test_msrwalk_under_kestrel(model, iso):
    """Every MSR of the table answers as it says; CPUID 0x15 and 0x16 give
    the frequency Kestrel printed at boot; one thread in one core; the
    hypervisor leaves are Kestrel's alone."""
    run = run_bochs(iso, model=model, name=f"msrwalk-kestrel-{model}")
    lines = guest_lines(run, "[msrwalk] ")
    compare_lines(run, msr_lines(lines), KESTREL, f"Kestrel ({model})")

    m = re.search(r"^tsc: (\d+)\.(\d{3}) MHz", run.serial, re.M)
    if not m:
        run.fail("Kestrel printed no 'tsc: N MHz' line")
    mhz, khz = int(m.group(1)), int(m.group(1)) * 1000 + int(m.group(2))
    if cpuid_regs(run, lines, "0x0.0x0")[0] != 0x16:
        run.fail("CPUID.0:EAX, the highest basic leaf, is not 0x16 (Kestrel answers 0x15 and 0x16)")
    den, num, crystal, _ = cpuid_regs(run, lines, "0x15.0x0")
    if not den or not num or not crystal:
        run.fail(f"CPUID 0x15 = {den:#x} {num:#x} {crystal:#x}: the TSC frequency is not enumerated")
    # Linux's native_calibrate_tsc: crystal kHz * EBX / EAX, and the SDM's
    # ECX * EBX / EAX Hz, agree with what Kestrel measured.
    if crystal // 1000 * num // den != khz:
        run.fail(f"CPUID 0x15 gives {crystal // 1000 * num // den} kHz (Linux's arithmetic); Kestrel measured {khz}")
    if crystal * num // den // 1000 != khz:
        run.fail(f"CPUID 0x15 gives {crystal * num // den} Hz; Kestrel measured {khz} kHz")
    base, top, bus, _ = cpuid_regs(run, lines, "0x16.0x0")
    if (base, top, bus) != (mhz, mhz, 0):
        run.fail(f"CPUID 0x16 = base {base}, max {top}, bus {bus} MHz; expected {mhz}, {mhz}, 0")
    # The SDM's answer beyond the last leaf is the highest basic leaf's.
    if cpuid_regs(run, lines, "0x40000100.0x0") != cpuid_regs(run, lines, "0x16.0x0"):
        run.fail("CPUID 0x40000100, beyond every range, is not leaf 0x16's answer")
    want = [
        ("msrwalk: cpuid 0xb.0x0 eax=0x00000000 ebx=0x00000001 ecx=0x00000100 edx=0x00000000",
         "leaf 0xB level 0: SMT, one logical processor, shift 0, x2APIC ID 0"),
        ("msrwalk: cpuid 0xb.0x1 eax=0x00000000 ebx=0x00000001 ecx=0x00000201 edx=0x00000000",
         "leaf 0xB level 1: core, one logical processor"),
        ("msrwalk: cpuid 0xb.0x2 eax=0x00000000 ebx=0x00000000 ecx=0x00000002 edx=0x00000000",
         "leaf 0xB level 2: invalid (ECX[15:8] = 0): no more levels"),
        ("msrwalk: cpuid 0x40000000.0x0 eax=0x40000001 ebx=0x7473654b ecx=0x566c6572 edx=0x726f7369",
         "Kestrel's signature 'KestrelVisor', highest hypervisor leaf 0x40000001 (docs/hypercalls.md)"),
        ("msrwalk: cpuid 0x40000001-0x400000ff or=0x00000000",
         "0x40000001 has no feature bits yet, and nothing of Bochs or another hypervisor shows through"),
    ]
    got = [l for l in lines if l.startswith(("msrwalk: cpuid 0xb.", "msrwalk: cpuid 0x40000000.",
                                             "msrwalk: cpuid 0x40000001-"))]
    compare_lines(run, got, want, f"Kestrel ({model}) CPUID")
    leaf4 = cpuid_regs(run, lines, "0x4.0x0")[0]
    if leaf4 >> 14:
        run.fail(f"CPUID 4.0 EAX = {leaf4:#x}: more than one core or thread sharing the cache")
    run.expect("[msrwalk] msrwalk: done\n", "[msrwalk] *** stopped: guest wrote 0 to port 0xF4, exit code 0")
    run.expect_not("PANIC", "host exception", "VMENTER FAIL")
