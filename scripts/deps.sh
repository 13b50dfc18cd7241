#!/bin/sh
# Installs the Debian packages Kestrel's build and tests need, and only those
# that are missing. Idempotent; says what it installs.
set -eu

need=""
check() { # check PACKAGE PATH: the package is needed when PATH is absent
	[ -e "$2" ] || need="$need $1"
}
check gcc              /usr/bin/gcc
check make             /usr/bin/make
check nasm             /usr/bin/nasm
check binutils         /usr/bin/ld
check grub-common      /usr/bin/grub-mkrescue
check grub-pc-bin      /usr/lib/grub/i386-pc/multiboot2.mod
check grub-efi-amd64-bin /usr/lib/grub/x86_64-efi/multiboot2.mod
check xorriso          /usr/bin/xorriso
check mtools           /usr/bin/mformat
check qemu-system-x86  /usr/bin/qemu-system-x86_64
check ovmf             /usr/share/OVMF/OVMF_CODE.fd
check bochs            /usr/bin/bochs
check bochsbios        /usr/share/bochs/BIOS-bochs-latest
check vgabios          /usr/share/vgabios/vgabios.bin
check python3-pytest   /usr/lib/python3/dist-packages/pytest
check libcmocka-dev    /usr/include/cmocka.h
check clang            /usr/bin/clang
check cppcheck         /usr/bin/cppcheck
check libclang-rt-14-dev /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a

# Which python3 runs pytest matters: the Debian package installs it for
# /usr/bin/python3; a different python3 first on PATH must have it itself.
if ! python3 -c 'import pytest' 2>/dev/null && ! [ -e /usr/bin/python3 ]; then
	need="$need python3"
fi

[ -z "$need" ] && exit 0
echo "deps: installing:$need"
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
	command -v sudo >/dev/null || {
		echo "deps: need root (or sudo) to install:$need" >&2
		exit 1
	}
else
	SUDO=
fi
if ! command -v apt-get >/dev/null; then
	echo "deps: no apt-get here; install by hand:$need" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || { echo "deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null || {
	echo "deps: apt-get install failed for:$need" >&2
	exit 1
}
echo "deps: done"
