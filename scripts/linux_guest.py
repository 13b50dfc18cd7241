#!/usr/bin/env python3
"""Debian's Linux kernel and a busybox initramfs, as a Kestrel guest.

Fetches linux-image-cloud-amd64 (through the versioned package it depends on)
and busybox-static with `apt-get download` into a cache under build/linux/,
extracts the kernel and busybox, and writes an initramfs (a newc cpio archive,
built here so no cpio tool is needed). Nothing downloaded is committed.

    scripts/linux_guest.py [--out build/linux]   prints the kernel and initramfs paths

Exits non-zero with a message naming the packages when they cannot be fetched.
"""
import argparse
import glob
import os
import stat
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PACKAGES = ("linux-image-cloud-amd64", "busybox-static")

# /init: busybox's applets as links, /proc and /sys, then a shell on the
# console with a prompt the tests wait for. poweroff -f and reboot -f end it.
INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "init: busybox $(busybox | head -n 1 | cut -d' ' -f2) on Linux $(uname -r)"
export PS1='linux# ' HOME=/ PATH=/bin
exec setsid cttyhack sh
"""


class Fetch(Exception):
    pass


def run(cmd, cwd=None):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise Fetch(f"{' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")
    return r.stdout


def kernel_package():
    """linux-image-cloud-amd64 is a metapackage: the kernel is in the package
    it depends on (linux-image-6.1.0-N-cloud-amd64)."""
    for line in run(["apt-cache", "depends", PACKAGES[0]]).splitlines():
        line = line.strip()
        if line.startswith("Depends: linux-image-"):
            return line.split()[1]
    raise Fetch(f"apt-cache depends {PACKAGES[0]} names no linux-image package")


def fetch(out):
    """Download (once) and extract both packages; returns (vmlinuz, busybox)."""
    debs = os.path.join(out, "debs")
    os.makedirs(debs, exist_ok=True)
    kpkg = kernel_package()
    for pkg in (kpkg, PACKAGES[1]):
        if not glob.glob(os.path.join(debs, f"{pkg}_*.deb")):
            run(["apt-get", "download", pkg], cwd=debs)
    tree = os.path.join(out, "tree")
    os.makedirs(tree, exist_ok=True)
    version = kpkg[len("linux-image-"):]
    kernel = os.path.join(tree, "boot", f"vmlinuz-{version}")
    busybox = os.path.join(tree, "bin", "busybox")
    if not os.path.exists(kernel) or not os.path.exists(busybox):
        for deb in glob.glob(os.path.join(debs, "*.deb")):
            run(["dpkg-deb", "-x", deb, tree])
    kernels = [kernel] if os.path.exists(kernel) else []
    if not kernels or not os.path.exists(busybox):
        raise Fetch(f"the packages hold no boot/vmlinuz-* or bin/busybox (in {tree})")
    return kernels[-1], busybox


def cpio_entry(name, mode, data=b"", rdev=(0, 0), ino=1):
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields) + name.encode() + b"\0"
    head += b"\0" * (-len(head) % 4)
    return head + data + b"\0" * (-len(data) % 4)


def initramfs(busybox, path):
    with open(busybox, "rb") as fh:
        bb = fh.read()
    entries = [("dev", stat.S_IFDIR | 0o755, b"", (0, 0)), ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)),
               ("bin", stat.S_IFDIR | 0o755, b"", (0, 0)), ("bin/busybox", stat.S_IFREG | 0o755, bb, (0, 0)),
               ("proc", stat.S_IFDIR | 0o755, b"", (0, 0)), ("sys", stat.S_IFDIR | 0o755, b"", (0, 0)),
               ("init", stat.S_IFREG | 0o755, INIT.encode(), (0, 0))]
    blob = b"".join(cpio_entry(n, m, d, r, i + 1) for i, (n, m, d, r) in enumerate(entries))
    blob += cpio_entry("TRAILER!!!", 0, ino=0)
    with open(path, "wb") as fh:
        fh.write(blob + b"\0" * (-len(blob) % 512))


def prepare(out=os.path.join(ROOT, "build", "linux")):
    """(vmlinuz, initramfs) paths; raises Fetch naming the packages on failure."""
    try:
        kernel, busybox = fetch(out)
    except (Fetch, OSError) as e:
        raise Fetch(f"cannot fetch the Debian packages {', '.join(PACKAGES)}: {e}") from None
    rd = os.path.join(out, "initramfs.cpio")
    initramfs(busybox, rd)
    return kernel, rd


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "linux"))
    a = ap.parse_args()
    try:
        kernel, rd = prepare(a.out)
    except Fetch as e:
        sys.exit(str(e))
    print(kernel)
    print(rd)


if __name__ == "__main__":
    main()
