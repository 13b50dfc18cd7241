; hello: the smallest real-mode guest. A flat image, loaded at 0000:7C00 like
; a boot sector but with no BIOS; prints one line on COM1 and exits with 0.
bits 16
org 0x7C00
%include "guests/lib/rm.inc"

	RM_START
main:
	PUTS msg
	EXIT 0

msg: db "Hello from real mode", 10, 0
