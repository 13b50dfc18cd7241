; spin: a CPU hog for scheduler tests. Prints one line, then counts in a
; register with interrupts off forever. It makes no exits of its own (no I/O
; in the loop), so only the hypervisor's preemption timer takes the CPU back.
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

msg: db "spinning", 10, 0
