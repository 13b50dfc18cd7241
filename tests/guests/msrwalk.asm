; msrwalk: what each MSR of Kestrel's table (vmm/exit/msr.c) does for RDMSR
; and WRMSR, and the CPUID leaves that say the TSC frequency, the topology
; and the hypervisor. Tests: tests/system/test_msr.py (docs/guests.md,
; "msrwalk").
;
; One flat image, two ways to start it (tests/guests/bootload.inc): under
; Kestrel loaded whole at 0:7C00 in real mode; on bare Bochs as a floppy
; boot sector that reads the rest with INT 13h. It runs in 32-bit
; protected mode without paging, with a handler for every exception that
; resumes after the faulting instruction.
;
; 1. For each MSR of the table below: RDMSR, then WRMSR of the value read
;    (0 where the read faulted):
;       msrwalk: msr 0xNNNNNNNN rd gp|ok|0xVALUE wr gp|ok
;    "ok" instead of the value where it changes as the guest runs (TSC,
;    MPERF, the FS/GS bases a BIOS leaves behind).
; 2. Writes whose answer depends on the value: a reserved PAT memory type
;    (2) and a valid one (WC, 1), DEBUGCTL.LBR and BTF, MISC_ENABLE with
;    fast strings off, and the microcode revision after the SDM's dance
;    (WRMSR 0 to IA32_BIOS_SIGN_ID, CPUID 1, RDMSR):
;       msrwalk: NAME wr gp|ok rd 0xVALUE
; 3. CPUID leaves 0, 4, 0xB, 0x15, 0x16, 0x40000000, the OR of every
;    register of 0x40000001-0x400000FF, 0x40000100 and 0x80000007:
;       msrwalk: cpuid LEAF.SUB eax=0x... ebx=0x... ecx=0x... edx=0x...
; Ends with "msrwalk: done", exit code 0 to port 0xF4, then "Shutdown" to
; port 0x8900 (bare Bochs powers off).

bits 16
org 0x7C00
%include "guests/lib/rm.inc"
%include "tests/guests/pc.inc"
%include "tests/guests/bootload.inc"

SIG            equ 0x5752534D     ; "MSRW": first dword of sector 2
SEL_CODE32     equ 0x08
SEL_DATA32     equ 0x10
IDT32          equ 0x2000         ; 32 x 8 bytes
STACK          equ 0x7C00
NONE           equ 0xFFFF         ; r_vec: nothing faulted
NOVAL          equ 1              ; row flag: print "ok", not the value

; ---------------------------------------------------------------- sector 1
	RM_START
	BOOT_LOADER "msrwalk"

; ---------------------------------------------------------------- real mode
stage2:
	call com1_init
	PUTS s_start
	lgdt [gdt_desc]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp dword SEL_CODE32:pm32_entry

	COM1_INIT_CODE

; ---------------------------------------------------------------- 32-bit code
bits 32
pm32_entry:
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, STACK
	IDT32_GATES IDT32, stubs, 8, SEL_CODE32
	lidt [idt_desc]
	call walk_msrs
	call value_checks
	call cpuid_lines
	mov esi, s_done
	call puts
	BARE_EXIT

; Faults: record the vector, drop the frame, continue at r_resume.
	align 8
stubs:
%assign v 0
%rep 32
	mov al, v
	jmp strict near fault
	align 8, db 0xCC
%assign v v + 1
%endrep
fault:
	movzx eax, al
	mov [r_vec], eax
	mov esp, [r_esp]
	jmp dword [r_resume]

; GUARD INSN: run INSN; a fault resumes after it with r_vec set.
%macro GUARD 1+
	mov dword [r_vec], NONE
	mov dword [r_resume], %%end
	mov [r_esp], esp
	%1
%%end:
%endmacro

; ---- 1. the table
walk_msrs:
	mov ebp, rows
.next:
	cmp ebp, rows_end
	jae .done
	mov esi, s_msr
	call puts
	mov eax, [ebp]
	call hex32
	mov esi, s_rd
	call puts
	mov ecx, [ebp]
	GUARD rdmsr
	cmp dword [r_vec], NONE
	jne .rdgp
	mov [val], eax
	mov [val + 4], edx
	test dword [ebp + 4], NOVAL
	jnz .rdok
	call put_val
	jmp .write
.rdok:
	mov esi, s_ok
	call puts
	jmp .write
.rdgp:
	mov dword [val], 0
	mov dword [val + 4], 0
	mov esi, s_gp
	call puts
.write:
	mov esi, s_wr
	call puts
	mov ecx, [ebp]
	mov eax, [val]
	mov edx, [val + 4]
	GUARD wrmsr
	call put_gp_ok
	call newline
	add ebp, 8
	jmp .next
.done:
	ret

; ---- 2. writes whose answer depends on the value
; CHECK LABEL, MSR, LOW, HIGH: WRMSR of HIGH:LOW, then RDMSR, one line.
%macro CHECK 4
	mov esi, %1
	call puts
	mov ecx, %2
	mov eax, %3
	mov edx, %4
	GUARD wrmsr
	call put_gp_ok
	mov esi, s_rd
	call puts
	mov ecx, %2
	GUARD rdmsr
	mov [val], eax
	mov [val + 4], edx
	cmp dword [r_vec], NONE
	je %%val
	mov esi, s_gp
	call puts
	jmp %%nl
%%val:
	call put_val
%%nl:
	call newline
%endmacro

value_checks:
	mov ecx, 0x277                  ; IA32_PAT, to put back after
	GUARD rdmsr
	mov [pat], eax
	mov [pat + 4], edx
	mov ebx, [pat]
	and ebx, ~0xFF
	or ebx, 2                       ; PA0 = 2: a reserved memory type
	CHECK s_pat_reserved, 0x277, ebx, [pat + 4]
	mov ebx, [pat]
	and ebx, ~0xFF00
	or ebx, 0x0100                  ; PA1 = WC
	CHECK s_pat_wc, 0x277, ebx, [pat + 4]
	mov ecx, 0x277
	mov eax, [pat]
	mov edx, [pat + 4]
	GUARD wrmsr
	CHECK s_debugctl_lbr, 0x1D9, 1, 0
	CHECK s_debugctl_btf, 0x1D9, 2, 0
	CHECK s_debugctl_zero, 0x1D9, 0, 0
	mov ecx, 0x1A0                  ; IA32_MISC_ENABLE, to put back after
	GUARD rdmsr
	mov [misc], eax
	mov [misc + 4], edx
	mov ebx, [misc]
	and ebx, ~1
	CHECK s_misc_fast_off, 0x1A0, ebx, [misc + 4]
	CHECK s_misc_restore, 0x1A0, [misc], [misc + 4]
	mov esi, s_ucode                ; SDM 3A "Microcode Update Facilities"
	call puts
	mov ecx, 0x8B
	xor eax, eax
	xor edx, edx
	GUARD wrmsr
	call put_gp_ok
	mov eax, 1
	cpuid
	mov esi, s_rd
	call puts
	mov ecx, 0x8B
	GUARD rdmsr
	mov [val], eax
	mov [val + 4], edx
	cmp dword [r_vec], NONE
	je .ucval
	mov esi, s_gp
	call puts
	jmp .ucnl
.ucval:
	call put_val
.ucnl:
	call newline
	ret

; ---- 3. CPUID
; LEAF EAX, ECX: one line with the four registers.
leaf:
	mov [lf], eax
	mov [lf + 4], ecx
	cpuid
	mov [regs], eax
	mov [regs + 4], ebx
	mov [regs + 8], ecx
	mov [regs + 12], edx
print_regs:                             ; "cpuid LEAF.SUB" and regs
	mov esi, s_cpuid
	call puts
	mov eax, [lf]
	call hex32_short
	mov al, '.'
	call putc
	mov eax, [lf + 4]
	call hex32_short
	xor ebx, ebx
.reg:
	mov esi, [reg_names + ebx * 4]
	call puts
	mov eax, [regs + ebx * 4]
	push ebx
	call hex32
	pop ebx
	inc ebx
	cmp ebx, 4
	jb .reg
	jmp newline

cpuid_lines:
	xor eax, eax
	xor ecx, ecx
	call leaf
	mov eax, 4
	xor ecx, ecx
	call leaf
	mov eax, 0xB
	xor ecx, ecx
	call leaf
	mov eax, 0xB
	mov ecx, 1
	call leaf
	mov eax, 0xB
	mov ecx, 2
	call leaf
	mov eax, 0x15
	xor ecx, ecx
	call leaf
	mov eax, 0x16
	xor ecx, ecx
	call leaf
	mov eax, 0x40000000
	xor ecx, ecx
	call leaf
	; The OR of 0x40000001-0x400000FF (sub-leaf 0), printed as leaf 0x400000ff.
	xor edi, edi
	mov ebp, 0x40000001
