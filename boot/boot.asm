; Multiboot2 header and the 32-bit entry: check what we were given, build an
; identity map of the first 4 GiB, enter long mode and call kernel_main.
; Follows the Multiboot2 specification 1.0 and Intel SDM Vol. 3A 10.8.5
; ("Initializing IA-32e Mode").

MB2_MAGIC        equ 0xE85250D6
MB2_ARCH_I386    equ 0
MB2_BOOT_MAGIC   equ 0x36D76289 ; what the loader leaves in EAX
COM1             equ 0x3F8
STACK_SIZE       equ 16384

CR0_PE           equ 1 << 0
CR0_PG           equ 1 << 31
CR4_PAE          equ 1 << 5
IA32_EFER        equ 0xC0000080
EFER_LME         equ 1 << 8
PTE_P            equ 1 << 0
PTE_W            equ 1 << 1
PTE_PS           equ 1 << 7

section .multiboot2 align=8
mb2_header:
	dd MB2_MAGIC, MB2_ARCH_I386, mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; Module alignment tag: page-aligned modules can be mapped, not copied.
	dw 6, 0
	dd 8
	; End tag.
	dw 0, 0
	dd 8
mb2_header_end:

section .boot.text progbits alloc exec
bits 32
global _start
extern __bss_start, __bss_end
_start:
	cli
	cld
	mov esi, eax                    ; keep the loader's magic and MBI pointer
	mov edi, ebx
	rdtsc                           ; the boot's first instant (make bench)
	mov [boot_entry_tsc], eax
	mov [boot_entry_tsc + 4], edx
	call serial_init32

	cmp esi, MB2_BOOT_MAGIC
	jne .not_multiboot2
	call has_long_mode
	test eax, eax
	jz .no_long_mode

	; Zero .bss before anything in it (stack, page tables) is used.
	push edi
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	shr ecx, 2
	xor eax, eax
	rep stosd
	pop edi

	mov esp, boot_stack_top
	call build_page_tables

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, IA32_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_PE
	mov cr0, eax

	lgdt [boot_gdt_ptr]
	jmp 0x08:long_mode_entry

.not_multiboot2:
	mov ebx, msg_not_mb2
	jmp .fail
.no_long_mode:
	mov ebx, msg_no_lm
.fail:
	call serial_puts32
	mov dx, 0xF4                    ; QEMU isa-debug-exit: status 2*2+1
	mov al, 2
	out dx, al
	mov ebx, msg_shutdown           ; Bochs: "Shutdown" on port 0x8900
	mov dx, 0x8900
.shutdown:
	mov al, [ebx]
	test al, al
	jz .halt
	out dx, al
	inc ebx
	jmp .shutdown
.halt:
	hlt
	jmp .halt

; EAX = 1 when CPUID exists and reports long mode (CPUID.80000001H:EDX.LM[29]).
has_long_mode:
	pushfd
	pop eax
	mov ecx, eax
	xor eax, 1 << 21                ; EFLAGS.ID toggles only where CPUID exists
	push eax
	popfd
	pushfd
	pop eax
	push ecx
	popfd
	xor eax, ecx
	jz .no
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no
	mov eax, 1
	ret
.no:
	xor eax, eax
	ret

; PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 2 MiB pages:
; an identity map of 0..4 GiB, enough for the kernel, the Multiboot2
; information, the modules and the first page allocations. kernel/paging.c
; replaces it with a map of all of RAM.
build_page_tables:
	mov dword [boot_pml4], boot_pdpt + (PTE_P | PTE_W)
	xor ecx, ecx
.pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd + (PTE_P | PTE_W)
	mov [boot_pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .pdpt
	xor ecx, ecx                    ; 2048 entries of 2 MiB
.pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_W | PTE_PS
	mov [boot_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11                     ; high half of the physical address
	mov [boot_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .pd
	ret

; COM1 at 115200 8N1, polled: the boot path's only way to say what is wrong.
serial_init32:
	mov dx, COM1 + 1
	xor al, al
	out dx, al                      ; IER: no interrupts
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al                      ; LCR.DLAB
	mov dx, COM1
	mov al, 1
	out dx, al                      ; divisor 1 = 115200 baud
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al                      ; 8N1, DLAB off
	ret

; Print the NUL-terminated string at EBX.
serial_puts32:
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20                   ; LSR.THRE
	jz .wait
	mov al, [ebx]
	test al, al
	jz .done
	mov dx, COM1
	out dx, al
	inc ebx
	jmp serial_puts32
.done:
	ret

bits 64
extern kernel_main
long_mode_entry:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	mov eax, esi                    ; kernel_main(magic, mbi): ESI held the
	mov esi, edi                    ; magic and EDI the MBI since _start
	mov edi, eax
	xor ebp, ebp
	call kernel_main
.halt64:
	cli
	hlt
	jmp .halt64

section .data
global boot_entry_tsc
boot_entry_tsc: dq 0                ; outside .bss, which _start clears

section .rodata
msg_not_mb2: db "Kestrel: not started by a Multiboot2 boot loader (bad magic in EAX); halting", 13, 10, 0
msg_no_lm:   db "Kestrel: this CPU has no long mode (x86-64); halting", 13, 10, 0
msg_shutdown: db "Shutdown", 0

align 8
boot_gdt:
	dq 0
	dq 0x00AF9A000000FFFF            ; 0x08: 64-bit code, DPL 0
	dq 0x00CF92000000FFFF            ; 0x10: data
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt

section .bss
align 4096
boot_pml4:  resb 4096
boot_pdpt:  resb 4096
boot_pd:    resb 4 * 4096
align 16
boot_stack: resb STACK_SIZE
global boot_stack_top
boot_stack_top:
