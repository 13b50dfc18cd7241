; cpuwalk: every CPU feature CPUID advertises works, and the instruction
; pointer wraps and CR0.PG clears as the SDM says, in each code size. Tests:
; tests/system/test_cpuid.py (docs/guests.md, "cpuwalk").
;
; One flat image, two ways to start it (tests/guests/bootload.inc): under
; Kestrel loaded whole at 0:7C00 in real mode; on bare Bochs as a floppy
; boot sector that reads the rest with INT 13h.
;
; 1. CPUID (which a hypervisor emulates) with IP at 0xFFFE in real mode,
;    and with EIP at 0xFFFFFFFE in 32-bit protected and in compatibility
;    mode (code segment base 0x40000: both at linear 0x3FFFE). On a CPU the
;    next instruction is at offset 0 (SDM 1 3.5, 3.6: the instruction
;    pointer is as wide as the code). Bare Bochs 2.7 faults the fetch at IP
;    0x10000 in real mode instead (#GP: past the 64 KiB limit).
;       cpuwalk: wrap MODE vector=none            (N: the fault instead)
; 2. In 64-bit mode, CPUID leaves 1, 7, 0xD and 0x80000001/8 as the guest
;    sees them, then one line per feature: for a CR4-gated feature, MOV to
;    CR4 setting its bit does not fault and reads back set; for an
;    instruction, it runs without #UD (or any other fault):
;       cpuwalk: cpuid LEAF REG=0xVALUE ...
;       cpuwalk: NAME advertised=0|1 works=0|1|-   (- when not advertised)
; 3. MOV to CR0 clearing PG in compatibility mode (legal: IA-32e mode ends,
;    EFER.LMA reads 0) and in 64-bit mode (#GP(0): SDM 2B "MOV to/from
;    control registers", 64-bit mode exceptions; 3A 9.8.5.4):
;       cpuwalk: clear-pg compat vector=none lma=0
;       cpuwalk: clear-pg long vector=13
; Ends with "cpuwalk: done", exit code 0 to port 0xF4, then "Shutdown" to
; port 0x8900 (bare Bochs powers off). The test judges every line.

bits 16
org 0x7C00
%include "guests/lib/rm.inc"
%include "tests/guests/pc.inc"
%include "tests/guests/bootload.inc"

SIG            equ 0x4B4C4157     ; "WALK": first dword of sector 2
SEL_CODE32     equ 0x08           ; flat, D=1, L=0: 32-bit or compatibility mode
SEL_DATA32     equ 0x10
SEL_CODEB      equ 0x18           ; 32-bit code, base WRAP_BASE
SEL_CODE64     equ 0x20

IDT64          equ 0x1000         ; 256 x 16 bytes
IDT32          equ 0x2000         ; 256 x 8 bytes
STACK          equ 0x7C00         ; below the image, in every mode
PML4           equ 0x20000        ; PML4, PDPT, PD: identity map of 0-2 MiB
XAREA          equ 0x24000        ; XSAVE area, 12 KiB, 64-byte aligned
MOVDIR_BUF     equ 0x27000        ; MOVDIR64B source and destination
WRAP_RM_SEG    equ 0x3000         ; real mode: CPUID at 3000:FFFE, lands at 3000:0000
WRAP_BASE      equ 0x40000        ; CPUID at linear 0x3FFFE = base + 0xFFFFFFFE
WRAP_CPUID     equ 0x3FFFE

MSR_EFER       equ 0xC0000080
EFER_LME       equ 1 << 8
EFER_LMA       equ 1 << 10
CR0_PG         equ 1 << 31
CR4_PAE        equ 1 << 5
NONE           equ 0xFFFF         ; r_vec: nothing faulted
ERR_VECTORS    equ (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17) | (1 << 21)

; ---------------------------------------------------------------- sector 1
	RM_START
	BOOT_LOADER "cpuwalk"

; ---------------------------------------------------------------- real mode
stage2:
	call com1_init
	PUTS s_start
	xor bx, bx                      ; IVT: vectors 0..31 to their stubs
.ivt:
	mov ax, bx
	shl ax, 3
	add ax, rm_stubs
	mov di, bx
	shl di, 2
	mov [di], ax
	mov word [di + 2], 0
	inc bx
	cmp bx, 32
	jb .ivt
	; The code the wraps run: CPUID at the top of the segment, and at its
	; bottom a far jump back (real mode here; 32-bit code at WRAP_BASE).
	mov ax, WRAP_RM_SEG
	mov es, ax
	mov word [es:0xFFFE], 0xA20F    ; cpuid
	mov byte [es:0], 0xEA           ; jmp 0:rm_wrap_back
	mov word [es:1], rm_wrap_back
	mov word [es:3], 0
	xor ax, ax
	mov es, ax
	mov word [r_vec], NONE
	mov word [r_resume], rm_wrap_back
	mov [r_rsp], sp
	xor eax, eax
	jmp WRAP_RM_SEG:0xFFFE
rm_wrap_back:
	mov ax, [r_vec]
	mov [res_wrap_real], ax

	lgdt [gdt_desc]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp dword SEL_CODE32:pm32_entry

; Real-mode faults: record the vector, drop the frame, go to r_resume.
	align 8
rm_stubs:
%assign v 0
%rep 32
	mov al, v
	jmp strict near rm_fault
	align 8, db 0xCC
%assign v v + 1
%endrep
rm_fault:
	xor ah, ah
	mov [r_vec], ax
	mov sp, [r_rsp]
	jmp word [r_resume]

	COM1_INIT_CODE

; ---------------------------------------------------------------- 32-bit code
bits 32
pm32_entry:
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, STACK
	IDT32_GATES IDT32, pm_stubs, 8, SEL_CODE32
	lidt [idt32_desc]
	mov esi, wrap_stub32
	mov edi, WRAP_BASE
	mov ecx, wrap_stub32_end - wrap_stub32
	rep movsb
	mov word [r_vec], NONE
	mov dword [r_resume], pm_wrap_back
	mov [r_rsp], esp
	mov dword [wrap_ret], pm_wrap_back
	mov word [wrap_ret + 4], SEL_CODE32
	xor eax, eax
	jmp SEL_CODEB:0xFFFFFFFE
pm_wrap_back:
	mov ax, [r_vec]
	mov [res_wrap_pm32], ax

; ---- IA-32e mode: identity-mapped 2 MiB page, the 64-bit IDT
	call build_idt64
	LM_IDENTITY_MAP PML4
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, PML4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	call paging_on
	jmp SEL_CODE64:long_entry

paging_on:                              ; with EFER.LME: IA-32e mode
	lidt [idt64_desc]
	mov eax, cr0
	or eax, CR0_PG
	mov cr0, eax
	ret

; Copied to WRAP_BASE: where EIP 0xFFFFFFFE + 2 wraps to in SEL_CODEB.
wrap_stub32:
	jmp far [wrap_ret]
wrap_stub32_end:

	align 8
pm_stubs:
%assign v 0
%rep 32
	mov al, v
	jmp strict near pm_fault
	align 8, db 0xCC
%assign v v + 1
%endrep
pm_fault:
	movzx eax, al
	mov [r_vec], ax
	mov esp, [r_rsp]
	jmp dword [r_resume]

build_idt64:
	xor ebx, ebx
.next:
	mov eax, ebx
	shl eax, 4
	add eax, lm_stubs
	mov edi, ebx
	shl edi, 4
	mov [IDT64 + edi], ax
	mov word [IDT64 + edi + 2], SEL_CODE64
	mov word [IDT64 + edi + 4], 0x8E00
	shr eax, 16
	mov [IDT64 + edi + 6], ax
	mov dword [IDT64 + edi + 8], 0
	mov dword [IDT64 + edi + 12], 0
	inc ebx
	cmp ebx, 32
	jb .next
	ret

; ---- compatibility mode (entered from 64-bit mode by a far return)
compat_wrap:
	mov word [r_vec], NONE
	mov dword [r_resume], compat_wrap_back
	mov word [r_cs], SEL_CODE32
	mov [r_rsp], esp
	mov dword [wrap_ret], compat_wrap_back
	mov word [wrap_ret + 4], SEL_CODE32
	xor eax, eax
	jmp SEL_CODEB:0xFFFFFFFE
compat_wrap_back:
	mov ax, [r_vec]
	mov [res_wrap_compat], ax
	; Clearing CR0.PG here is how IA-32e mode ends (SDM 3A 9.8.5.4).
	mov word [r_vec], NONE
	mov dword [r_resume], compat_pg_back
	mov [r_rsp], esp
	mov eax, cr0
	and eax, ~CR0_PG
	mov cr0, eax
compat_pg_back:
	mov ax, [r_vec]
	mov [res_pg_compat], ax
	cmp ax, NONE
	jne .lma
	lidt [idt32_desc]               ; protected mode now: 8-byte gates
.lma:
	mov ecx, MSR_EFER
	rdmsr
	and eax, EFER_LMA
	mov [res_pg_lma], eax
	call paging_on
	jmp SEL_CODE64:long_again

; ---------------------------------------------------------------- 64-bit code
bits 64
long_entry:
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, STACK
	mov esi, s_wrap_real
	movzx eax, word [res_wrap_real]
	call put_vector_line
	mov esi, s_wrap_pm32
	movzx eax, word [res_wrap_pm32]
	call put_vector_line
	call read_cpuid
	call print_cpuid
	call walk_cr4
	call enable_state
	call walk_insns
	push SEL_CODE32                 ; to compatibility mode
	push compat_wrap
	retfq

long_again:
	mov ax, SEL_DATA32
	mov ss, ax
	mov rsp, STACK
	mov esi, s_wrap_compat
	movzx eax, word [res_wrap_compat]
	call put_vector_line
	mov esi, s_pg_compat
	movzx eax, word [res_pg_compat]
	call put_vector
	mov esi, s_lma
	call puts
	mov eax, [res_pg_lma]
	shr eax, 10
	add al, '0'
	call putc
	mov al, 10
	call putc
	; In 64-bit mode clearing CR0.PG is #GP(0).
	mov word [r_vec], NONE
	mov qword [r_resume], long_pg_back
	mov word [r_cs], SEL_CODE64
	mov [r_rsp], rsp
	mov rax, cr0
	btr rax, 31
	mov cr0, rax
long_pg_back:
	mov esi, s_pg_long
	movzx eax, word [r_vec]
	call put_vector_line

	mov esi, s_done
	call puts
	BARE_EXIT

; 64-bit faults (also those in compatibility mode): record the vector and
; return with IRETQ to r_cs:r_resume on the stack r_rsp.
	align 16
lm_stubs:
%assign v 0
%rep 32
	mov al, v
	jmp strict near lm_fault
	align 16, db 0xCC
%assign v v + 1
%endrep
lm_fault:
	movzx eax, al
	mov [r_vec], ax
	movzx eax, word [r_cs]
	mov rsp, [r_rsp]
	push SEL_DATA32
	push qword [r_rsp]
	push 2                          ; RFLAGS: IF stays 0
	push rax
	push qword [r_resume]
	iretq

; ---- the walk
; CPUID as the guest sees it, one dword per register the walk reads.
read_cpuid:
	xor eax, eax
	cpuid
	mov [c_max], eax
	mov eax, 1
	xor ecx, ecx
	cpuid
	mov [c1_ecx], ecx
	mov [c1_edx], edx
	cmp dword [c_max], 7
	jb .ext
	mov eax, 7
	xor ecx, ecx
	cpuid
	mov [c7_ebx], ebx
	mov [c7_ecx], ecx
	mov [c7_edx], edx
	cmp dword [c_max], 0xD
	jb .ext
	mov eax, 0xD
	xor ecx, ecx
	cpuid
	mov [cd0_eax], eax
	mov eax, 0xD
	mov ecx, 1
	cpuid
	mov [cd1_eax], eax
.ext:
	mov eax, 0x80000000
	cpuid
	mov [cx_max], eax
	cmp eax, 0x80000001
	jb .done
	mov eax, 0x80000001
	cpuid
	mov [cx1_ecx], ecx
	mov [cx1_edx], edx
	cmp dword [cx_max], 0x80000008
	jb .done
	mov eax, 0x80000008
	cpuid
	mov [cx8_ebx], ebx
.done:
	ret

print_cpuid:
	mov rbx, cpuid_regs
.next:
	mov esi, [rbx]
	test esi, esi
	jz .done
	call puts
	mov eax, [rbx + 4]
	mov eax, [rax]
	call puthex
	mov al, 10
	call putc
	add rbx, 8
	jmp .next
.done:
	ret


; ---- the feature table
; FEATURE NAME, VAR, BIT, TRY, ARG: the feature VAR's bit BIT advertises
; works when TRY (called with rcx = ARG) returns CF=1.
%macro FEATURE 4-5 0
	align 8, db 0
	dq %2, %3, %4, %5
	db %1, 0
%endmacro
%macro CR4BIT 4                         ; NAME, VAR, BIT, CR4 bit
	FEATURE %1, %2, %3, try_cr4, %4
%endmacro

; Runs the rows from rbx on, to the one whose VAR is 0.
walk:
	add rbx, 7
	and rbx, ~7
	cmp qword [rbx], 0
	je .done
	mov esi, s_prefix
	call puts
	lea rsi, [rbx + 32]
	call puts
	push rsi                        ; its NUL: the next row is aligned after it
	mov rax, [rbx]
	mov eax, [rax]
	mov rcx, [rbx + 8]
	bt eax, ecx
	setc r12b
	mov esi, s_adv
	call puts
	mov al, r12b
	add al, '0'
	call putc
	mov esi, s_works
	call puts
	mov al, '-'
	test r12b, r12b
	jz .print
	mov rcx, [rbx + 24]
	push rbx
	call [rbx + 16]
	pop rbx
	setc al
	add al, '0'
.print:
	call putc
	mov al, 10
	call putc
	pop rbx
	inc rbx
	jmp walk
.done:
	ret

walk_cr4:
	mov rbx, cr4_table
	jmp walk

walk_insns:
	mov rbx, insn_table
	jmp walk

; GUARD INSN: run INSN; a fault resumes after it with r_vec set.
%macro GUARD 1+
	mov word [r_vec], NONE
	mov qword [r_resume], %%end
	mov word [r_cs], SEL_CODE64
	mov [r_rsp], rsp
	%1
%%end:
%endmacro
; TRY INSN: the end of a TRY routine.
%macro TRY 1+
	GUARD %1
	jmp try_end
%endmacro

try_end:                                ; CF = nothing faulted
	cmp word [r_vec], NONE
	stc
	je .ret
	clc
.ret:
	ret

; CR4 bit rcx: set it, read it back, put the old CR4 back.
try_cr4:
	mov rdx, cr4
	mov [cr4_old], rdx
	bts rdx, rcx
	GUARD mov cr4, rdx
	mov rdx, cr4
	mov rax, [cr4_old]
	mov cr4, rax
	cmp word [r_vec], NONE
	jne .no
	bt rdx, rcx
	ret
.no:
	clc
	ret

; CR4.OSFXSR, OSXMMEXCPT, OSXSAVE, FSGSBASE where advertised, and XCR0
; with x87, SSE and, where CPUID offers them, AVX and AVX-512 state.
enable_state:
	mov rax, cr4
	or eax, (1 << 9) | (1 << 10)
	bt dword [c1_ecx], 26
	jnc .fs
	bts eax, 18
.fs:
	bt dword [c7_ebx], 0
	jnc .set
	bts eax, 16
.set:
	GUARD mov cr4, rax
	bt dword [c1_ecx], 26
	jnc .done
	mov eax, 3
	bt dword [c1_ecx], 28
	jnc .xset
	bt dword [cd0_eax], 2
	jnc .xset
	or eax, 4
	bt dword [c7_ebx], 16
	jnc .xset
	mov ecx, [cd0_eax]
	and ecx, 0xE0
	cmp ecx, 0xE0
	jne .xset
	or eax, 0xE0
.xset:
	xor edx, edx
	xor ecx, ecx
	GUARD xsetbv
.done:
	ret

t_rdtscp:    TRY rdtscp
t_rdpid:     TRY rdpid rax
t_invpcid:
	mov eax, 2                      ; all contexts, globals included
	TRY invpcid rax, [invpcid_desc]
t_xsave:
	call xarea
	TRY xsave [rdi]
t_xsaveopt:
	call xarea
	TRY xsaveopt [rdi]
t_xsavec:
	call xarea
	TRY xsavec [rdi]
t_xsaves:
	call xarea
	TRY xsaves [rdi]
t_xgetbv1:
	mov ecx, 1
	TRY xgetbv
t_rdrand:    TRY rdrand eax
t_rdseed:    TRY rdseed eax
t_rdfsbase:  TRY rdfsbase rax
t_clflushopt:
	mov edi, XAREA
	TRY clflushopt [rdi]
t_clwb:
	mov edi, XAREA
	TRY clwb [rdi]
t_bmi1:      TRY andn eax, ebx, ecx
t_bmi2:      TRY pdep eax, ebx, ecx
t_adx:       TRY adcx eax, ebx
t_lzcnt:     TRY lzcnt eax, ebx
t_popcnt:    TRY popcnt eax, ebx
t_movbe:
	mov edi, XAREA
	TRY movbe eax, [rdi]
t_crc32:     TRY crc32 eax, ebx
t_aes:       TRY aesenc xmm0, xmm1
t_pclmul:    TRY pclmulqdq xmm0, xmm1, 0
t_sha:       TRY sha1msg1 xmm0, xmm1
t_gfni:      TRY gf2p8mulb xmm0, xmm1
t_avx:       TRY vaddps ymm0, ymm1, ymm2
t_avx2:      TRY vpaddd ymm0, ymm1, ymm2
t_fma:       TRY vfmadd132ps xmm0, xmm1, xmm2
t_f16c:      TRY vcvtph2ps xmm0, xmm1
t_avx512f:   TRY vpaddd zmm0, zmm1, zmm2
t_movdiri:
	mov edi, MOVDIR_BUF
	TRY movdiri [rdi], eax
t_movdir64b:
	mov edi, MOVDIR_BUF + 64
	mov esi, MOVDIR_BUF
	TRY movdir64b rdi, [rsi]
t_serialize: TRY serialize
t_lahf:      TRY lahf
t_wbnoinvd:  TRY wbnoinvd
t_efer_sce:                             ; SYSCALL's enable
	mov ecx, MSR_EFER
	rdmsr
	bts eax, 0
	TRY wrmsr
t_efer_nxe:                             ; execute-disable's enable
	mov ecx, MSR_EFER
	rdmsr
	bts eax, 11
	TRY wrmsr

xarea:                                  ; rdi = XAREA, edx:eax = all components
	mov edi, XAREA
	mov eax, -1
	mov edx, -1
	ret

; ---- printing (COM1, polled): lm_putc, lm_puts, lm_hex (pc.inc)
	COM1_PRINTER lm

putc equ lm_putc                        ; al; clobbers ah, dx
puts equ lm_puts                        ; rsi below 4 GiB: NUL-terminated; leaves rsi on the NUL

puthex:                                 ; eax, as 0x%08x; keeps every register but rax, rdx
	push rbx
	push rcx
	mov cl, 8
	call lm_hex
	pop rcx
	pop rbx
	ret

putdec:                                 ; eax, unsigned
	mov ecx, 10
	xor r8d, r8d
.div:
	xor edx, edx
	div ecx
	push rdx
	inc r8d
	test eax, eax
	jnz .div
.out:
	pop rax
	add al, '0'
	call putc
	dec r8d
	jnz .out
	ret

put_vector:                             ; rsi: label, eax: a vector or NONE
	push rax
	call puts
	mov esi, s_vector
	call puts
	pop rax
	cmp eax, NONE
	jne .num
	mov esi, s_none
	jmp puts
.num:
	jmp putdec

put_vector_line:
	call put_vector
	mov al, 10
	jmp putc

; ---------------------------------------------------------------- data
	align 8
gdt:
	dq 0
	dq 0x00CF9A000000FFFF           ; 0x08 code32, flat (compatibility mode in IA-32e)
	dq 0x00CF92000000FFFF           ; 0x10 data32, flat
	dq 0x00CF9A040000FFFF           ; 0x18 code32, base 0x40000, limit 4 GiB
	dq 0x00AF9A000000FFFF           ; 0x20 code64
gdt_end:
gdt_desc:   dw gdt_end - gdt - 1
	    dd gdt
idt32_desc: dw 32 * 8 - 1
	    dd IDT32
idt64_desc: dw 32 * 16 - 1
	    dq IDT64

	align 16
invpcid_desc: dq 0, 0
r_resume:   dq 0                    ; where a fault resumes (and its CS, stack)
r_rsp:      dq 0
cr4_old:    dq 0
wrap_ret:   dd 0                    ; m16:32, where the wrap stub jumps
	    dw 0
r_cs:       dw 0
r_vec:      dw 0
res_wrap_real:   dw 0
res_wrap_pm32:   dw 0
res_wrap_compat: dw 0
res_pg_compat:   dw 0
res_pg_lma:      dd 0
	align 4
c_one:      dd 1                    ; for what every x86-64 CPU has
c_max:      dd 0
c1_ecx:     dd 0
c1_edx:     dd 0
c7_ebx:     dd 0
c7_ecx:     dd 0
c7_edx:     dd 0
cd0_eax:    dd 0
cd1_eax:    dd 0
cx_max:     dd 0
cx1_ecx:    dd 0
cx1_edx:    dd 0
cx8_ebx:    dd 0

	align 8
cpuid_regs:
	dd s_c1_ecx, c1_ecx, s_c1_edx, c1_edx, s_c7_ebx, c7_ebx, s_c7_ecx, c7_ecx, s_c7_edx, c7_edx
	dd s_cd0_eax, cd0_eax, s_cd1_eax, cd1_eax, s_cx1_ecx, cx1_ecx, s_cx1_edx, cx1_edx, s_cx8_ebx, cx8_ebx
	dd 0, 0

; CR4 bits and the CPUID bit that says the CPU has each (SDM 3A 2.5, "CR4";
; SDM 2 CPUID). PCE has none: every CPU with RDPMC has it.
cr4_table:
	CR4BIT "CR4.VME", c1_edx, 1, 0
	CR4BIT "CR4.PVI", c1_edx, 1, 1
	CR4BIT "CR4.TSD", c1_edx, 4, 2
	CR4BIT "CR4.DE", c1_edx, 2, 3
	CR4BIT "CR4.PSE", c1_edx, 3, 4
	CR4BIT "CR4.PAE", c1_edx, 6, 5
	CR4BIT "CR4.MCE", c1_edx, 7, 6
	CR4BIT "CR4.PGE", c1_edx, 13, 7
	CR4BIT "CR4.PCE", c_one, 0, 8
	CR4BIT "CR4.OSFXSR", c1_edx, 24, 9
	CR4BIT "CR4.OSXMMEXCPT", c1_edx, 25, 10
	CR4BIT "CR4.UMIP", c7_ecx, 2, 11
	CR4BIT "CR4.FSGSBASE", c7_ebx, 0, 16
	CR4BIT "CR4.PCIDE", c1_ecx, 17, 17
	CR4BIT "CR4.OSXSAVE", c1_ecx, 26, 18
	CR4BIT "CR4.SMEP", c7_ebx, 7, 20
	CR4BIT "CR4.SMAP", c7_ebx, 20, 21
	CR4BIT "CR4.PKE", c7_ecx, 3, 22
	align 8, db 0
	dq 0

insn_table:
	FEATURE "RDTSCP", cx1_edx, 27, t_rdtscp
	FEATURE "RDPID", c7_ecx, 22, t_rdpid
	FEATURE "INVPCID", c7_ebx, 10, t_invpcid
	FEATURE "XSAVE", c1_ecx, 26, t_xsave
	FEATURE "XSAVEOPT", cd1_eax, 0, t_xsaveopt
	FEATURE "XSAVEC", cd1_eax, 1, t_xsavec
	FEATURE "XGETBV1", cd1_eax, 2, t_xgetbv1
	FEATURE "XSAVES", cd1_eax, 3, t_xsaves
	FEATURE "RDRAND", c1_ecx, 30, t_rdrand
	FEATURE "RDSEED", c7_ebx, 18, t_rdseed
	FEATURE "RDFSBASE", c7_ebx, 0, t_rdfsbase
	FEATURE "CLFLUSHOPT", c7_ebx, 23, t_clflushopt
	FEATURE "CLWB", c7_ebx, 24, t_clwb
	FEATURE "BMI1", c7_ebx, 3, t_bmi1
	FEATURE "BMI2", c7_ebx, 8, t_bmi2
	FEATURE "ADX", c7_ebx, 19, t_adx
	FEATURE "LZCNT", cx1_ecx, 5, t_lzcnt
	FEATURE "POPCNT", c1_ecx, 23, t_popcnt
	FEATURE "MOVBE", c1_ecx, 22, t_movbe
	FEATURE "SSE4.2", c1_ecx, 20, t_crc32
	FEATURE "AES", c1_ecx, 25, t_aes
	FEATURE "PCLMULQDQ", c1_ecx, 1, t_pclmul
	FEATURE "SHA", c7_ebx, 29, t_sha
	FEATURE "GFNI", c7_ecx, 8, t_gfni
	FEATURE "AVX", c1_ecx, 28, t_avx
	FEATURE "AVX2", c7_ebx, 5, t_avx2
	FEATURE "FMA", c1_ecx, 12, t_fma
	FEATURE "F16C", c1_ecx, 29, t_f16c
	FEATURE "AVX512F", c7_ebx, 16, t_avx512f
	FEATURE "MOVDIRI", c7_ecx, 27, t_movdiri
	FEATURE "MOVDIR64B", c7_ecx, 28, t_movdir64b
	FEATURE "SERIALIZE", c7_edx, 14, t_serialize
	FEATURE "LAHF64", cx1_ecx, 0, t_lahf
	FEATURE "WBNOINVD", cx8_ebx, 9, t_wbnoinvd
	FEATURE "EFER.SCE", cx1_edx, 11, t_efer_sce
	FEATURE "EFER.NXE", cx1_edx, 20, t_efer_nxe
	align 8, db 0
	dq 0

s_start:    db "cpuwalk: start", 10, 0
s_done:     db "cpuwalk: done", 10, 0
s_wrap_real:   db "cpuwalk: wrap real ", 0
s_wrap_pm32:   db "cpuwalk: wrap pm32 ", 0
s_wrap_compat: db "cpuwalk: wrap compat ", 0
s_pg_compat:   db "cpuwalk: clear-pg compat ", 0
s_pg_long:     db "cpuwalk: clear-pg long ", 0
s_prefix:   db "cpuwalk: ", 0
s_lma:      db " lma=", 0
s_vector:   db "vector=", 0
s_none:     db "none", 0
s_adv:      db " advertised=", 0
s_works:    db " works=", 0
s_c1_ecx:   db "cpuwalk: cpuid 1 ecx=", 0
s_c1_edx:   db "cpuwalk: cpuid 1 edx=", 0
s_c7_ebx:   db "cpuwalk: cpuid 7.0 ebx=", 0
s_c7_ecx:   db "cpuwalk: cpuid 7.0 ecx=", 0
s_c7_edx:   db "cpuwalk: cpuid 7.0 edx=", 0
s_cd0_eax:  db "cpuwalk: cpuid 0xd.0 eax=", 0
s_cd1_eax:  db "cpuwalk: cpuid 0xd.1 eax=", 0
s_cx1_ecx:  db "cpuwalk: cpuid 0x80000001 ecx=", 0
s_cx1_edx:  db "cpuwalk: cpuid 0x80000001 edx=", 0
s_cx8_ebx:  db "cpuwalk: cpuid 0x80000008 ebx=", 0

	align 512, db 0
image_end:
TOTAL_SECTORS equ (image_end - $$) / 512
; Real-mode code reaches everything with offsets: the image must end below 0x10000.
	times -((image_end - $$) > 0x8000) db 0
