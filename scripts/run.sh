#!/bin/sh
# Boot the ISO with the serial console in this terminal: QEMU with KVM when
# this host has VMX and /dev/kvm, otherwise Bochs's VMX emulation.
set -eu
iso=${1:-build/kestrel.iso}
if grep -qw vmx /proc/cpuinfo && [ -w /dev/kvm ]; then
	echo "run: this host has VMX and /dev/kvm: QEMU/KVM with -cpu host (quit: Ctrl-A X)"
	exec qemu-system-x86_64 -enable-kvm -cpu host -m 1024 -cdrom "$iso" \
		-display none -serial mon:stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04
fi
echo "run: no VMX here: Bochs with VMX emulation (corei7_skylake_x); quit with 'poweroff' in the monitor"
py=${PYTHON:-python3}
mkdir -p build
# Bochs can abort before its first instruction (no sound card, no free rfb
# port, no BIOS image): boot it for a second first, to say why in plain words.
"$py" scripts/bochsrc.py check --iso "$iso" || exit 1
term=$(tty) || { echo "run: the serial console needs a terminal, and stdin is not one"; exit 1; }
"$py" scripts/bochsrc.py write --iso "$iso" --out build/run.bochsrc --com1-tty "$term" \
	--log build/run.bochs.log --clock realtime --info ignore
# Raw mode: keystrokes (Ctrl-C, Ctrl-], arrows) go to Kestrel's monitor.
old=$(stty -g 2>/dev/null || true)
restore() { [ -n "$old" ] && stty "$old" 2>/dev/null || stty sane 2>/dev/null || true; }
trap restore EXIT INT TERM
stty raw -echo 2>/dev/null || true
bochs -q -f build/run.bochsrc -rc build/cont.rc </dev/null >build/run.bochs.out 2>&1 || true
restore
echo
# Its output goes to a file so it does not garble the console: repeat an abort here.
"$py" scripts/bochsrc.py explain build/run.bochs.out build/run.bochs.log --config build/run.bochsrc || true
echo "run: Bochs has exited (its log: build/run.bochs.log)"
