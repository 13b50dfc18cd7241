; strio: string I/O (INS, OUTS, with and without REP) as the CPU does it:
; address-size wrap, the page walk's rights, #PF with CR2 and error code,
; partial REP completion, elements that cross a page, accessed and dirty
; bits. Tests: tests/system/test_strio.py (docs/guests.md, "strio").
;
; One flat image, two ways to start it (as modes.asm): under Kestrel loaded
; whole at 0:7C00 in real mode; on bare Bochs a boot sector that reads the
; rest with INT 13h (tests/guests/bootload.inc). Bare Bochs is the oracle.
;
; The port read is the 8259A master's IMR (0x21) after writing IMR_VALUE to
; it, which reads back the same on both; word reads and OUTS use a port
; nothing decodes (PORT_NONE: all ones, writes dropped); one check reads
; PIT counter 2 (held by a low gate) to see that a fault consumes no read.
;
; Real mode, ES = 0x1000: REP INSB, CX = 4, from DI = 0xFFFE (DI wraps to 0).
; 32-bit protected mode, 32-bit paging (identity map of 0-4 MiB with user,
; writable 4 KiB pages but for the test pages below), CPL 0 unless said:
;   insb-not-present      INSB into a not-present page
;   insb-pit-not-present  INSB from PIT counter 2 into it: the next IN 0x42
;                         still reads the byte a read after the first would
;   insb-read-only-wp0    INSB into a read-only page with CR0.WP = 0
;   insb-read-only-wp1    the same with CR0.WP = 1
;   ring3-insb-supervisor INSB at CPL 3 (IOPL 3) into a supervisor page
;   ring3-insb-user       INSB at CPL 3 into a user page
;   rep-insb-cross        REP INSB, ECX = 8, 4 bytes before a not-present page
;   rep-insb-down         the same with DF = 1, 4 bytes above one
;   insw-split-not-present INSW at the last byte of a page before a
;                         not-present one
;   insw-split-remap      INSW at the last byte of a page whose linear
;                         successor maps elsewhere than the next frame
;   insb-accessed-dirty   INSB into a page whose PTE has A = D = 0
;   outsb-accessed        OUTSB from such a page
;   outsb-not-present     OUTSB from a not-present page to the IMR
; PAE paging: insb-not-present into a page of a not-present PTE;
; insb-reserved-bit into a 2 MiB page whose PDE sets reserved bit 13;
; insb-stale-pdpte into a present page after clearing the PDPTE in memory
; (the CPU translates with the PDPTE registers loaded at MOV CR0).
; IA-32e mode (compatibility mode, 4-level paging): insb-not-present,
; insb-present.
;
; Each prints "strio: MODE CHECK vector=none|V [error=0x.... cr2=0x........]"
; and what it looked at (registers after, bytes in memory, PTE bits). A
; fault's handler records and resumes after the instruction. Ends with
; "strio: done", exit code 0 to port 0xF4 (Kestrel), then "Shutdown" to port
; 0x8900 (bare Bochs). The guest judges nothing: the test compares.

bits 16
org 0x7C00
%include "guests/lib/rm.inc"
%include "tests/guests/pc.inc"
%include "tests/guests/bootload.inc"

SIG            equ 0x4F495453     ; "STIO": first dword of sector 2
SEL_CODE       equ 0x08
SEL_DATA       equ 0x10
SEL_UCODE      equ 0x18 | 3
SEL_UDATA      equ 0x20 | 3
SEL_TSS        equ 0x28
SEL_CODE64     equ 0x30

IDT            equ 0x1000         ; vectors 0-0x30, 32-bit gates
TSS            equ 0x2000
TSS_SIZE       equ 104
STACK3         equ 0x5000         ; ring 3
STACK0         equ 0x6000         ; TSS.ESP0
STACK32        equ 0x7000
PD32           equ 0x30000        ; 32-bit paging: PD, one PT for 0-4 MiB
PT32           equ 0x31000
PDPT           equ 0x34000        ; PAE: PDPT, a PD, a PT with nothing present
PD_PAE         equ 0x35000
PT_PAE         equ 0x36000
PML4           equ 0x37000        ; 4-level: PML4, PDPT, then the PAE PD
PDPT_LM        equ 0x38000
IDT64          equ 0x3000         ; vectors 0-31, 64-bit gates

