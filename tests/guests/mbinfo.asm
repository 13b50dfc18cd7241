; mbinfo: a Multiboot (version 1) kernel in the a.out-kludge form (header
; flag 16, no ELF), loaded at 1 MiB. It prints on COM1 what its boot loader
; handed it: the magic in EAX, the information flags, mem_lower/mem_upper,
; the command line, each module's string, size and first bytes, then powers
; off (port 0xF4, exit code 0). Booted by Kestrel and by bare QEMU's
; -kernel, the oracle (tests/system/test_multiboot.py).
%include "guests/lib/rm.inc"            ; COM1, COM1_LSR, LSR_THRE, PORT_EXIT
%include "tests/guests/pc.inc"

MB_MAGIC   equ 0x1BADB002
MB_FLAGS   equ (1 << 0) | (1 << 1) | (1 << 16) ; page-aligned modules, memory info, address fields
MBI_F_MEM  equ 1 << 0
MBI_F_CMD  equ 1 << 2
MBI_F_MODS equ 1 << 3
MOD_BYTES  equ 8                        ; how many of each module's first bytes are shown

bits 32
org 0x100000

mb_header:
	dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
	dd mb_header                    ; header_addr
	dd mb_header                    ; load_addr: the file from its first byte
	dd load_end                     ; load_end_addr
	dd bss_end                      ; bss_end_addr
	dd start                        ; entry_addr

start:
	mov esp, stack_top              ; ESP is undefined at entry (Multiboot 3.2)
	mov [magic], eax
	mov [mbi], ebx
	call com1_init

	mov esi, s_magic
	call p_puts
	mov eax, [magic]
	mov cl, 8
	call p_hex
	call newline

	mov ebp, [mbi]
	mov esi, s_flags
	call p_puts
	mov eax, [ebp]
	mov cl, 8
	call p_hex
	call newline

	test dword [ebp], MBI_F_MEM
	jz .cmdline
	mov esi, s_mem_lower
	call p_puts
	mov eax, [ebp + 4]
	mov cl, 8
	call p_hex
	mov esi, s_mem_upper
	call p_puts
	mov eax, [ebp + 8]
	mov cl, 8
	call p_hex
	call newline

.cmdline:
	test dword [ebp], MBI_F_CMD
	jz .mods
	mov esi, s_cmdline
	call p_puts
	mov esi, [ebp + 16]
	call p_puts
	mov al, "'"
	call p_putc
	call newline

.mods:
	test dword [ebp], MBI_F_MODS
	jz .done
	mov esi, s_mods
	call p_puts
	mov eax, [ebp + 20]
	mov cl, 2
	call p_hex
	call newline
	mov edi, [ebp + 24]             ; the module list
	xor ecx, ecx
	mov [index], ecx
.next_mod:
	mov eax, [index]
	cmp eax, [ebp + 20]
	jae .done
	mov esi, s_mod
	call p_puts
	mov eax, [index]
	mov cl, 1
	call p_hex
	mov esi, s_string
	call p_puts
	mov esi, [edi + 8]
	call p_puts
	mov esi, s_size
	call p_puts
	mov eax, [edi + 4]
	sub eax, [edi]
	mov cl, 8
	call p_hex
	mov esi, s_bytes
	call p_puts
	mov esi, [edi]                  ; its first bytes (as many as it has)
	mov eax, [edi + 4]
	sub eax, esi
	cmp eax, MOD_BYTES
	jbe .count
	mov eax, MOD_BYTES
.count:
	mov [left], eax
.byte:
	cmp dword [left], 0
	je .mod_end
	mov al, ' '
	call p_putc
	movzx eax, byte [esi]
	mov cl, 2
	call p_hex
	inc esi
	dec dword [left]
	jmp .byte
.mod_end:
	call newline
	add edi, 16
	inc dword [index]
	jmp .next_mod

.done:
	mov esi, s_done
	call p_puts
	BARE_EXIT

newline:
	mov al, 10
	jmp p_putc

COM1_INIT_CODE
COM1_PRINTER p

s_magic:     db "mbinfo: magic=", 0
s_flags:     db "mbinfo: flags=", 0
s_mem_lower: db "mbinfo: mem_lower=", 0
s_mem_upper: db " mem_upper=", 0
s_cmdline:   db "mbinfo: cmdline='", 0
s_mods:      db "mbinfo: mods=", 0
s_mod:       db "mbinfo: mod ", 0
s_string:    db " string='", 0
s_size:      db "' size=", 0
s_bytes:     db " bytes:", 0
s_done:      db "mbinfo: done", 10, 0

align 4
load_end:

absolute load_end
magic: resd 1
mbi:   resd 1
index: resd 1
left:  resd 1
	resb 4096
stack_top:
bss_end:
