; Entry of every 64-bit C guest. Kestrel starts an ELF64 image here in long
; mode with an identity map of 0..4 GiB, IF=0 (docs/guests.md). We zero .bss,
; switch to our own 16-byte aligned stack so the guest does not depend on
; mem=, call main(), and hand its return value to port 0xF4 as exit code.
bits 64
section .text.entry progbits alloc exec nowrite align=16
global _start
extern main, __bss_start, __bss_end

_start:
	cld
	mov rdi, __bss_start
	mov rcx, __bss_end
	sub rcx, rdi
	xor eax, eax
	rep stosb
	mov rsp, stack_top
	xor ebp, ebp
	call main
	out 0xF4, eax           ; KESTREL_PORT_EXIT: exit code = main's return value
.halt:
	cli
	hlt
	jmp .halt

section .bss
alignb 16
	resb 16384
stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
