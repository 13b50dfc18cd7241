; Interrupt and exception entry stubs for all 256 vectors: push a uniform
; trap frame (struct trap_frame in kernel/trap.h) and call trap_dispatch.
; Vectors 0-31 are the exceptions of Intel SDM Vol. 3A 6.15.

bits 64
section .text
extern trap_dispatch

%macro ISR_NOERR 1
isr%1:
	push 0                          ; no error code: keep the frame uniform
	push %1
	jmp isr_common
%endmacro
%macro ISR_ERR 1
isr%1:
	push %1
	jmp isr_common
%endmacro

; Vectors that push an error code: 8, 10-14, 17, 21, 29, 30.
%assign v 0
%rep 256
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
ISR_ERR v
%else
ISR_NOERR v
%endif
%assign v v + 1
%endrep

isr_common:
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
	mov rdi, rsp
	cld
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
	add rsp, 16                     ; vector and error code
	iretq

section .rodata
global isr_table
isr_table:
%assign v 0
%rep 256
	dq isr %+ v
%assign v v + 1
%endrep
