; hltoff: HLT with interrupts off, i.e. halted for good. Nothing can wake it
; (no NMI source), so the hypervisor should park it rather than spin on it.
bits 16
org 0x7C00
%include "guests/lib/rm.inc"

	RM_START
main:
	PUTS msg
.halt:
	cli
	hlt
	jmp .halt

msg: db "halting with interrupts off", 10, 0
