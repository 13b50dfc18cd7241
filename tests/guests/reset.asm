; reset: asks for a platform reset through the PCI reset control register
; (port 0xCF9, value 0x06 = SYS_RST | RST_CPU). Kestrel must handle it for this
; guest alone; if the write comes back, say so and halt with IF=0. The last
; thing it prints before the write has no newline: that partial line must
; not run into the first line of the restarted guest.
bits 16
org 0x7C00
%include "guests/lib/rm.inc"

	RM_START
main:
	PUTS msg_reset
	PUTS msg_now
	mov dx, 0xCF9
	mov al, 0x06
	out dx, al
	PUTS msg_still
.halt:
	cli
	hlt
	jmp .halt

msg_reset: db "writing 0x06 to port 0xCF9", 10, 0
msg_now:   db "now", 0
msg_still: db "still here", 10, 0
