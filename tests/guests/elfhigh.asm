; elfhigh: a valid ELF32 whose only segment is linked at 0x40000000 (1 GiB),
; outside any guest's RAM: the loader must refuse it with a message.
bits 32
section .text
global _start
_start:
	mov al, 1
	out 0xF4, al
	hlt

section .note.GNU-stack noalloc noexec nowrite progbits
