; busy: a CPU hog for fairness tests (run several under different names).
; One line at start, then counts with interrupts off and never exits; the
; loop makes no exits, so only preemption takes the CPU away.
bits 16
org 0x7C00
%include "guests/lib/rm.inc"

	RM_START
main:
	PUTS msg
	cli
	xor ecx, ecx
.spin:
	inc ecx
	jmp .spin

msg: db "busy", 10, 0
