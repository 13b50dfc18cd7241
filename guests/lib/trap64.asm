; Interrupt stubs for 64-bit guests: push a dummy error code where the CPU
; pushes none (SDM Vol. 3A, Table 6-1), the vector, then all 15 GPRs, and call
; trap_dispatch(struct trap_frame *) -- the layout is in idt.h. The CPU aligns
; RSP to 16 before its 5-qword frame (SDM 6.14.2); 2 + 15 more qwords keep the
; call 16-byte aligned as the ABI wants.
bits 64
section .text
extern trap_dispatch

%macro STUB 1
stub_%1:
%if !(%1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30)
	push qword 0
%endif
	push qword %1
	jmp trap_common
%endmacro

%assign v 0
%rep 48
	STUB v
%assign v v+1
%endrep

trap_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	call trap_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16             ; vector and error code
	iretq

section .rodata
global trap_stubs
align 8
trap_stubs:
%assign v 0
%rep 48
	dq stub_%[v]
%assign v v+1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
