; VM entry and the VM-exit landing point (Intel SDM Vol. 3C 27, 28).
; int vmx_enter(struct guest_regs *regs, int launched)
;   Loads the guest's general registers, executes VMLAUNCH (launched == 0) or
;   VMRESUME, and on VM exit stores them back. Returns 0 after a VM exit,
;   1 for VMfailInvalid and 2 for VMfailValid (the entry never happened).
; The offsets below match struct guest_regs in vmm/vmx/vcpu.h.

bits 64
section .text

VMCS_HOST_RSP equ 0x6C14

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

global vmx_enter
vmx_enter:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi                        ; the exit path finds regs at [rsp]

	mov rax, VMCS_HOST_RSP          ; HOST_RIP (vmx_exit_point) is set once
	vmwrite rax, rsp

	mov rax, [rdi + R_RAX]
	mov rbx, [rdi + R_RBX]
	mov rcx, [rdi + R_RCX]
	mov rdx, [rdi + R_RDX]
	mov rbp, [rdi + R_RBP]
	mov r8,  [rdi + R_R8]
	mov r9,  [rdi + R_R9]
	mov r10, [rdi + R_R10]
	mov r11, [rdi + R_R11]
	mov r12, [rdi + R_R12]
	mov r13, [rdi + R_R13]
	mov r14, [rdi + R_R14]
	mov r15, [rdi + R_R15]
	test esi, esi                   ; flags from here on, before RSI changes
	mov rsi, [rdi + R_RSI]
	mov rdi, [rdi + R_RDI]
	jnz .resume
	vmlaunch
	jmp .failed
.resume:
	vmresume
.failed:
	; Only reached when the entry failed: CF = VMfailInvalid, ZF = VMfailValid.
	mov eax, 1
	jc .out
	mov eax, 2
.out:
	add rsp, 8                      ; drop regs
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
	pop rax
	mov [rdi + R_RDI], rax
	xor eax, eax
restore_host:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