.or:
	mov eax, ebp
	xor ecx, ecx
	cpuid
	or edi, eax
	or edi, ebx
	or edi, ecx
	or edi, edx
	inc ebp
	cmp ebp, 0x40000100
	jb .or
	mov esi, s_hv_or
	call puts
	mov eax, edi
	call hex32
	call newline
	mov eax, 0x40000100
	xor ecx, ecx
	call leaf
	mov eax, 0x80000007
	xor ecx, ecx
	jmp leaf

; ---- printing (COM1, polled): pm_putc, pm_puts, pm_hex and pm_digits
	COM1_PRINTER pm

putc equ pm_putc                        ; al; clobbers ah, dx
puts equ pm_puts                        ; esi: NUL-terminated; clobbers al, dx

newline:
	mov al, 10
	jmp putc

hex32:                                  ; eax as 0x%08x; clobbers ebx, ecx
	mov cl, 8
	jmp pm_hex

hex32_short:                            ; eax as 0x%x; clobbers ebx, ecx
	mov ebx, eax
	mov cl, 8
.skip:                                  ; drop leading zero digits, keep one
	cmp cl, 1
	je .print
	test ebx, 0xF0000000
	jnz .print
	shl ebx, 4
	dec cl
	jmp .skip
.print:
	jmp pm_hex

put_val:                                ; [val] as 0x%016x; clobbers ebx, ecx
	mov eax, [val + 4]
	call hex32
	mov eax, [val]
	mov cl, 8
	jmp pm_digits

put_gp_ok:                              ; "gp" or "ok" by r_vec
	mov esi, s_ok
	cmp dword [r_vec], NONE
	je .put
	mov esi, s_gp
.put:
	jmp puts

; ---------------------------------------------------------------- data
	align 8
gdt:
	dq 0
	dq 0x00CF9A000000FFFF           ; 0x08 code32, flat
	dq 0x00CF92000000FFFF           ; 0x10 data32, flat
gdt_end:
gdt_desc:   dw gdt_end - gdt - 1
	    dd gdt
idt_desc:   dw 32 * 8 - 1
	    dd IDT32

	align 4
r_vec:      dd 0
r_resume:   dd 0
r_esp:      dd 0
val:        dq 0
pat:        dq 0
misc:       dq 0
lf:         dd 0, 0
regs:       dd 0, 0, 0, 0
reg_names:  dd s_eax, s_ebx, s_ecx, s_edx

; The MSRs of vmm/exit/msr.c's table (first and last of each range), and a
; few no table lists, which Linux probes with rdmsr_safe: TEST_CTRL 0x33,
; PLATFORM_INFO 0xCE, MISC_FEATURES_ENABLES 0x140, ENERGY_PERF_BIAS 0x1B0,
; and 0x1234, which no CPU has.
%macro ROW 1-2 0
	dd %1, %2
%endmacro
	align 4
