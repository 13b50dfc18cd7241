; storm: PIT counter 0 at divisor 40 (about 30 kHz), IRQ0 unmasked, an EOI
; in every handler run; the main loop counts. Every 0.5 s of TSC time, six
; times, it prints how far the main loop got and how many interrupts it
; took. On bare Bochs the loop runs between the interrupts; an interrupt
; storm must not starve it under Kestrel either.
bits 16
org 0x7C00
%include "guests/lib/rm.inc"
%include "tests/guests/rmtick.inc"

	RM_START
main:
	TICK_SETUP 40
	mov al, 0xFE
	out 0x21, al
	sti
	mov di, 6
.round:
	xor esi, esi            ; main loop iterations
	rdtsc
	mov ecx, eax
.loop:
	inc esi
	rdtsc
	sub eax, ecx
	cmp eax, 25000000
	jb .loop
	cli
	push si
	push esi
	mov si, m_loops
	call com1_puts
	pop eax
	call print_dec
	mov si, m_irqs
	call com1_puts
	mov eax, [irqs]
	mov dword [irqs], 0
	call print_dec
	mov al, 10
	call putc
	pop si
	sti
	dec di
	jnz .round
	BARE_EXIT

irq0:
	inc dword [cs:irqs]
	push ax
	mov al, 0x20
	out 0x20, al
	pop ax
	iret

	RMTICK_CODE

m_loops: db "storm: loops=", 0
m_irqs:  db " irqs=", 0
align 4
irqs: dd 0
	BOOT_SECTOR
