; kbdreset: asks for a reset the way a PC/AT does it, by pulsing the CPU's
; reset line through the keyboard controller (command 0xFE to port 0x64, the
; 8042's "pulse output port" command with bit 0, the reset line, selected).
; Linux's reboot=k does this. If the write comes back, say so and halt with
; IF=0.
bits 16
org 0x7C00
%include "guests/lib/rm.inc"

	RM_START
main:
	PUTS msg_reset
	mov al, 0xFE
	out 0x64, al
	PUTS msg_still
.halt:
	cli
	hlt
	jmp .halt

msg_reset: db "writing 0xFE to port 0x64", 10, 0
msg_still: db "still here", 10, 0
