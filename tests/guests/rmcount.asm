; rmcount: memcount in real mode, for the snapshot, rewind and clone tests
; of tests/system/test_memory.py (run with mem=1M). Every 50 ms of TSC time
; (2,500,000 ticks at Bochs's 50 MHz, counted from the end of the line
; before) it adds one to the 32-bit counter at 0x9000 (alone in its page),
; stores the new value C in the first 4 bytes of page C % 64 of the region
; 0x20000-0x5FFFF, and prints "count C". Runs forever. Under Kestrel
; (CPUID 0x40000000 says KestrelVisor) the line goes out in one
; HC_CONSOLE_WRITE from its buffer at 0x8000, so no snapshot or rewind ever
; falls inside a line; on a bare PC (a boot sector, bare Bochs) to COM1.
; Pages written: the region, 0x9000, 0x8000 and the stack below 0x7C00.
bits 16
org 0x7C00
%include "guests/lib/rm.inc"
%include "tests/guests/rmtick.inc"

RMC_COUNTER    equ 0x9000
RMC_LINE       equ 0x8000
RMC_REGION_SEG equ 0x2000       ; 0x20000: page p is segment 0x2000 + p * 0x100
RMC_PAGES      equ 64
RMC_TICKS      equ 2500000      ; 50 ms at 50 MHz
HC_CONSOLE_WRITE equ 1

	RM_START
main:
	call com1_init
	xor bp, bp              ; BP = 1 under Kestrel
	mov eax, 0x40000000
	cpuid
	cmp ebx, 'Kest'
	jne .round
	cmp ecx, 'relV'
	jne .round
	cmp edx, 'isor'
	jne .round
	inc bp
.round:
	mov ebx, RMC_TICKS
	call wait_tsc
	; "count " at RMC_LINE first: LODSB takes AL
	mov di, RMC_LINE
	mov si, m_count
.word:
	lodsb
	test al, al
	jz .count
	mov [di], al
	inc di
	jmp .word
.count:
	mov eax, [RMC_COUNTER]
	inc eax
	mov [RMC_COUNTER], eax
	mov bx, ax
	and bx, RMC_PAGES - 1
	shl bx, 8
	add bx, RMC_REGION_SEG
	mov es, bx
	mov [es:0], eax
	xor bx, bx
	mov es, bx
.number:
	call fmt_dec
	mov byte [di], 10
	inc di
	test bp, bp
	jz .com1
	mov ebx, RMC_LINE
	movzx ecx, di
	sub ecx, ebx
.write:                         ; a short write only while the line is full
	mov eax, HC_CONSOLE_WRITE
	vmcall                  ; registers other than EAX are kept
	test eax, eax
	js .round
	add ebx, eax
	sub ecx, eax
	jnz .write
	jmp .round
.com1:
	mov byte [di], 0
	mov si, RMC_LINE
	call com1_puts
	jmp .round

; fmt_dec: EAX in decimal at DS:DI, DI moved past it. Clobbers EAX, ECX, EDX, BX.
fmt_dec:
	mov ecx, 10
	xor bx, bx
.div:
	xor edx, edx
	div ecx
	push dx
	inc bx
	test eax, eax
	jnz .div
.out:
	pop ax
	add al, '0'
	mov [di], al
	inc di
	dec bx
	jnz .out
	ret

	RMTICK_CODE

m_count: db "count ", 0
	BOOT_SECTOR
