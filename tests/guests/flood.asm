; flood: a guest that writes its console faster than any wire. In a loop:
; 32 KiB of newlines with REP OUTSB to COM1's THR without looking at THRE,
; 4,096 newlines in one HC_CONSOLE_WRITE, and 32 KiB with REP OUTSB to
; port 0xE9. None of it may hold the host: beside it, another guest keeps
; its half of the CPU; what THR gets while THRE is clear is dropped and
; counted, and port 0xE9 waits in the flooder's own time (issue 9, item 2).
bits 16
org 0x7C00
%include "guests/lib/rm.inc"
%include "tests/guests/pc.inc"

BUF_SEG  equ 0x1000             ; the newlines, at guest-physical 0x10000
BUF_LEN  equ 32768
HC_CONSOLE_WRITE equ 1

	RM_START
main:
	PUTS m_flood
	mov ax, BUF_SEG
	mov es, ax
	xor di, di
	mov cx, BUF_LEN
	mov al, 10
	rep stosb
	mov ds, ax
.again:
	xor si, si
	mov cx, BUF_LEN
	mov dx, COM1
	rep outsb
	mov eax, HC_CONSOLE_WRITE
	mov ebx, BUF_SEG * 16
	mov ecx, 4096
	vmcall
	xor si, si
	mov cx, BUF_LEN
	mov dx, 0xE9
	rep outsb
	jmp .again

m_flood: db "flood: flooding", 10, 0
	BOOT_SECTOR
