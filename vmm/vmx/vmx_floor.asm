; The floor of an exit's cost (make bench, HC_BENCH_FLOOR): a VM-exit
; handler that does only what the architecture requires of the exits it
; takes, and enters the guest again at once. HC_BENCH_FLOOR points the
; VMCS's HOST_RIP here (vcpu_bench_floor); any exit not handled here puts
; vmx_exit_point back and goes there, as if it had landed there, so a timer
; or an external interrupt still reaches the scheduler. Handled, each with
; RIP advanced by the exit's instruction length (SDM 3C 28.2.5):
;   VMCALL  RAX = 0; HC_BENCH_FLOOR with RBX = 0 leaves, RAX = 1
;   CPUID   EAX = EBX = ECX = EDX = 0
;   IN      AL, AX or EAX all ones (an empty bus); OUT nothing
;   RDMSR   EDX:EAX = 0
; Only RCX and RDX are needed as scratch; they wait on the host stack.
; It takes at most floor_left exits (struct guest_regs, set by
; vcpu_bench_floor) and then leaves as for any other: the VMX-preemption
; timer restarts from its VMCS value at every entry, so without a budget a
; guest that kept exiting here would never reach the end of its slice.

bits 64
section .text

VMCS_EXIT_REASON equ 0x4402
VMCS_EXIT_QUALIFICATION equ 0x6400
VMCS_EXIT_INSTRUCTION_LENGTH equ 0x440C
VMCS_GUEST_RIP equ 0x681E
VMCS_HOST_RIP equ 0x6C16

EXIT_REASON_CPUID equ 10
EXIT_REASON_VMCALL equ 18
EXIT_REASON_IO_INSTRUCTION equ 30
EXIT_REASON_RDMSR equ 31
HC_BENCH_FLOOR equ 5
IO_QUAL_IN equ 8
R_FLOOR_LEFT equ 128            ; struct guest_regs, vmm/vmx/vcpu.h

extern vmx_exit_point
extern entry_failed

global vmx_floor_exit_point
vmx_floor_exit_point:
	push rcx
	push rdx                        ; [rsp] = guest RDX, [rsp + 8] = guest RCX
	mov rcx, [rsp + 16]             ; regs, as vmx_enter's frame holds it
	sub qword [rcx + R_FLOOR_LEFT], 1
	jbe .leave                      ; the budget is spent (or was 0)
	mov ecx, VMCS_EXIT_REASON
	vmread rdx, rcx
	cmp edx, EXIT_REASON_VMCALL
	je .vmcall
	cmp edx, EXIT_REASON_CPUID
	je .cpuid
	cmp edx, EXIT_REASON_IO_INSTRUCTION
	je .io
	cmp edx, EXIT_REASON_RDMSR
	je .rdmsr
.leave:
	mov rdx, vmx_exit_point
	mov ecx, VMCS_HOST_RIP
	vmwrite rcx, rdx
	pop rdx
	pop rcx
	jmp vmx_exit_point
.vmcall:
	cmp eax, HC_BENCH_FLOOR
	jne .vmcall_done
	test ebx, ebx
	jnz .vmcall_done
	mov rdx, vmx_exit_point
	mov ecx, VMCS_HOST_RIP
	vmwrite rcx, rdx
	mov eax, 1
	jmp .skip
.vmcall_done:
	xor eax, eax
	jmp .skip
.cpuid:
	xor eax, eax
	xor ebx, ebx
	mov qword [rsp], 0
	mov qword [rsp + 8], 0
	jmp .skip
.rdmsr:
	xor eax, eax
	mov qword [rsp], 0
	jmp .skip
.io:
	mov ecx, VMCS_EXIT_QUALIFICATION
	vmread rdx, rcx
	test edx, IO_QUAL_IN
	jz .skip
	and edx, 7                      ; the access size less 1
	cmp edx, 3
	je .in32
	cmp edx, 1
	je .in16
	mov al, 0xFF
	jmp .skip
.in16:
	mov ax, 0xFFFF
	jmp .skip
.in32:
	mov eax, 0xFFFFFFFF
.skip:
	mov ecx, VMCS_GUEST_RIP
	vmread rdx, rcx
	mov ecx, VMCS_EXIT_INSTRUCTION_LENGTH
	vmread rcx, rcx
	add rdx, rcx
	mov ecx, VMCS_GUEST_RIP
	vmwrite rcx, rdx
	pop rdx
	pop rcx
	vmresume
	jmp entry_failed