PIC_IMR        equ 0x21
IMR_VALUE      equ 0x5A
PORT_NONE      equ 0x100          ; neither Kestrel nor Bochs decodes it (Bochs does 0x2EA)
PIT_C2         equ 0x42
PIT_CONTROL    equ 0x43
PORT_B         equ 0x61
RM_SEG         equ 0x1000
NOFAULT        equ 0xFFFF
VEC_BACK       equ 0x30           ; ring 3 says "no fault" with INT 0x30

PTE_P          equ 1 << 0
PTE_RW         equ 1 << 1
PTE_US         equ 1 << 2
PTE_PS         equ 1 << 7
PTE_URW        equ PTE_P | PTE_RW | PTE_US
CR0_WP         equ 1 << 16
CR0_PG         equ 1 << 31
CR4_PAE        equ 1 << 5

; Test pages: linear = physical but where said.
P_NP           equ 0x100000       ; not present
P_RO           equ 0x101000       ; present, read-only, supervisor
P_SUP          equ 0x102000       ; present, writable, supervisor
P_AD           equ 0x103000       ; A = D = 0 until the INSB
P_AD2          equ 0x104000       ; A = D = 0 until the OUTSB
P_X1           equ 0x105000
P_X2           equ 0x106000       ; not present
P_S1           equ 0x107000
P_S2           equ 0x108000       ; not present
P_R1           equ 0x109000
P_R2           equ 0x10A000       ; -> frame P_RFRAME
P_ALIAS        equ 0x10B000       ; -> frame 0x10A000, the one after P_R1's
P_RFRAME       equ 0x10C000
P_USER         equ 0x10D000
P_END          equ 0x10E000
PAE_NP         equ 0x200040       ; PAE: in the PT with nothing present
LM_NP          equ 0x200080       ; the same PT under 4-level paging
PAE_RSVD       equ 0x400040       ; PAE: a 2 MiB page with reserved bit 13 set
MSR_EFER       equ 0xC0000080
EFER_LME       equ 1 << 8

; ---------------------------------------------------------------- macros
%macro PS 1+                      ; print a string
	jmp %%over
%%s:	db %1, 0
%%over:
	mov esi, %%s
	call pm_puts
%endmacro

%macro PX 2                       ; print operand %1 as %2 hex digits
	mov eax, %1
	mov cl, %2
	call pm_hex
%endmacro

%macro PB 1                       ; print the byte at address %1
	movzx eax, byte [%1]
	mov cl, 2
	call pm_hex
%endmacro

%macro NL 0
	mov al, 10
	call pm_putc
%endmacro

; TRY ... ENDTRY: a fault in between resumes at ENDTRY, the record in r_*.
%macro TRY 0
	%push try
	mov dword [r_resume], %$after
	mov [r_esp], esp
	mov dword [r_vec], NOFAULT
%endmacro

%macro ENDTRY 0
%$after:
	%pop
%endmacro

%macro SET_PTE 2                  ; linear page, entry
	mov dword [PT32 + (%1 >> 12) * 4], %2
%endmacro

; ---------------------------------------------------------------- sector 1
	RM_START
	BOOT_LOADER "strio"

stage2:
	mov al, IMR_VALUE
	out PIC_IMR, al
	xor al, al
	mov bx, RM_SEG                  ; clear ES:FFF0-FFFF, ES:0000-000F and
	call rm_clear                   ; the 16 bytes past the segment's end
	mov bx, RM_SEG + 0x1000
	call rm_clear
	mov ax, RM_SEG
	mov es, ax
	mov di, 0xFFFE
	mov cx, 4
	mov dx, PIC_IMR
	rep insb
	mov [rm_di], di
	mov [rm_cx], cx
	xor ax, ax
	mov es, ax
	lgdt [gdt_desc]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp dword SEL_CODE:pm32

