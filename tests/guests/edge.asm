; edge: finds the end of its RAM in the BIOS data area (the base memory size
; at 0x413 is all of a RAM under 640 KiB, which has no EBDA), writes and
; reads back the last byte of RAM, then reads the first byte beyond it, in
; the same 2 MiB: Kestrel must stop it there (EPT violation). Run it with a
; mem= under 640 KiB that is no 2 MiB multiple, e.g. mem=100K.
bits 16
org 0x7C00
%include "guests/lib/rm.inc"
%include "tests/guests/pc.inc"

	RM_START
main:
	movzx eax, word [0x413]         ; KiB of base memory
	shl eax, 10
	mov [ram_end], eax
	mov esi, msg_end
	call pr_puts
	mov eax, [ram_end]
	mov cl, 5
	call pr_hex
	mov al, 10
	call pr_putc
	mov eax, [ram_end]
	dec eax
	call point_es_bx                ; the last byte of RAM
	mov byte [es:bx], 0x5A
	cmp byte [es:bx], 0x5A
	jne .bad
	mov esi, msg_last
	call pr_puts
	mov eax, [ram_end]
	call point_es_bx                ; the first byte beyond RAM
	mov al, [es:bx]
	mov esi, msg_returned
	call pr_puts
	EXIT 1
.bad:
	mov esi, msg_bad
	call pr_puts
	EXIT 2

; point_es_bx: ES:BX addresses the physical byte at EAX (below 1 MiB).
point_es_bx:
	mov ebx, eax
	shr eax, 4
	mov es, ax
	and bx, 0x0F
	ret

	COM1_PRINTER pr

ram_end: dd 0
msg_end: db "edge: ram ends at ", 0
msg_last: db "edge: last byte ok, reading the next", 10, 0
msg_returned: db "edge: read beyond RAM returned", 10, 0
msg_bad: db "edge: last byte of RAM did not keep what was written", 10, 0
