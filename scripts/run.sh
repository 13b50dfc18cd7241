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
mkdir -p build
cat >build/run.bochsrc <<RC
display_library: rfb, options="timeout=0"
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
megs: 256
cpu: model=corei7_skylake_x, count=1, ips=50000000, reset_on_triple_fault=0
ata0-slave: type=cdrom, path=$iso, status=inserted
boot: cdrom
clock: sync=slowdown, time0=local
log: build/run.bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
debugger_log: -
com1: enabled=1, mode=term, dev=$(tty)
sound: driver=dummy
RC
printf 'c\nquit\n' >build/run.cont.rc
# Raw mode: keystrokes (Ctrl-C, Ctrl-], arrows) go to Kestrel's monitor.
old=$(stty -g 2>/dev/null || true)
restore() { [ -n "$old" ] && stty "$old" 2>/dev/null || stty sane 2>/dev/null || true; }
trap restore EXIT INT TERM
stty raw -echo 2>/dev/null || true
bochs -q -f build/run.bochsrc -rc build/run.cont.rc </dev/null >build/run.bochs.out 2>&1 || true
restore
echo
echo "run: Bochs has exited (its log: build/run.bochs.log)"
