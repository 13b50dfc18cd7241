"""Multiboot guests (vmm/load/multiboot.c, docs/guests.md "Multiboot guests").

One Kestrel boot in Bochs carries three Multiboot cases at once (Bochs is
slow, so they share it):
(a) tests/guests/mbinfo.asm, a Multiboot v1 a.out-kludge kernel, with a
    command line and two "+mb" modules: it prints what it was handed. Bare
    QEMU's -kernel (a Multiboot v1 loader) runs the same image as the oracle.
(b) Kestrel's own kernel, build/kestrel.elf (ELF64 with a Multiboot2 header
    and a 32-bit entry), as a guest of Kestrel: it boots, finds no VMX in its
    virtual CPU, says so and powers off with code 3.
(c) two images with a bad Multiboot header (wrong checksum; a required video
    mode): each is reported, naming its module and the problem, and skipped
    while the others run.
"""
import os
import re
import shutil
import subprocess

import pytest

from kestrel import GUESTS, KERNEL, OUT, build_iso, run_bochs

IMAGE = os.path.join(GUESTS, "mbinfo.bin")
WORK = os.path.join(OUT, "multiboot")
CMDLINE = "console=ttyS0 one two"
MODS = [("mod1.txt", b"MOD-ONE data\n", "mod1.txt first arg"), ("mod2.txt", b"second module", "mod2.txt")]
MB_FLAGS = 0x1BADB002
VIDEO = 1 << 2


def mod_line(i):
    name, data, string = MODS[i]
    first = " ".join(f"0x{b:02x}" for b in data[:8])
    return f"mbinfo: mod 0x{i:x} string='{string}' size=0x{len(data):08x} bytes: {first}"


def bad_images():
    """mbinfo.bin with its checksum off by one, and with flag 2 (video mode)
    set and the checksum fixed up."""
    with open(IMAGE, "rb") as fh:
        good = bytearray(fh.read())
    assert int.from_bytes(good[0:4], "little") == MB_FLAGS
    badsum = bytearray(good)
    badsum[8] ^= 1
    video = bytearray(good)
    flags = int.from_bytes(good[4:8], "little") | VIDEO
    video[4:8] = flags.to_bytes(4, "little")
    video[8:12] = ((-(MB_FLAGS + flags)) & 0xFFFFFFFF).to_bytes(4, "little")
    paths = {}
    for name, data in (("mbbadsum.bin", badsum), ("mbvideo.bin", video)):
        paths[name] = os.path.join(WORK, name)
        with open(paths[name], "wb") as fh:
            fh.write(data)
    return paths


@pytest.fixture(scope="module")
def files():
    if not os.path.exists(IMAGE):
        raise AssertionError(f"{IMAGE} is missing: run make iso")
    os.makedirs(WORK, exist_ok=True)
    for name, data, _ in MODS:
        with open(os.path.join(WORK, name), "wb") as fh:
            fh.write(data)
    shutil.copy(IMAGE, os.path.join(WORK, "mbinfo.bin"))
    return bad_images()


@pytest.fixture(scope="module")
def run(files):
    modules = [("mbinfo.bin", f"mb mem=16M -- {CMDLINE}")]
    modules += [(os.path.join(WORK, name), f"+mb {string}") for name, _, string in MODS]
    modules += [(KERNEL, "kg mem=64M -- nomonitor timeout=20000")]
    modules += [(files["mbbadsum.bin"], "badsum"), (files["mbvideo.bin"], "badvideo")]
    iso = build_iso("nomonitor timeout=120000", modules, name="multiboot")
    return run_bochs(iso, name="multiboot-kestrel", timeout=600)


