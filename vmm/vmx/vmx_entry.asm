; VM entry and the VM-exit landing point (Intel SDM Vol. 3C 27, 28).
; int vmx_enter(struct guest_regs *regs, int launched,
;               int64_t (*on_exit)(void *ctx), void *ctx)
;   Loads the guest's general registers and executes VMLAUNCH (launched == 0)
;   or VMRESUME. After each VM exit it stores them back, with the TSC of the
;   exit, and calls on_exit(ctx). A value >= 0 from on_exit is the
;   VMX-preemption timer for an immediate VMRESUME of the same guest: the exit
;   path of a handled exit never unwinds to the scheduler. A negative value
;   returns 0 to the caller. Returns 1 for VMfailInvalid and 2 for VMfailValid
;   (that entry never happened).
; The offsets below match struct guest_regs in vmm/vmx/vcpu.h.

bits 64
section .text

VMCS_HOST_RSP equ 0x6C14
VMCS_VMX_PREEMPTION_TIMER_VALUE equ 0x482E

%define R_RAX 0
%define R_RBX 8
%define R_RCX 16
%define R_RDX 24
%define R_RSI 32
%define R_RDI 40
%define R_RBP 48
%define R_R8  56
%define R_R9  64
%define R_R10 72
%define R_R11 80
%define R_R12 88
%define R_R13 96
%define R_R14 104
%define R_R15 112
%define R_EXIT_TSC 120

; The frame vmx_enter leaves for the exit point: HOST_RSP points at it.
%define F_REGS    0
%define F_ON_EXIT 8
%define F_CTX     16

; Every guest register from [rdi], rdi last.
%macro LOAD_GUEST 0
	mov rax, [rdi + R_RAX]
	mov rbx, [rdi + R_RBX]
	mov rcx, [rdi + R_RCX]
	mov rdx, [rdi + R_RDX]
	mov rsi, [rdi + R_RSI]
	mov rbp, [rdi + R_RBP]
	mov r8,  [rdi + R_R8]
	mov r9,  [rdi + R_R9]
	mov r10, [rdi + R_R10]
	mov r11, [rdi + R_R11]
	mov r12, [rdi + R_R12]
	mov r13, [rdi + R_R13]
	mov r14, [rdi + R_R14]
	mov r15, [rdi + R_R15]
	mov rdi, [rdi + R_RDI]
%endmacro

global vmx_enter
vmx_enter:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rcx                        ; F_CTX
	push rdx                        ; F_ON_EXIT
	push rdi                        ; F_REGS: the stack is 16-byte aligned here

	mov rax, VMCS_HOST_RSP          ; HOST_RIP (vmx_exit_point) is set once
	vmwrite rax, rsp

	test esi, esi
	jnz resume_guest
	LOAD_GUEST
	vmlaunch
	jmp entry_failed
resume_guest:
	LOAD_GUEST
	vmresume
global entry_failed
entry_failed:
	; Only reached when the entry failed: CF = VMfailInvalid, ZF = VMfailValid.
	mov eax, 1
	jc .out
	mov eax, 2
.out:
	add rsp, 24                     ; drop the frame
	jmp restore_host

global vmx_exit_point
vmx_exit_point:
	; The CPU loaded RSP from VMCS_HOST_RSP: [rsp] is regs again.
	xchg rdi, [rsp]                 ; rdi = regs, [rsp] = guest RDI
	mov [rdi + R_RAX], rax
	mov [rdi + R_RBX], rbx
	mov [rdi + R_RCX], rcx
	mov [rdi + R_RDX], rdx
	mov [rdi + R_RSI], rsi
	mov [rdi + R_RBP], rbp
	mov [rdi + R_R8],  r8
	mov [rdi + R_R9],  r9
	mov [rdi + R_R10], r10
	mov [rdi + R_R11], r11
	mov [rdi + R_R12], r12
	mov [rdi + R_R13], r13
	mov [rdi + R_R14], r14
	mov [rdi + R_R15], r15
	mov rax, [rsp]
	mov [rdi + R_RDI], rax
	mov [rsp + F_REGS], rdi         ; the frame is whole again
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov [rdi + R_EXIT_TSC], rax
	mov rdi, [rsp + F_CTX]
	call [rsp + F_ON_EXIT]
	test rax, rax
	js .to_host
	mov rdx, VMCS_VMX_PREEMPTION_TIMER_VALUE
	vmwrite rdx, rax
	mov rdi, [rsp + F_REGS]
	jmp resume_guest
.to_host:
	add rsp, 24
	xor eax, eax
restore_host:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