rows:
	ROW 0x10, NOVAL                 ; IA32_TIME_STAMP_COUNTER
	ROW 0x17                        ; IA32_PLATFORM_ID
	ROW 0x1B                        ; IA32_APIC_BASE
	ROW 0x33                        ; MSR_TEST_CTRL (not in the table)
	ROW 0x3A                        ; IA32_FEATURE_CONTROL
	ROW 0x3B, NOVAL                 ; IA32_TSC_ADJUST (moves with TSC writes)
	ROW 0x48                        ; IA32_SPEC_CTRL
	ROW 0x49                        ; IA32_PRED_CMD
	ROW 0x79                        ; IA32_BIOS_UPDT_TRIG
	ROW 0x8B                        ; IA32_BIOS_SIGN_ID
	ROW 0xC1, NOVAL                 ; IA32_PMC0
	ROW 0xC8, NOVAL                 ; IA32_PMC7
	ROW 0xCE                        ; MSR_PLATFORM_INFO (not in the table)
	ROW 0xE7, NOVAL                 ; IA32_MPERF
	ROW 0xE8, NOVAL                 ; IA32_APERF
	ROW 0xFE                        ; IA32_MTRRCAP
	ROW 0x10A                       ; IA32_ARCH_CAPABILITIES
	ROW 0x140                       ; MSR_MISC_FEATURES_ENABLES (not in the table)
	ROW 0x174                       ; IA32_SYSENTER_CS
	ROW 0x175                       ; IA32_SYSENTER_ESP
	ROW 0x176                       ; IA32_SYSENTER_EIP
	ROW 0x179                       ; IA32_MCG_CAP
	ROW 0x17A                       ; IA32_MCG_STATUS
	ROW 0x17B                       ; IA32_MCG_CTL
	ROW 0x186                       ; IA32_PERFEVTSEL0
	ROW 0x18D                       ; IA32_PERFEVTSEL7
	ROW 0x1A0                       ; IA32_MISC_ENABLE
	ROW 0x1B0                       ; IA32_ENERGY_PERF_BIAS (not in the table)
	ROW 0x1D9                       ; IA32_DEBUGCTL
	ROW 0x200                       ; IA32_MTRR_PHYSBASE0
	ROW 0x213                       ; IA32_MTRR_PHYSMASK9
	ROW 0x250                       ; IA32_MTRR_FIX64K_00000
	ROW 0x258                       ; IA32_MTRR_FIX16K_80000
	ROW 0x259                       ; IA32_MTRR_FIX16K_A0000
	ROW 0x268                       ; IA32_MTRR_FIX4K_C0000
	ROW 0x26F                       ; IA32_MTRR_FIX4K_F8000
	ROW 0x277                       ; IA32_PAT
	ROW 0x2FF                       ; IA32_MTRR_DEF_TYPE
	ROW 0x345                       ; IA32_PERF_CAPABILITIES
	ROW 0x38D                       ; IA32_FIXED_CTR_CTRL
	ROW 0x390                       ; IA32_PERF_GLOBAL_OVF_CTRL
	ROW 0x400                       ; IA32_MC0_CTL
	ROW 0x47F                       ; IA32_MC31_MISC
	ROW 0x480                       ; IA32_VMX_BASIC
	ROW 0x493                       ; IA32_VMX_VMFUNC .. (last of the range)
	ROW 0x6E0                       ; IA32_TSC_DEADLINE
	ROW 0x800                       ; x2APIC (first)
	ROW 0x8FF                       ; x2APIC (last)
	ROW 0x1234                      ; no such MSR
	ROW 0xC0000080                  ; IA32_EFER
	ROW 0xC0000081                  ; IA32_STAR
	ROW 0xC0000082                  ; IA32_LSTAR
	ROW 0xC0000083                  ; IA32_CSTAR
	ROW 0xC0000084                  ; IA32_FMASK
	ROW 0xC0000100, NOVAL           ; IA32_FS_BASE
	ROW 0xC0000101, NOVAL           ; IA32_GS_BASE
	ROW 0xC0000102                  ; IA32_KERNEL_GS_BASE
	ROW 0xC0000103                  ; IA32_TSC_AUX
rows_end:

s_start:    db "msrwalk: start", 10, 0
s_done:     db "msrwalk: done", 10, 0
s_msr:      db "msrwalk: msr ", 0
s_rd:       db " rd ", 0
s_wr:       db " wr ", 0
s_ok:       db "ok", 0
s_gp:       db "gp", 0
s_pat_reserved:  db "msrwalk: pat type2 wr ", 0
s_pat_wc:        db "msrwalk: pat wc wr ", 0
s_debugctl_lbr:  db "msrwalk: debugctl lbr wr ", 0
s_debugctl_btf:  db "msrwalk: debugctl btf wr ", 0
s_debugctl_zero: db "msrwalk: debugctl 0 wr ", 0
s_misc_fast_off: db "msrwalk: misc_enable fast-strings-off wr ", 0
s_misc_restore:  db "msrwalk: misc_enable restore wr ", 0
s_ucode:    db "msrwalk: bios_sign_id 0 then cpuid 1 wr ", 0
s_cpuid:    db "msrwalk: cpuid ", 0
s_hv_or:    db "msrwalk: cpuid 0x40000001-0x400000ff or=", 0
s_eax:      db " eax=", 0
s_ebx:      db " ebx=", 0
s_ecx:      db " ecx=", 0
s_edx:      db " edx=", 0

	align 512, db 0
image_end:
TOTAL_SECTORS equ (image_end - $$) / 512
	times -((image_end - $$) > 0x8000) db 0