rm_clear:                               ; bx: segment; zero offsets FFF0-000F
	mov es, bx
	xor al, al
	mov di, 0xFFF0
	mov cx, 16
	rep stosb
	xor di, di
	mov cx, 16
	rep stosb
	ret

; ---------------------------------------------------------------- 32-bit
bits 32
pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov esp, STACK32
	call com1_init
	PS "strio: start", 10
	call idt_init
	call tss_init

	PS "strio: real rep-insb-wrap di="
	movzx eax, word [rm_di]
	mov cl, 4
	call pm_hex
	PS " cx="
	movzx eax, word [rm_cx]
	mov cl, 4
	call pm_hex
	PS " end="
	mov esi, RM_SEG * 16 + 0xFFFE
	call bytes2
	PS " start="
	mov esi, RM_SEG * 16
	call bytes2
	PS " past="
	mov esi, RM_SEG * 16 + 0x10000
	call bytes2
	NL

	call paging32_init

	TRY
	mov edi, P_NP + 0x20
	mov dx, PIC_IMR
	insb
	ENDTRY
	mov [r_edi], edi
	PS "strio: pm32 insb-not-present"
	call report
	PS " edi="
	PX [r_edi], 8
	NL

	call pit_c2_init
	in al, PIT_C2
	mov [pit_first], al
	in al, PIT_C2
	mov [pit_second], al
	TRY
	mov edi, P_NP + 0x40
	mov dx, PIT_C2
	insb
	ENDTRY
	in al, PIT_C2
	mov [pit_after], al
	in al, PIT_C2                   ; the other byte: the flip-flop as before
	PS "strio: pm32 insb-pit-not-present"
	call report
	PS " first="
	PB pit_first
	PS " second="
	PB pit_second
	PS " after="
	PB pit_after
	NL

	TRY
	mov edi, P_RO + 0x10
	mov dx, PIC_IMR
	insb
	ENDTRY
	PS "strio: pm32 insb-read-only-wp0"
	call report
	PS " byte="
	PB P_RO + 0x10
	NL

	mov eax, cr0
	or eax, CR0_WP
	mov cr0, eax
	mov eax, cr3                    ; no TLB entry from WP = 0 survives
	mov cr3, eax
	TRY
	mov edi, P_RO + 0x20
	mov dx, PIC_IMR
	insb
	ENDTRY
	mov eax, cr0
	and eax, ~CR0_WP
	mov cr0, eax
	PS "strio: pm32 insb-read-only-wp1"
	call report
	PS " byte="
	PB P_RO + 0x20
	NL

	mov edi, P_SUP + 0x20
	call ring3_insb
	PS "strio: pm32 ring3-insb-supervisor"
	call report
	PS " byte="
	PB P_SUP + 0x20
	NL

	mov edi, P_USER + 0x20
	call ring3_insb
	PS "strio: pm32 ring3-insb-user"
	call report
	PS " byte="
	PB P_USER + 0x20
	NL

	TRY
	mov edi, P_X1 + 0xFFC
	mov ecx, 8
	mov dx, PIC_IMR
	rep insb
	ENDTRY
	mov [r_edi], edi
	mov [r_ecx], ecx
	PS "strio: pm32 rep-insb-cross"
	call report
	PS " ecx="
	PX [r_ecx], 8
	PS " edi="
	PX [r_edi], 8
	PS " written="
	mov esi, P_X1 + 0xFF0
	call count_imr
	PX ebx, 2
	NL

	TRY
	std                             ; downwards, into the page below
	mov edi, P_S1 + 3
	mov ecx, 8
	mov dx, PIC_IMR
	rep insb
	ENDTRY
	cld
	mov [r_edi], edi
	mov [r_ecx], ecx
	PS "strio: pm32 rep-insb-down"
	call report
	PS " ecx="
	PX [r_ecx], 8
	PS " edi="
	PX [r_edi], 8
	PS " written="
	mov esi, P_S1
	call count_imr
	PX ebx, 2
	NL

	TRY
	mov edi, P_S1 + 0xFFF
	mov dx, PORT_NONE
	insw
	ENDTRY
	mov [r_edi], edi
	PS "strio: pm32 insw-split-not-present"
	call report
	PS " edi="
	PX [r_edi], 8
	PS " byte="
	PB P_S1 + 0xFFF
	NL

	TRY
	mov edi, P_R1 + 0xFFF
	mov dx, PORT_NONE
	insw
	ENDTRY
	PS "strio: pm32 insw-split-remap"
	call report
	PS " low="
	PB P_R1 + 0xFFF
	PS " high="
	PB P_R2
	PS " next-frame="
	PB P_ALIAS
	NL

	TRY
	mov edi, P_AD + 0x10
	mov dx, PIC_IMR
	insb
	ENDTRY
	PS "strio: pm32 insb-accessed-dirty"
	call report
	mov eax, [PT32 + (P_AD >> 12) * 4]
	call pte_ad
	NL

	TRY
	mov esi, P_AD2 + 0x10
	mov dx, PORT_NONE
	outsb
	ENDTRY
	PS "strio: pm32 outsb-accessed"
	call report
	mov eax, [PT32 + (P_AD2 >> 12) * 4]
	call pte_ad
	NL

	TRY
	mov esi, P_NP + 0x30
	mov dx, PIC_IMR
	outsb
	ENDTRY
	mov [r_esi], esi
	PS "strio: pm32 outsb-not-present"
	call report
	PS " esi="
	PX [r_esi], 8
	PS " imr="
	in al, PIC_IMR
	movzx eax, al
	mov cl, 2
	call pm_hex
	NL

	call paging_pae_init
	TRY
	mov edi, PAE_NP
	mov dx, PIC_IMR
	insb
	ENDTRY
	mov [r_edi], edi
	PS "strio: pae insb-not-present"
	call report
	PS " edi="
	PX [r_edi], 8
	NL

	TRY
	mov edi, PAE_RSVD
	mov dx, PIC_IMR
	insb
	ENDTRY
	mov [r_edi], edi
	PS "strio: pae insb-reserved-bit"
	call report
	PS " edi="
	PX [r_edi], 8
	NL

	mov dword [PDPT], 0             ; memory only: the PDPTE registers keep it
	TRY
	mov edi, P_USER + 0x40
	mov dx, PIC_IMR
	insb
	ENDTRY
	mov dword [PDPT], PD_PAE | PTE_P
	PS "strio: pae insb-stale-pdpte"
	call report
	PS " byte="
	PB P_USER + 0x40
	NL

	call long_mode_init
	TRY
	mov edi, LM_NP
	mov dx, PIC_IMR
	insb
	ENDTRY
	mov [r_edi], edi
	PS "strio: long insb-not-present"
	call report
	PS " edi="
	PX [r_edi], 8
	NL

	TRY
	mov edi, P_USER + 0x60
	mov dx, PIC_IMR
	insb
	ENDTRY
	PS "strio: long insb-present"
	call report
	PS " byte="
	PB P_USER + 0x60
	NL

	PS "strio: done", 10
	BARE_EXIT

