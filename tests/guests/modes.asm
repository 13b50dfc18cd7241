; modes: which exception, with which stack frame, each CPU mode gets for the
; instructions a hypervisor emulates or refuses; and what INT 0x21 does in
; virtual-8086 mode under each row of SDM 3A table 20-2, natively and when the
; VMM injects it. Tests: tests/system/test_modes.py (docs/guests.md, "modes").
;
; One flat image, two ways to start it:
; - under Kestrel, loaded whole at 0:7C00 and started in real mode (no BIOS);
; - on bare Bochs (or any PC) as a floppy or hard-disk boot sector: the BIOS
;   loads sector 1 only, which finds no signature at the start of sector 2
;   and reads the rest with INT 13h. Only then: Kestrel has no BIOS.
;
; In real mode, 16-bit protected mode (16-bit code segment, 16-bit interrupt
; gates: a handler gets 16-bit FLAGS, CS, IP and a 16-bit error code), 32-bit
; protected mode, virtual-8086 mode (CPL 3 under a 32-bit monitor with a TSS)
; and 64-bit long mode it executes
;   vmxon       VMXON                                   #UD
;   wrmsr-3a    WRMSR IA32_FEATURE_CONTROL (locked)     #GP
;   rdmsr-1234  RDMSR 0x1234 (no such MSR)              #GP
;   xsetbv-0    XSETBV XCR0 = 0 with CR4.OSXSAVE = 1    #GP
;   cr4-bit31   MOV CR4 with reserved bit 31 set        #GP
; and prints what its handler saw, one line each:
;   modes: MODE CHECK vector=V frame=F error=E ip=ok
; F is the number of bytes the CPU pushed (stack pointer before the
; instruction minus stack pointer at handler entry; in V86 mode the handler
; runs on the ring-0 stack, so "before" is TSS.ESP0), E the error code
; (0x%04x, "-" when the frame has none), ip=ok when the pushed IP is the
; faulting instruction (else ip=0x%08x). vector=none frame=- error=- ip=- if
; nothing faulted. Each handler resumes after the instruction.
;
; Then, for each method of table 20-2 (CR4.VME, the V86 task's IOPL, bit 0x21
; of the TSS interrupt redirection bitmap), the V86 code prints
;   modes: v86 setup M vme=V iopl=I bit=B
; executes INT 0x21, prints "modes: v86 ready M" and spins in V86 mode until
; an injected event arrives (the test types `inject modes 0x21 swint len=2`
; at the Kestrel monitor) or, without one, for 0.2 s of TSC (20 s when
; CPUID.1:ECX[31] says a hypervisor runs us), then prints
;   modes: v86 method=M int=OUTCOME inject=OUTCOME
; OUTCOME: v86-ivt (the 8086 handler of vector 0x21 in the IVT at linear 0),
; pm-idt (the protected-mode handler of IDT vector 0x21), gp(0x%04x) (#GP
; with its error code), none (no event: bare Bochs has no injector), or
; vector=N; a suffix !frame=N or !ip=0x... flags a frame or return address
; that does not fit the outcome. Every IVT and IDT vector has its own or a
; catch-all handler, and only vector 0x21's can report v86-ivt or pm-idt.
;
; Ends: "modes: done", exit code 0 to port 0xF4 (Kestrel stops the VM there),
; then "Shutdown" to port 0x8900 (bare Bochs exits). The guest judges nothing
; itself: the test compares every line with the SDM.

bits 16
org 0x7C00
%include "guests/lib/rm.inc"
%include "tests/guests/pc.inc"
%include "tests/guests/bootload.inc"

SIG            equ 0x45444F4D     ; "MODE": first dword of sector 2
SEL_CODE16     equ 0x08
SEL_DATA16     equ 0x10
SEL_CODE32     equ 0x18
SEL_DATA32     equ 0x20
SEL_CODE64     equ 0x28
SEL_TSS        equ 0x30

IDT16          equ 0x1000         ; 256 x 8 bytes, 16-bit interrupt gates
IDT32          equ 0x1800         ; 256 x 8 bytes, 32-bit interrupt gates
IDT64          equ 0x2000         ; 256 x 16 bytes
TSS            equ 0x3000         ; 32-bit TSS of the V86 monitor
TSS_REDIR      equ 104            ; interrupt redirection bitmap: 32 bytes
TSS_IOMAP      equ 136            ; I/O permission bitmap: ports 0-0x3FF, all allowed
TSS_IOBYTES    equ 128
TSS_LIMIT      equ TSS_IOMAP + TSS_IOBYTES   ; includes the trailing 0xFF byte
V86_SP         equ 0x5000         ; V86 stack (SS = 0)
STACK0         equ 0x6000         ; ring-0 stack of the monitor (TSS.ESP0)
STACK32        equ 0x7000         ; protected/long-mode stack
PML4           equ 0x20000        ; PML4, PDPT, PD: identity map of 0-2 MiB
VMXON_REGION   equ 0x4000

MSR_FEATURE_CONTROL equ 0x3A
MSR_NONE       equ 0x1234         ; no such MSR (Bochs: with ignore_bad_msrs=0)
MSR_EFER       equ 0xC0000080
CR4_VME        equ 1 << 0
CR4_PAE        equ 1 << 5
CR4_OSXSAVE    equ 1 << 18
CR4_BIT31      equ 1 << 31
EFL_V86        equ 0x20002        ; VM, reserved bit 1; IF = 0 throughout
NSTUB          equ 0x22           ; vectors 0..0x21 have their own stub

SPIN_BARE      equ 10000000       ; 0.2 s of TSC at Bochs's ips=50M
SPIN_HV        equ 1000000000     ; 20 s: the test must see "ready" and type

; What a handler saw. Vector 0xFFFF: nothing yet; 0x100: an IDT vector
; without its own stub; 0x121: IVT vector 0x21 (the 8086 handler ran);
; 0x1FF: another IVT vector in V86 mode.
R_VEC          equ 0
R_FRAME        equ 2
R_ERR          equ 4
R_IP           equ 8
R_HASERR       equ 12

; ---------------------------------------------------------------- checks
; CHKnn NAME, INSTRUCTION: run one instruction that should fault, then print
; what the handler recorded. The registers the instruction reads are set
; before the macro, which touches memory only.
%macro CHK16 2+
	mov dword [r_check], %1
	mov dword [r_resume], %%after
	mov dword [r_expect], %%insn
	mov word [r_rec + R_VEC], 0xFFFF
	mov [r_spb16], sp
%%insn:
	%2
%%after:
	call p16_report
%endmacro

%macro CHK32 2+
	mov dword [r_check], %1
	mov dword [r_resume], %%after
	mov dword [r_expect], %%insn
	mov word [r_rec + R_VEC], 0xFFFF
	mov [r_spb], esp
%%insn:
	%2
%%after:
	call p32_report
%endmacro

%macro CHK64 2+
	mov dword [r_check], %1
	mov dword [r_resume], %%after
	mov dword [r_expect], %%insn
	mov word [r_rec + R_VEC], 0xFFFF
	mov [r_spb], rsp
%%insn:
	%2
%%after:
	call p64_report
%endmacro

%macro CHECKS 1
	CHK%1 nm_vmxon, vmxon [vmxon_ptr]
	mov ecx, MSR_FEATURE_CONTROL
	mov eax, 5                      ; lock + VMX outside SMX: the value it has
	xor edx, edx
	CHK%1 nm_wrmsr, wrmsr
	mov ecx, MSR_NONE
	CHK%1 nm_rdmsr, rdmsr
	xor ecx, ecx
	xor eax, eax
	xor edx, edx
	CHK%1 nm_xsetbv, xsetbv
	mov eax, [cr4_val]
	or eax, CR4_BIT31
%if %1 == 64
	CHK%1 nm_cr4, mov cr4, rax
%else
	CHK%1 nm_cr4, mov cr4, eax
%endif
%endmacro

; ---------------------------------------------------------------- printing
; One printer, assembled for each width (COM1_PRINTER of pc.inc, and the
; decimal and report routines, which keep to its rules).
%macro PRINTER 1
	COM1_PRINTER %1

%{1}_dec:                               ; eax, unsigned
	mov ecx, 10
	xor ebx, ebx
%%div:
	xor edx, edx
	div ecx
	add dl, '0'
	mov [numbuf + ebx], dl
	inc ebx
	test eax, eax
	jnz %%div
%%out:
	dec ebx
	mov al, [numbuf + ebx]
	call %{1}_putc
	test ebx, ebx
	jnz %%out
	ret

%{1}_report:                            ; the record of one check
	mov esi, s_prefix
	call %{1}_puts
	mov esi, [r_mode]
	call %{1}_puts
	mov al, ' '
	call %{1}_putc
	mov esi, [r_check]
	call %{1}_puts
	mov esi, s_vector
	call %{1}_puts
	movzx eax, word [r_rec + R_VEC]
	cmp eax, 0xFFFF
	jne %%fault
	mov esi, s_nofault
	jmp %{1}_puts
%%fault:
	call %{1}_dec
	mov esi, s_frame
	call %{1}_puts
	movzx eax, word [r_rec + R_FRAME]
	call %{1}_dec
	mov esi, s_error
	call %{1}_puts
	cmp byte [r_rec + R_HASERR], 0
	jne %%err
	mov al, '-'
	call %{1}_putc
	jmp %%ip
%%err:
	mov eax, [r_rec + R_ERR]
	mov cl, 4
	call %{1}_hex
%%ip:
	mov esi, s_ip
	call %{1}_puts
	mov eax, [r_rec + R_IP]
	cmp eax, [r_expect]
	jne %%badip
	mov esi, s_ok
	jmp %{1}_puts
%%badip:
	mov cl, 8
	call %{1}_hex
	mov al, 10
	jmp %{1}_putc
%endmacro

; ---------------------------------------------------------------- sector 1
	RM_START
	BOOT_LOADER "modes"

stage2:
	call com1_init
	PUTS s_start
	mov eax, 1
	cpuid
	bt ecx, 31                      ; a hypervisor: an injector may be there
	jnc .bare
	mov dword [spin_ticks], SPIN_HV
.bare:

; ---- real mode: IVT vectors 0..0x21 to their stubs, the rest to h16_other
	xor bx, bx
	xor di, di
.ivt:
	call h16_addr
	mov [di], ax
	mov word [di + 2], 0
	add di, 4
	inc bx
	cmp bx, 256
	jb .ivt
	lidt [ivt_desc]
	mov eax, cr4
	or eax, CR4_OSXSAVE
	mov cr4, eax
	mov [cr4_val], eax
	mov dword [r_mode], nm_real
	mov word [r_base], 6            ; FLAGS, CS, IP
	CHECKS 16

; ---- 16-bit protected mode: CS is a 16-bit segment, the gates are 16-bit
; (type 6) interrupt gates, so the CPU pushes 16-bit FLAGS, CS, IP and, for
; #GP, a 16-bit error code (SDM 3A 6.12.1, 6.13). The same 16-bit handlers
; as in real mode serve it.
	xor bx, bx
	mov di, IDT16
.idt16:
	call h16_addr
	mov [di], ax
	mov word [di + 2], SEL_CODE16
	mov word [di + 4], 0x8600       ; present, DPL 0, 16-bit interrupt gate
	mov word [di + 6], 0
	add di, 8
	inc bx
	cmp bx, 256
	jb .idt16
	lgdt [gdt_desc]
	lidt [idt16_desc]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp SEL_CODE16:pm16_entry
pm16_entry:
	mov ax, SEL_DATA16
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov dword [r_mode], nm_pm16
	mov word [r_base], 6
	CHECKS 16
	jmp dword SEL_CODE32:pm32_entry

; bx = vector -> ax = its 16-bit handler
h16_addr:
	mov ax, h16_other
	cmp bx, NSTUB
	jae .done
	mov ax, bx
	shl ax, 3
	add ax, h16_stubs
.done:
	ret

	COM1_INIT_CODE

	PRINTER p16

; ---------------------------------------------------------------- 16-bit handlers
; Real mode (IVT) and 16-bit protected mode (16-bit gates): the stub pushes
; its vector; the frame starts above it: [error code,] IP, CS, FLAGS.
	align 8
h16_stubs:
%assign v 0
%rep NSTUB
	push strict word v
	jmp strict near h16_common
	align 8, db 0xCC
%assign v v + 1
%endrep
h16_other:
	push strict word 0x100
	jmp strict near h16_common

h16_common:
	push bp
	push ax
	push bx
	mov bp, sp                      ; bx, ax, bp, vector, frame
	mov ax, [ss:bp + 6]
	mov [r_rec + R_VEC], ax
	lea bx, [bp + 8]                ; SP at handler entry
	mov ax, [r_spb16]
	sub ax, bx
	mov [r_rec + R_FRAME], ax
	mov byte [r_rec + R_HASERR], 0
	cmp ax, [r_base]
	je .noerr
	mov byte [r_rec + R_HASERR], 1
	mov ax, [ss:bx]
	mov [r_rec + R_ERR], ax
	mov word [r_rec + R_ERR + 2], 0
	add bx, 2
.noerr:
	mov ax, [ss:bx]
	mov [r_rec + R_IP], ax
	mov word [r_rec + R_IP + 2], 0
	mov ax, [r_resume]
	mov [ss:bx], ax                 ; resume after the instruction
	pop bx
	pop ax
	pop bp
	add sp, 2
	cmp byte [r_rec + R_HASERR], 0
	je .iret
	add sp, 2
.iret:
	iret

; ---------------------------------------------------------------- V86 code
; Runs at CPL 3 with CS = DS = SS = 0, so offsets are linear addresses. The
; TSS I/O bitmap lets it drive COM1 itself whatever IOPL is. It leaves by
; dividing by zero: #DE goes to the monitor (vector 0 with in_v86 set).
%macro V86_LEAVE 0
	xor cx, cx
	xor dx, dx
	div cx
%endmacro

v86_checks:
	CHECKS 16
	V86_LEAVE

v86_method:
	mov esi, s_setup
	call p16_puts
	movzx eax, byte [m_num]
	call p16_dec
	mov esi, s_vme
	call p16_puts
	movzx eax, byte [m_vme]
	call p16_dec
	mov esi, s_iopl
	call p16_puts
	movzx eax, byte [m_iopl]
	call p16_dec
	mov esi, s_bit
	call p16_puts
	movzx eax, byte [m_bit]
	call p16_dec
	mov al, 10
	call p16_putc
	; INT 0x21, natively
	mov dword [r_resume], .nat_after
	mov word [r_rec + R_VEC], 0xFFFF
	mov [r_spb16], sp
.nat_int:
	int 0x21
.nat_after:
	mov eax, [r_rec]
	mov [n_rec], eax
	mov eax, [r_rec + 4]
	mov [n_rec + 4], eax
	mov eax, [r_rec + 8]
	mov [n_rec + 8], eax
	mov eax, [r_rec + 12]
	mov [n_rec + 12], eax
	mov esi, s_ready
	call p16_puts
	movzx eax, byte [m_num]
	call p16_dec
	mov al, 10
	call p16_putc
	; spin until the VMM injects an event (or give up)
	mov dword [r_resume], .spin_end
	mov word [r_rec + R_VEC], 0xFFFF
	mov [r_spb16], sp
.spin_lo:
	rdtsc
	mov [t0], eax
	mov [t0 + 4], edx
.spin:
	rdtsc
	sub eax, [t0]
	sbb edx, [t0 + 4]
	jnz .spin_end
	cmp eax, [spin_ticks]
	jb .spin
.spin_end:
	mov esi, s_method
	call p16_puts
	movzx eax, byte [m_num]
	call p16_dec
	mov esi, s_int
	call p16_puts
	mov word [o_rec], n_rec
	mov dword [o_lo], .nat_int
	mov dword [o_hi], .nat_int + 1
	call v86_outcome
	mov esi, s_inject
	call p16_puts
	mov word [o_rec], r_rec
	mov dword [o_lo], .spin_lo
	mov dword [o_hi], .spin_end
	call v86_outcome
	mov al, 10
	call p16_putc
	V86_LEAVE

; Print the outcome in the record at [o_rec]. The event's own address (the
; pushed IP, minus 2 for INT n, which pushes the next instruction) must lie
; in [o_lo, o_hi).
v86_outcome:
	mov bx, [o_rec]
	mov ax, [bx + R_VEC]
	mov dword [o_adj], 2
	cmp ax, 0xFFFF
	jne .some
	mov esi, s_none
	jmp p16_puts
.some:
	cmp ax, 0x121
	jne .not_ivt
	mov word [o_frame], 6           ; FLAGS, CS, IP on the V86 stack
	mov esi, s_v86ivt
	call p16_puts
	jmp .check
.not_ivt:
	cmp ax, 0x21
	jne .not_idt
	mov word [o_frame], 36          ; GS FS DS ES SS ESP EFLAGS CS EIP
	mov esi, s_pmidt
	call p16_puts
	jmp .check
.not_idt:
	mov dword [o_adj], 0
	cmp ax, 13
	jne .other
	mov word [o_frame], 40          ; ... and the error code
	mov esi, s_gp
	call p16_puts
	mov bx, [o_rec]
	cmp byte [bx + R_HASERR], 0
	je .gp_noerr
	mov eax, [bx + R_ERR]
	mov cl, 4
	call p16_hex
	jmp .gp_close
.gp_noerr:
	mov al, '-'
	call p16_putc
.gp_close:
	mov al, ')'
	call p16_putc
	jmp .check
.other:
	mov word [o_frame], 0xFFFF      ; anything else: show its frame
	mov esi, s_vecq
	call p16_puts
	mov bx, [o_rec]
	movzx eax, word [bx + R_VEC]
	call p16_dec
.check:
	mov bx, [o_rec]
	mov ax, [bx + R_FRAME]
	cmp ax, [o_frame]
	je .frame_ok
	mov esi, s_badframe
	call p16_puts
	mov bx, [o_rec]
	movzx eax, word [bx + R_FRAME]
	call p16_dec
.frame_ok:
	mov bx, [o_rec]
	mov eax, [bx + R_IP]
	sub eax, [o_adj]
	cmp eax, [o_lo]
	jb .bad_ip
	cmp eax, [o_hi]
	jb .ret
.bad_ip:
	mov esi, s_badip
	call p16_puts
	mov bx, [o_rec]
	mov eax, [bx + R_IP]
	mov cl, 8
	call p16_hex
.ret:
	ret

; The 8086 handlers of the V86 task (IVT at linear 0): vector 0x21's and one
; for every other vector. They record, drop the FLAGS/CS/IP frame and go to
; the resume point (no IRET: with IOPL < 3 and VME = 0 that would be #GP).
v86_ivt21:
	mov [v_sp], sp
	mov word [r_rec + R_VEC], 0x121
	jmp v86_ivt_common
v86_ivt_other:
	mov [v_sp], sp
	mov word [r_rec + R_VEC], 0x1FF
v86_ivt_common:
	mov ax, [r_spb16]
	sub ax, [v_sp]
	mov [r_rec + R_FRAME], ax
	mov byte [r_rec + R_HASERR], 0
	mov bx, sp
	mov ax, [ss:bx]
	mov [r_rec + R_IP], ax
	mov word [r_rec + R_IP + 2], 0
	add sp, 6
	jmp word [r_resume]

; ---------------------------------------------------------------- 32-bit code
bits 32
	PRINTER p32

pm32_entry:
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov esp, STACK32
	xor ebx, ebx
	mov edi, IDT32
.idt:
	call h32_addr
	mov [edi], ax
	mov word [edi + 2], SEL_CODE32
	mov word [edi + 4], 0x8E00      ; present, DPL 0, 32-bit interrupt gate
	cmp ebx, 0x21
	jne .dpl0
	mov word [edi + 4], 0xEE00      ; DPL 3: INT 0x21 from V86 may use it
.dpl0:
	shr eax, 16
	mov [edi + 6], ax
	add edi, 8
	inc ebx
	cmp ebx, 256
	jb .idt
	lidt [idt32_desc]
	mov eax, cr4
	mov [cr4_val], eax
	mov dword [r_mode], nm_pm32
	mov word [r_base], 12           ; EFLAGS, CS, EIP
	CHECKS 32

; ---- virtual-8086 mode under this monitor
	mov edi, TSS
	mov ecx, (TSS_LIMIT + 4) / 4
	xor eax, eax
	rep stosd
	mov dword [TSS + 4], STACK0
	mov dword [TSS + 8], SEL_DATA32
	mov word [TSS + 0x66], TSS_IOMAP
	mov edi, TSS + TSS_REDIR        ; redirect nothing but what a method says
	mov ecx, 8
	mov eax, -1
	rep stosd
	mov byte [TSS + TSS_LIMIT], 0xFF
	mov ax, SEL_TSS
	ltr ax
	xor edi, edi                    ; the V86 task's IVT
.ivt:
	mov dword [edi], v86_ivt_other
	add edi, 4
	cmp edi, 0x400
	jb .ivt
	mov dword [0x21 * 4], v86_ivt21
	mov dword [r_mode], nm_v86
	mov word [r_base], 36           ; GS FS DS ES SS ESP EFLAGS CS EIP
	mov dword [r_spb], STACK0
	mov eax, cr4
	mov [cr4_val], eax
	mov eax, v86_checks
	mov ebx, EFL_V86
	call enter_v86

	mov dword [m_index], 0
.method:
	mov esi, [m_index]
	lea esi, [methods + esi * 4]
	mov al, [esi]
	mov [m_num], al
	mov al, [esi + 1]
	mov [m_vme], al
	mov al, [esi + 2]
	mov [m_iopl], al
	mov al, [esi + 3]
	mov [m_bit], al
	mov eax, cr4
	and eax, ~CR4_VME
	or al, [m_vme]
	mov cr4, eax
	and byte [TSS + TSS_REDIR + 0x21 / 8], 0xFF & ~(1 << (0x21 % 8))
	mov al, [m_bit]
	shl al, 0x21 % 8
	or [TSS + TSS_REDIR + 0x21 / 8], al
	movzx ebx, byte [m_iopl]
	shl ebx, 12
	or ebx, EFL_V86
	mov eax, v86_method
	call enter_v86
	inc dword [m_index]
	cmp dword [m_index], 6
	jb .method

; ---- long mode: PAE paging with an identity-mapped 2 MiB page
	mov eax, cr4
	and eax, ~CR4_VME
	or eax, CR4_PAE
	mov cr4, eax
	LM_IDENTITY_MAP PML4
	mov eax, PML4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, 1 << 8                  ; LME
	wrmsr
	mov eax, cr0
	or eax, 1 << 31                 ; PG: IA-32e mode
	mov cr0, eax
	jmp SEL_CODE64:long_entry

; eax = V86 entry IP, ebx = EFLAGS. Returns when the V86 code leaves (#DE).
enter_v86:
	mov [mon_esp], esp
	mov byte [in_v86], 1
	push dword 0                    ; GS
	push dword 0                    ; FS
	push dword 0                    ; DS
	push dword 0                    ; ES
	push dword 0                    ; SS
	push dword V86_SP
	push ebx                        ; EFLAGS
	push dword 0                    ; CS
	push eax                        ; EIP
	iretd
v86_leave:
	mov byte [in_v86], 0
	mov esp, [mon_esp]
	ret

; ebx = vector -> eax = its 32-bit handler
h32_addr:
	mov eax, h32_other
	cmp ebx, NSTUB
	jae .done
	mov eax, ebx
	shl eax, 4
	add eax, h32_stubs
.done:
	ret

	align 16
h32_stubs:
%assign v 0
%rep NSTUB
	push strict dword v
	jmp strict near h32_common
	align 16, db 0xCC
%assign v v + 1
%endrep
h32_other:
	push strict dword 0x100
	jmp strict near h32_common

; [esp] = vector, then [error code,] EIP, CS, EFLAGS (and ESP, SS, ES, DS,
; FS, GS when it came from V86 mode, which also left DS/ES null).
h32_common:
	push eax
	push ebx
	push ecx
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	mov eax, [esp + 12]
	test eax, eax
	jnz .record
	cmp byte [in_v86], 0
	jne v86_leave
.record:
	mov [r_rec + R_VEC], ax
	lea ebx, [esp + 16]             ; ESP at handler entry
	mov ecx, [r_spb]
	sub ecx, ebx
	mov [r_rec + R_FRAME], cx
	mov byte [r_rec + R_HASERR], 0
	cmp cx, [r_base]
	je .noerr
	mov byte [r_rec + R_HASERR], 1
	mov eax, [ebx]
	mov [r_rec + R_ERR], eax
	add ebx, 4
.noerr:
	mov eax, [ebx]
	mov [r_rec + R_IP], eax
	mov eax, [r_resume]
	mov [ebx], eax
	pop ecx
	pop ebx
	pop eax
	add esp, 4
	cmp byte [r_rec + R_HASERR], 0
	je .iret
	add esp, 4
.iret:
	iretd

; ---------------------------------------------------------------- 64-bit code
bits 64
	PRINTER p64

long_entry:
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, STACK32                ; 16-byte aligned: frames are exactly 40/48
	xor ebx, ebx
	mov edi, IDT64
.idt:
	call h64_addr
	mov [rdi], ax
	mov word [rdi + 2], SEL_CODE64
	mov word [rdi + 4], 0x8E00      ; present, DPL 0, 64-bit interrupt gate
	shr eax, 16
	mov [rdi + 6], ax
	mov dword [rdi + 8], 0
	mov dword [rdi + 12], 0
	add edi, 16
	inc ebx
	cmp ebx, 256
	jb .idt
	lidt [idt64_desc]
	mov rax, cr4
	mov [cr4_val], eax
	mov dword [r_mode], nm_long
	mov word [r_base], 40           ; SS, RSP, RFLAGS, CS, RIP
	CHECKS 64

	mov esi, s_done
	call p64_puts
	BARE_EXIT

; ebx = vector -> eax = its 64-bit handler
h64_addr:
	mov eax, h64_other
	cmp ebx, NSTUB
	jae .done
	mov eax, ebx
	shl eax, 4
	add eax, h64_stubs
.done:
	ret

	align 16
h64_stubs:
%assign v 0
%rep NSTUB
	push strict qword v
	jmp strict near h64_common
	align 16, db 0xCC
%assign v v + 1
%endrep
h64_other:
	push strict qword 0x100
	jmp strict near h64_common

h64_common:
	push rax
	push rbx
	push rcx
	mov rax, [rsp + 24]
	mov [r_rec + R_VEC], ax
	lea rbx, [rsp + 32]             ; RSP at handler entry
	mov rcx, [r_spb]
	sub rcx, rbx
	mov [r_rec + R_FRAME], cx
	mov byte [r_rec + R_HASERR], 0
	cmp cx, [r_base]
	je .noerr
	mov byte [r_rec + R_HASERR], 1
	mov rax, [rbx]
	mov [r_rec + R_ERR], eax
	add rbx, 8
.noerr:
	mov rax, [rbx]
	mov [r_rec + R_IP], eax
	mov eax, [r_resume]
	mov [rbx], rax
	pop rcx
	pop rbx
	pop rax
	add rsp, 8
	cmp byte [r_rec + R_HASERR], 0
	je .iret
	add rsp, 8
.iret:
	iretq

; ---------------------------------------------------------------- data
	align 8
gdt:
	dq 0
	dq 0x00009A000000FFFF           ; 0x08 code16, base 0, limit 64 KiB
	dq 0x000092000000FFFF           ; 0x10 data16
	dq 0x00CF9A000000FFFF           ; 0x18 code32, flat
	dq 0x00CF92000000FFFF           ; 0x20 data32, flat
	dq 0x00AF9A000000FFFF           ; 0x28 code64
	dw TSS_LIMIT, TSS & 0xFFFF      ; 0x30 32-bit TSS (available)
	db (TSS >> 16) & 0xFF, 0x89, 0, (TSS >> 24) & 0xFF
gdt_end:
gdt_desc:   dw gdt_end - gdt - 1
	    dd gdt
ivt_desc:   dw 0x3FF
	    dd 0
idt16_desc: dw 256 * 8 - 1
	    dd IDT16
idt32_desc: dw 256 * 8 - 1
	    dd IDT32
idt64_desc: dw 256 * 16 - 1
	    dq IDT64

	align 8
vmxon_ptr:  dq VMXON_REGION
r_spb:      dq 0                    ; stack pointer before the instruction (32/64-bit handlers)
t0:         dq 0
r_rec:      times 16 db 0           ; what the last handler saw (R_* offsets)
n_rec:      times 16 db 0           ; the native INT 0x21's record
r_mode:     dd 0                    ; -> mode name
r_check:    dd 0                    ; -> check name
r_resume:   dd 0                    ; where handlers resume
r_expect:   dd 0                    ; the faulting instruction
cr4_val:    dd 0
spin_ticks: dd SPIN_BARE
mon_esp:    dd 0
m_index:    dd 0
o_lo:       dd 0
o_hi:       dd 0
o_adj:      dd 0
r_spb16:    dw 0                    ; SP before the instruction (16-bit handlers)
r_base:     dw 0                    ; frame size without an error code
v_sp:       dw 0
o_rec:      dw 0
o_frame:    dw 0
in_v86:     db 0
m_num:      db 0
m_vme:      db 0
m_iopl:     db 0
m_bit:      db 0
numbuf:     times 12 db 0

; SDM 3A table 20-2: method, CR4.VME, IOPL, redirection bit of vector 0x21
methods:
	db 1, 0, 3, 0
	db 2, 0, 0, 0
	db 3, 1, 0, 1
	db 4, 1, 3, 1
	db 5, 1, 3, 0
	db 6, 1, 0, 0

nm_real:    db "real", 0
nm_pm16:    db "pm16", 0
nm_pm32:    db "pm32", 0
nm_v86:     db "v86", 0
nm_long:    db "long", 0
nm_vmxon:   db "vmxon", 0
nm_wrmsr:   db "wrmsr-3a", 0
nm_rdmsr:   db "rdmsr-1234", 0
nm_xsetbv:  db "xsetbv-0", 0
nm_cr4:     db "cr4-bit31", 0
s_start:    db "modes: start", 10, 0
s_done:     db "modes: done", 10, 0
s_prefix:   db "modes: ", 0
s_vector:   db " vector=", 0
s_nofault:  db "none frame=- error=- ip=-", 10, 0
s_frame:    db " frame=", 0
s_error:    db " error=", 0
s_ip:       db " ip=", 0
s_ok:       db "ok", 10, 0
s_setup:    db "modes: v86 setup ", 0
s_vme:      db " vme=", 0
s_iopl:     db " iopl=", 0
s_bit:      db " bit=", 0
s_ready:    db "modes: v86 ready ", 0
s_method:   db "modes: v86 method=", 0
s_int:      db " int=", 0
s_inject:   db " inject=", 0
s_none:     db "none", 0
s_v86ivt:   db "v86-ivt", 0
s_pmidt:    db "pm-idt", 0
s_gp:       db "gp(", 0
s_vecq:     db "vector=", 0
s_badframe: db "!frame=", 0
s_badip:    db "!ip=", 0

	align 512, db 0
image_end:
TOTAL_SECTORS equ (image_end - $$) / 512
; 16-bit code reaches everything with offsets: the image must end below 64 KiB.
	times -((image_end - $$) > 0x8000) db 0
