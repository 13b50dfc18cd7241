; resetloop: its first instruction asks the PC for a reset (0x06 to port
; 0xCF9: SYS_RST | RST_CPU), so it resets at once, every time. Given 1 GiB,
; each reset clears that much RAM: that must be its own time, not the other
; guests', and after more than 5 resets in 10 s it is stopped as a reset
; loop (issue 9, item 5).
bits 16
org 0x7C00
%include "guests/lib/rm.inc"
%include "tests/guests/pc.inc"

	mov dx, 0xCF9
	mov al, 0x06
	out dx, al
.halt:
	cli
	hlt
	jmp .halt
	BOOT_SECTOR