; ---------------------------------------------------------------- set-up
; 0-4 MiB identity mapped, user and writable, but for the test pages.
paging32_init:
	xor eax, eax
	mov edi, P_NP
	mov ecx, (P_END - P_NP) / 4
	rep stosd
	mov edi, PD32
	mov ecx, 2 * 1024
	rep stosd
	mov edi, PT32
	mov eax, PTE_URW
.pte:
	stosd
	add eax, 0x1000
	cmp edi, PT32 + 4096
	jb .pte
	mov dword [PD32], PT32 | PTE_URW
	SET_PTE P_NP, 0
	SET_PTE P_RO, P_RO | PTE_P
	SET_PTE P_SUP, P_SUP | PTE_P | PTE_RW
	SET_PTE P_X2, 0
	SET_PTE P_S2, 0
	SET_PTE P_R2, P_RFRAME | PTE_URW
	SET_PTE P_ALIAS, P_R2 | PTE_URW
	mov eax, PD32
	mov cr3, eax
	mov eax, cr0
	or eax, CR0_PG                  ; WP stays 0
	mov cr0, eax
	ret

; PAE: 0-2 MiB one 2 MiB page, 2-4 MiB a PT with nothing present, 4-6 MiB
; a 2 MiB page with a reserved bit.
paging_pae_init:
	mov eax, cr0
	and eax, ~CR0_PG
	mov cr0, eax
	xor eax, eax
	mov edi, PDPT
	mov ecx, 3 * 1024
	rep stosd
	mov dword [PDPT], PD_PAE | PTE_P
	mov dword [PD_PAE], PTE_URW | PTE_PS
	mov dword [PD_PAE + 8], PT_PAE | PTE_URW
	mov dword [PD_PAE + 16], 0x400000 | PTE_URW | PTE_PS | 1 << 13
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, PDPT
	mov cr3, eax
	mov eax, cr0
	or eax, CR0_PG
	mov cr0, eax
	ret

