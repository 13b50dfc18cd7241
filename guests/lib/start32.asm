; Entry of every 32-bit C guest. Kestrel starts an ELF32 image here in flat
; protected mode, paging off, IF=0 (docs/guests.md). We zero .bss (the loader
; zeroes p_memsz beyond p_filesz too; doing it here keeps the image correct
; under any ELF loader), switch to our own stack so the guest does not depend
; on mem=, call main(), and hand its return value to port 0xF4 as exit code.
bits 32
section .text.entry progbits alloc exec nowrite align=16
global _start
extern main, __bss_start, __bss_end

_start:
	cld
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb
	mov esp, stack_top
	xor ebp, ebp            ; end of the frame chain for debuggers
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
