"""Boot Kestrel in QEMU or Bochs and capture what it prints on COM1.

Each test describes a boot (kernel command line, guest modules), gets an ISO
built for it, runs it in an emulator until Kestrel powers off, and asserts on
the serial log. A failing assertion shows the serial log and the tail of the
emulator's log (see Run.fail).
"""
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
KERNEL = os.path.join(BUILD, "kestrel.elf")
GUESTS = os.path.join(BUILD, "guests")
OUT = os.path.join(BUILD, "system")
OVMF = "/usr/share/ovmf/OVMF.fd"

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import bochsrc  # noqa: E402  (every Bochs configuration comes from scripts/bochsrc.py)

IPS = bochsrc.IPS


class Run:
    """The outcome of one boot: serial text, emulator log, exit status."""

    def __init__(self, name, serial, log, status, elapsed):
        self.name, self.serial, self.log = name, serial, log
        self.status, self.elapsed = status, elapsed

    def fail(self, why):
        tail = "\n".join(self.log.splitlines()[-40:])
        raise AssertionError(
            f"{why}\n--- serial log of {self.name} ---\n{self.serial}\n"
            f"--- emulator log (tail) ---\n{tail}\n")

    def expect(self, *needles):
        for n in needles:
            if n not in self.serial:
                self.fail(f"expected {n!r} in the serial output")

    def expect_not(self, *needles):
        for n in needles:
            if n in self.serial:
                self.fail(f"did not expect {n!r} in the serial output")

    def lines(self, prefix):
        return [l for l in self.serial.splitlines() if l.startswith(prefix)]

    def summary(self, vm):
        """The summary line of one VM as a dict (state, reason, exit_code...)."""
        for line in self.lines("summary: "):
            parts = line.split(" ", 2)
            if parts[1] == vm:
                return parse_summary(parts[2])
        self.fail(f"no summary line for VM {vm!r}")


def parse_summary(rest):
    """state=S reason="R" exit_code=C cpu=P% KEY=N ... exits=N[: NAME n, NAME n ...]
    (vmm/summary.c): whatever numbers stand between cpu and exits are kept
    by their names, so a new field does not shift the others."""
    out = {}
    state, rest = rest.split(" reason=\"", 1)
    out["state"] = state.split("=", 1)[1]
    out["reason"], rest = rest.split("\" ", 1)
    fields, _, reasons = rest.partition(": ")
    for field in fields.split():
        k, v = field.split("=", 1)
        out[k] = v if k == "exit_code" else float(v.rstrip("%")) if k == "cpu" else int(v)
    out["by_reason"] = {}
    for item in reasons.split(", ") if reasons else ():
        k, v = item.rsplit(" ", 1)
        out["by_reason"][k] = int(v)
    return out


def build_iso(cmdline="", modules=(), name=None):
    """An ISO with the kernel and the given modules.

    modules: (file under build/guests, module string) pairs, e.g.
    ("hello.bin", "hello mem=4M"). Raw files outside build/guests may be given
    as absolute paths."""
    cfg = "set timeout=0\nset default=0\nmenuentry \"Kestrel test\" {\n"
    cfg += f"\tmultiboot2 /boot/kestrel.elf {cmdline}\n"
    files = []
    for f, s in modules:
        src = f if os.path.isabs(f) else os.path.join(GUESTS, f)
        files.append(src)
        cfg += f"\tmodule2 /guests/{os.path.basename(src)} {s}\n"
    cfg += "\tboot\n}\n"
    digest = hashlib.sha1(cfg.encode()).hexdigest()[:12]
    name = name or digest
    os.makedirs(OUT, exist_ok=True)
    iso = os.path.join(OUT, f"{name}.iso")
    tree = tempfile.mkdtemp(prefix="kestrel-iso-")
    try:
        os.makedirs(os.path.join(tree, "boot", "grub"))
        os.makedirs(os.path.join(tree, "guests"))
        shutil.copy(KERNEL, os.path.join(tree, "boot", "kestrel.elf"))
        for src in files:
            shutil.copy(src, os.path.join(tree, "guests"))
        with open(os.path.join(tree, "boot", "grub", "grub.cfg"), "w") as fh:
            fh.write(cfg)
        r = subprocess.run(["grub-mkrescue", "-o", iso, tree], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"grub-mkrescue failed:\n{r.stderr}")
    finally:
        shutil.rmtree(tree)
    return iso


