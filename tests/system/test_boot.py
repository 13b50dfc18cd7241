"""Issue 2: the host boots from the ISO on BIOS and UEFI, in QEMU (no VMX)
and in Bochs (VMX), prints what it found, and every run ends by itself."""
import re

import pytest

from kestrel import build_iso, run_bochs, run_qemu

MODULES = [("hello.bin", "hello mem=4M"), ("pm32.elf", "pm32")]
QEMU_NO_VMX_EXIT = (3 << 1) | 1  # isa-debug-exit status for power_off(3)


@pytest.fixture(scope="module")
def iso():
    return build_iso("timeout=5000", MODULES, name="boot")


def check_host_boot(run):
    run.expect("Kestrel 0.1.0: an x86-64 microhypervisor")
    run.expect("boot: loader 'GRUB")
    m = re.search(r"memory: (\d+) MiB usable", run.serial)
    if not m or int(m.group(1)) < 100:
        run.fail("expected a memory line with at least 100 MiB usable")
    if not re.search(r"module 0: 'hello mem=4M', \d+ bytes", run.serial):
        run.fail("no line for module 0 with its string and size")
    if not re.search(r"module 1: 'pm32', \d+ bytes", run.serial):
        run.fail("no line for module 1 with its string and size")
    if not re.search(r"cpu: \w+ family 0x[0-9a-f]+ model 0x[0-9a-f]+", run.serial):
        run.fail("expected the CPU vendor and model")
    if not re.search(r"tsc: \d+\.\d{3} MHz", run.serial):
        run.fail("expected the measured TSC frequency")


@pytest.mark.parametrize("uefi", [False, True], ids=["bios", "uefi"])
def test_qemu_without_vmx_says_so_and_powers_off(iso, uefi):
    run = run_qemu(iso, uefi=uefi, name=f"qemu-{'uefi' if uefi else 'bios'}", timeout=120)
    check_host_boot(run)
    run.expect("kestrel: cannot run guests: this CPU lacks VMX (CPUID.1:ECX.VMX[bit 5] is 0)")
    run.expect_not("PANIC", "host exception")
    if run.status != QEMU_NO_VMX_EXIT:
        run.fail(f"QEMU should exit through isa-debug-exit with {QEMU_NO_VMX_EXIT}, got {run.status}")


@pytest.mark.parametrize("model,revision", [("corei7_skylake_x", "0x2b"), ("tigerlake", "0x4")])
def test_bochs_boots_with_vmx(iso, model, revision):
    run = run_bochs(iso, model=model, name=f"boot-{model}")
    check_host_boot(run)
    run.expect("vmx: usable", f"VMX on (VMCS revision {revision}")
    run.expect("kestrel: summary of 2 VMs")
    run.expect_not("PANIC", "host exception")
    if run.status is None:
        run.fail("Bochs did not end by itself")


def test_tsc_calibration_ignores_cpuid_in_bochs(iso):
    """Bochs's TSC runs at ips (50 MHz here) whatever CPUID 0x15/0x16 claim."""
    run = run_bochs(iso, model="corei7_skylake_x", name="boot-tsc")
    m = re.search(r"tsc: (\d+)\.(\d{3}) MHz", run.serial)
    mhz = int(m.group(1)) + int(m.group(2)) / 1000
    if abs(mhz - 50.0) > 0.5:
        run.fail(f"TSC calibrated to {mhz} MHz, expected 50 MHz (ips)")
    run.expect("CPUID claims 3500 MHz")


def test_cpu_without_long_mode_is_refused_in_one_line():
    iso = build_iso("", [], name="nolm")
    from kestrel import OUT
    import os
    import subprocess
    serial = os.path.join(OUT, "nolm.serial.txt")
    r = subprocess.run(["qemu-system-x86_64", "-cpu", "pentium3", "-m", "256", "-cdrom", iso, "-display", "none",
                        "-serial", f"file:{serial}", "-no-reboot", "-monitor", "none",
                        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"], capture_output=True, timeout=120)
    with open(serial, errors="replace") as fh:
        text = fh.read()
    assert "Kestrel: this CPU has no long mode (x86-64); halting" in text, text
    assert r.returncode == (2 << 1) | 1, (r.returncode, text)


def test_host_fault_is_reported_with_registers():
    iso = build_iso("debug_pagefault", [], name="hostfault")
    run = run_qemu(iso, name="hostfault", timeout=120)
    run.expect("Kestrel: host exception 14 (#PF page fault), error code 0x0",
               "CR2 00007ead00000000", "Kestrel PANIC: unhandled host exception 14", "RAX ", "R15 ", "RFLAGS ")
    if run.status != (0x7F << 1) | 1:
        run.fail(f"QEMU should exit with the panic code, got {run.status}")


@pytest.mark.parametrize("model,missing", [
    ("corei5_lynnfield_750", "unrestricted guest"),
    ("core2_penryn_t9600", "activate VMX-preemption timer, enable EPT, unrestricted guest, save IA32_PAT on VM exit"),
])
def test_missing_vmx_controls_are_named(iso, model, missing):
    run = run_bochs(iso, model=model, name=f"boot-{model}")
    check_host_boot(run)
    run.expect(f"kestrel: cannot run guests: this CPU lacks {missing}", "vmx: not usable; powering off")
    run.expect_not("PANIC", "host exception", "kestrel: summary")


def test_bad_options_are_reported_and_the_boot_goes_on():
    iso = build_iso("quantum=0 loglevel=loud colour=blue timeout=2000", [("hello.bin", "hello")], name="badopts")
    run = run_qemu(iso, name="badopts", timeout=120)
    run.expect("kestrel: unknown option 'colour' ignored",
               "kestrel: option quantum: expected a number from 1 to 1000; using 10",
               "kestrel: option loglevel: expected error, warn, info or debug",
               "kestrel: cannot run guests")