; IA-32e mode, 4-level paging over the PAE PD, but still running this
; 32-bit code: CS is a 32-bit segment, so compatibility mode. Exceptions go
; through a 64-bit IDT to 64-bit handlers.
long_mode_init:
	mov eax, cr0
	and eax, ~CR0_PG
	mov cr0, eax
	xor eax, eax
	mov edi, PML4
	mov ecx, 2 * 1024
	rep stosd
	mov dword [PML4], PDPT_LM | PTE_URW
	mov dword [PDPT_LM], PD_PAE | PTE_URW
	mov eax, PML4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG                  ; IA-32e mode: LMA
	mov cr0, eax
	jmp SEL_CODE:.compat
.compat:
	IDT64_GATES IDT64, exc64_stubs, 16, SEL_CODE64
	lidt [idt64_desc]
	ret

; Counter 2, lobyte/hibyte, mode 0, count 0x1234, its gate held low so it
; keeps the count; the wait lets the count load on a PIT clock.
pit_c2_init:
	in al, PORT_B
	and al, 0xFC
	out PORT_B, al
	mov al, 0xB0
	out PIT_CONTROL, al
	mov al, 0x34
	out PIT_C2, al
	mov al, 0x12
	out PIT_C2, al
	mov ecx, 2000
.wait:
	loop .wait
	ret

; INSB from the IMR to ES:EDI at CPL 3 with IOPL 3, under TRY: a fault
; comes to the handler; no fault comes back through INT VEC_BACK.
ring3_insb:
	mov ax, SEL_UDATA
	mov ds, ax
	mov es, ax
	TRY
	push dword SEL_UDATA
	push dword STACK3
	push dword 0x3002               ; IOPL 3, IF 0
	push dword SEL_UCODE
	push dword .user
	iretd
.user:
	mov dx, PIC_IMR
	insb
	int VEC_BACK
	ENDTRY
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	ret

idt_init:
	IDT32_GATES IDT, exc_stubs, 16, SEL_CODE
	mov eax, back_from_ring3
	mov edi, IDT + VEC_BACK * 8
	mov [edi], ax
	mov word [edi + 2], SEL_CODE
	mov word [edi + 4], 0xEE00      ; DPL 3: ring 3 may INT to it
	shr eax, 16
	mov [edi + 6], ax
	lidt [idt_desc]
	ret

tss_init:
	xor eax, eax
	mov edi, TSS
	mov ecx, TSS_SIZE / 4
	rep stosd
	mov dword [TSS + 4], STACK0
	mov dword [TSS + 8], SEL_DATA
	mov word [TSS + 0x66], TSS_SIZE ; no I/O bitmap: IOPL 3 decides
	mov ax, SEL_TSS
	ltr ax
	ret

	COM1_INIT_CODE

