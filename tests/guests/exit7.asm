; exit7: ends through port 0xF4 with exit code 7 (the port-exit path).
bits 16
org 0x7C00
%include "guests/lib/rm.inc"

	RM_START
main:
	PUTS msg
	EXIT 7

msg: db "exiting with code 7 via port 0xF4", 10, 0