def qemu_oracle():
    """Bare QEMU loading mbinfo.bin with -kernel/-initrd/-append, run from
    WORK so that the module strings are the same words as Kestrel's."""
    serial = os.path.join(WORK, "qemu.serial.txt")
    initrd = ",".join(string for _, _, string in MODS)
    cmd = ["qemu-system-x86_64", "-m", "32", "-kernel", "mbinfo.bin", "-initrd", initrd, "-append", CMDLINE,
           "-display", "none", "-serial", f"file:{serial}", "-monitor", "none", "-no-reboot",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    r = subprocess.run(cmd, cwd=WORK, capture_output=True, text=True, timeout=60)
    with open(serial, errors="replace") as fh:
        return r.returncode, fh.read().replace("\r", "").splitlines(), r.stdout + r.stderr


GUEST = re.compile(r"^\[mb\] (mbinfo: .*)$", re.M)


def test_mbinfo_under_kestrel(run):
    got = GUEST.findall(run.serial)
    want = ["mbinfo: magic=0x2badb002",
            # mem, cmdline, mods, mmap, boot loader name; no boot device
            "mbinfo: flags=0x0000024d",
            # 639 KiB below the EBDA; 16 MiB - 1 MiB above 1 MiB
            "mbinfo: mem_lower=0x0000027f mem_upper=0x00003c00",
            f"mbinfo: cmdline='{CMDLINE}'",
            "mbinfo: mods=0x02", mod_line(0), mod_line(1),
            "mbinfo: done"]
    if got != want:
        run.fail("mbinfo's lines under Kestrel:\n  got  " + "\n       ".join(got) +
                 "\n  want " + "\n       ".join(want))
    run.expect("[mb] *** stopped: guest wrote 0 to port 0xF4, exit code 0")
    s = run.summary("mb")
    if s["state"] != "stopped" or s["exit_code"] != "0":
        run.fail(f"mb did not end with exit code 0: {s}")
    run.expect_not("PANIC", "host exception", "VMENTER FAIL")


def test_mbinfo_matches_bare_qemu(run, files):
    """What must agree with QEMU's Multiboot loader: the magic, the flags
    except bit 1 (the BIOS boot device, which QEMU gives and Kestrel, with no
    disk, does not), mem_lower (both 639 KiB), the command line (QEMU puts
    the kernel's file name first, as GRUB legacy did: compared without it),
    and every module line. mem_upper is not compared: QEMU's is its -m less
    what its BIOS reserves, Kestrel's the guest's mem= less 1 MiB."""
    status, lines, log = qemu_oracle()
    assert status == 1, f"QEMU should exit through isa-debug-exit with 0*2+1, got {status}\n{log}\n{lines}"
    kestrel = GUEST.findall(run.serial)

    def fields(ls):
        out = {}
        for line in ls:
            key = line.split("=", 1)[0] if not line.startswith("mbinfo: mod ") else line[:16]
            out[key] = line
        return out

    q, k = fields(lines), fields(kestrel)
    assert q["mbinfo: magic"] == k["mbinfo: magic"], (lines, kestrel)
    qf = int(q["mbinfo: flags"].split("=")[1], 16)
    kf = int(k["mbinfo: flags"].split("=")[1], 16)
    assert qf & ~2 == kf & ~2, f"flags: QEMU 0x{qf:x}, Kestrel 0x{kf:x}"
    assert q["mbinfo: mem_lower"].split()[1] == k["mbinfo: mem_lower"].split()[1]
    assert q["mbinfo: cmdline"] == f"mbinfo: cmdline='mbinfo.bin {CMDLINE}'", lines
    assert q["mbinfo: mods"] == k["mbinfo: mods"]
    assert [l for l in lines if l.startswith("mbinfo: mod ")] == [mod_line(0), mod_line(1)], lines
    assert lines[-1] == "mbinfo: done"


def test_kestrel_as_a_multiboot2_guest(run):
    run.expect("[kg] Kestrel 0.1.0: an x86-64 microhypervisor",
               "[kg] boot: loader 'Kestrel 0.1.0', command line 'nomonitor timeout=20000'",
               "[kg] kestrel: cannot run guests: this CPU lacks VMX (CPUID.1:ECX.VMX[bit 5] is 0)",
               "[kg] *** stopped: guest wrote 3 to port 0xF4, exit code 3")
    s = run.summary("kg")
    if s["state"] != "stopped" or s["exit_code"] != "3":
        run.fail(f"kg did not end with exit code 3: {s}")
    # The host booted once: one banner of its own, not prefixed.
    host = [l for l in run.serial.splitlines() if l.startswith("Kestrel 0.1.0: an x86-64 microhypervisor")]
    if len(host) != 1:
        run.fail(f"the host printed its banner {len(host)} times")


def test_bad_headers_are_skipped(run):
    for name, why in (("badsum", "Multiboot header checksum is wrong"),
                      ("badvideo", "Multiboot kernel requires a video mode (header flag 2), and Kestrel has no "
                                   "display")):
        if not re.search(rf"kestrel: module \d+ '{name}': {re.escape(why)}; skipped", run.serial):
            run.fail(f"no line saying module '{name}' was skipped because: {why}")
    run.expect("kestrel: summary of 2 VMs")