; ---------------------------------------------------------------- faults
; Every exception records its vector, the error code (#GP, #PF) and CR2,
; then goes back to the TRY's stack and resume point, whatever ring it
; came from: no IRET.
	align 16
exc_stubs:
%assign v 0
%rep 32
	push strict dword v
	jmp strict near exc_common
	align 16, db 0xCC
%assign v v + 1
%endrep

exc_common:
	push eax
	mov eax, [esp + 4]
	mov [r_vec], eax
	mov eax, [esp + 8]
	mov [r_err], eax
	mov eax, cr2
	mov [r_cr2], eax
	pop eax
	mov esp, [r_esp]
	jmp dword [r_resume]

back_from_ring3:
	mov esp, [r_esp]
	jmp dword [r_resume]

; The same in IA-32e mode, from 64-bit code: back to the resume point in
; compatibility mode through IRETQ.
bits 64
	align 16
exc64_stubs:
%assign v 0
%rep 32
	push strict qword v
	jmp strict near exc64_common
	align 16, db 0xCC
%assign v v + 1
%endrep

exc64_common:
	mov eax, [rsp]
	mov [r_vec], eax
	mov eax, [rsp + 8]
	mov [r_err], eax
	mov rax, cr2
	mov [r_cr2], eax
	mov eax, [r_esp]
	push qword SEL_DATA
	push rax
	pushfq
	push qword SEL_CODE
	mov eax, [r_resume]
	push rax
	iretq
bits 32

; ---------------------------------------------------------------- printing
	COM1_PRINTER pm

dec2:                                   ; eax < 100
	xor edx, edx
	mov ebx, 10
	div ebx
	push edx
	test eax, eax
	jz .ones
	add al, '0'
	call pm_putc
.ones:
	pop eax
	add al, '0'
	jmp pm_putc

bytes2:                                 ; the bytes at esi, esi + 1
	push esi
	movzx eax, byte [esi]
	mov cl, 2
	call pm_hex
	mov al, ','
	call pm_putc
	pop esi
	movzx eax, byte [esi + 1]
	mov cl, 2
	jmp pm_hex

count_imr:                              ; ebx = bytes equal to IMR_VALUE in [esi, esi + 16)
	xor ebx, ebx
	mov ecx, 16
.next:
	cmp byte [esi], IMR_VALUE
	jne .skip
	inc ebx
.skip:
	inc esi
	loop .next
	ret

pte_ad:                                 ; eax: a PTE; prints its A and D bits
	push eax
	PS " a="
	mov eax, [esp]
	shr eax, 5
	and eax, 1
	call dec2
	PS " d="
	pop eax
	shr eax, 6
	and eax, 1
	jmp dec2

report:                                 ; the record of the last TRY
	PS " vector="
	mov eax, [r_vec]
	cmp eax, NOFAULT
	jne .fault
	PS "none"
	ret
.fault:
	call dec2
	cmp dword [r_vec], 13
	je .error
	cmp dword [r_vec], 14
	jne .ret
.error:
	PS " error="
	PX [r_err], 4
	cmp dword [r_vec], 14
	jne .ret
	PS " cr2="
	PX [r_cr2], 8
.ret:
	ret

; ---------------------------------------------------------------- data
	align 8
gdt:
	dq 0
	dq 0x00CF9A000000FFFF           ; 0x08 code32, flat
	dq 0x00CF92000000FFFF           ; 0x10 data32, flat
	dq 0x00CFFA000000FFFF           ; 0x18 code32, DPL 3
	dq 0x00CFF2000000FFFF           ; 0x20 data32, DPL 3
	dw TSS_SIZE - 1, TSS & 0xFFFF   ; 0x28 32-bit TSS (available)
	db (TSS >> 16) & 0xFF, 0x89, 0, (TSS >> 24) & 0xFF
	dq 0x00AF9A000000FFFF           ; 0x30 code64
gdt_end:
gdt_desc:   dw gdt_end - gdt - 1
	    dd gdt
idt_desc:   dw (VEC_BACK + 1) * 8 - 1
	    dd IDT
idt64_desc: dw 32 * 16 - 1
	    dd IDT64

	align 4
r_resume:   dd 0
r_esp:      dd 0
r_vec:      dd 0
r_err:      dd 0
r_cr2:      dd 0
r_edi:      dd 0
r_esi:      dd 0
r_ecx:      dd 0
rm_di:      dw 0
rm_cx:      dw 0
pit_first:  db 0
pit_second: db 0
pit_after:  db 0

	align 512, db 0
image_end:
TOTAL_SECTORS equ (image_end - $$) / 512