def run_qemu(iso, uefi=False, timeout=60, name="qemu"):
    serial = os.path.join(OUT, f"{name}.serial.txt")
    cmd = ["qemu-system-x86_64", "-m", "512", "-cdrom", iso, "-display", "none",
           "-serial", f"file:{serial}", "-no-reboot", "-monitor", "none",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if uefi:
        cmd += ["-bios", OVMF]
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        status, log = r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        status, log = None, f"timed out after {timeout} s\n{e.stdout or ''}{e.stderr or ''}"
    elapsed = time.monotonic() - t0
    with open(serial, errors="replace") as fh:
        text = fh.read().replace("\r", "")
    return Run(name, text, log, status, elapsed)


def bochs_config(iso, model, name, com1, megs=256):
    """Write build/system/NAME.bochsrc (deterministic, headless); returns (rc, cont, log)."""
    log = os.path.join(OUT, f"{name}.bochs.log")
    rc = os.path.join(OUT, f"{name}.bochsrc")
    cont = bochsrc.write(rc, bochsrc.config(iso, log, com1, model=model, megs=megs))
    return rc, cont, log


def read_log(path):
    try:
        with open(path, errors="replace") as fh:
            return fh.read()
    except FileNotFoundError:
        return ""


def run_bochs(iso, model="corei7_skylake_x", timeout=300, name="bochs", megs=256, env=None):
    serial = os.path.join(OUT, f"{name}.serial.txt")
    if os.path.exists(serial):
        os.unlink(serial)
    rc, cont, log = bochs_config(iso, model, name, f"com1: enabled=1, mode=file, dev={serial}", megs)
    t0 = time.monotonic()
    output = ""
    try:
        r = subprocess.run(["bochs", "-q", "-f", rc, "-rc", cont], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout, cwd=OUT, env=env)
        status, output = r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired:
        status = None
    elapsed = time.monotonic() - t0
    text = read_log(serial).replace("\r", "")
    log_text = read_log(log)
    # An abort (e.g. the sound-card one) is on Bochs's stderr, not in its log.
    said = bochsrc.explain(output, log_text, read_log(rc))
    return Run(name, text, log_text + (f"\n{said}\n" if said else ""), status, elapsed)


FLOPPY_BYTES = 1474560


def compare_lines(run, got, want, what):
    """got, the guest's lines, must be want's lines exactly and in order;
    want holds (line, why) pairs, why being the reason the SDM (or the
    datasheet) gives for that line, shown for each line that differs."""
    bad = []
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else "(missing)"
        w, why = want[i] if i < len(want) else ("(nothing)", "the guest printed more lines than the table has")
        if g != w:
            bad.append(f"  line {i + 1}: got      {g}\n           expected {w}\n           because  {why}")
    if bad:
        run.fail(f"{what}: {len(bad)} line(s) differ from the table:\n" + "\n".join(bad))


def run_bare_floppy(image, name, model="corei7_skylake_x", timeout=300):
    """Boot a flat guest that is also a boot sector (one sector, or more with
    tests/guests/bootload.inc) from a floppy on bare Bochs, with no
    hypervisor and unknown MSRs faulting as on hardware: the emulated CPU and
    devices are the oracle the Kestrel run is compared with."""
    if not os.path.exists(image):
        raise AssertionError(f"{image} is missing: run make iso")
    os.makedirs(OUT, exist_ok=True)
    img = os.path.join(OUT, f"{name}.img")
    with open(image, "rb") as fh:
        data = fh.read()
    assert len(data) % 512 == 0 and data[510:512] == b"\x55\xaa", f"{image} is not a boot-sector image"
    with open(img, "wb") as fh:
        fh.write(data + bytes(FLOPPY_BYTES - len(data)))
    serial = os.path.join(OUT, f"{name}.serial.txt")
    if os.path.exists(serial):
        os.unlink(serial)
    log = os.path.join(OUT, f"{name}.bochs.log")
    text = bochsrc.config(None, log, f"com1: enabled=1, mode=file, dev={serial}", model=model, megs=32,
                          floppy=img, strict_msrs=True)
    rc = os.path.join(OUT, f"{name}.bochsrc")
    cont = bochsrc.write(rc, text)
    t0 = time.monotonic()
    output = ""
    try:
        r = subprocess.run(["bochs", "-q", "-f", rc, "-rc", cont], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout, cwd=OUT)
        status, output = r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired:
        status = None
    said = bochsrc.explain(output, read_log(log), text)
    return Run(name, read_log(serial).replace("\r", ""), read_log(log) + (f"\n{said}\n" if said else ""),
               status, time.monotonic() - t0)


class BochsSession:
    """Bochs with COM1 on a TCP socket: the test types, Kestrel answers."""

    def __init__(self, iso, model="corei7_skylake_x", name="bochs-tty", megs=256, timeout=300):
        self.name, self.timeout = name, timeout
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        port = self.srv.getsockname()[1]
        rc, cont, self.log_path = bochs_config(
            iso, model, name, f"com1: enabled=1, mode=socket-client, dev=127.0.0.1:{port}", megs)
        self.proc = subprocess.Popen(["bochs", "-q", "-f", rc, "-rc", cont], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=OUT)
        self.srv.settimeout(60)
        self.conn, _ = self.srv.accept()
        self.conn.settimeout(0.2)
        self.text = ""
        self.t0 = time.monotonic()

    def _pump(self):
        try:
            data = self.conn.recv(65536)
        except socket.timeout:
            return True
        except OSError:
            return False
        if not data:
            return False
        self.text += data.decode("latin-1").replace("\r", "")
        return True

    def wait_for(self, needle, timeout=120, start=0):
        """Wait until needle appears after offset start; returns its end offset."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            i = self.text.find(needle, start)
            if i >= 0:
                return i + len(needle)
            if not self._pump():
                break
        self.fail(f"timed out waiting for {needle!r}")

    def send(self, data, gap=0.0):
        if isinstance(data, str):
            data = data.encode("latin-1")
        if gap:
            for b in data:
                self.conn.sendall(bytes([b]))
                time.sleep(gap)
        else:
            self.conn.sendall(data)

    def close(self):
        end = time.monotonic() + self.timeout
        while self.proc.poll() is None and time.monotonic() < end:
            if not self._pump():
                break
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.conn.close()
        self.srv.close()
        with open(os.path.join(OUT, f"{self.name}.serial.txt"), "w") as fh:
            fh.write(self.text)
        return Run(self.name, self.text, read_log(self.log_path), self.proc.returncode,
                   time.monotonic() - self.t0)

    def fail(self, why):
        if self.proc.poll() is None:
            self.proc.kill()
        with open(os.path.join(OUT, f"{self.name}.serial.txt"), "w") as fh:
            fh.write(self.text)
        Run(self.name, self.text, read_log(self.log_path), None, 0).fail(why)
