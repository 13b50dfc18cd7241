; Interrupt stubs for 32-bit guests: push a dummy error code where the CPU
; pushes none (SDM Vol. 3A, Table 6-1), the vector, then PUSHAD, and call
; trap_dispatch(struct trap_frame *) -- the layout is in idt.h.
bits 32
section .text
extern trap_dispatch

%macro STUB 1
stub_%1:
%if !(%1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30)
	push dword 0
%endif
	push dword %1
	jmp trap_common
%endmacro

%assign v 0
%rep 48
	STUB v
%assign v v+1
%endrep

trap_common:
	pushad
	cld                     ; the C ABI expects DF=0
	push esp                ; argument: the frame
	call trap_dispatch
	add esp, 4
	popad
	add esp, 8              ; vector and error code
	iretd

section .rodata
global trap_stubs
align 4
trap_stubs:
%assign v 0
%rep 48
	dd stub_%[v]
%assign v v+1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
