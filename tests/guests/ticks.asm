; ticks: counts its 1 kHz PIT interrupts over 0.5 s and 10 s of TSC time and
; reports the longest gap between two of them. IRQ0 is masked for 5 ms first:
; on a PC the edges of that time latch one request, and no more come back
; after the unmask (8259A datasheet, "Interrupt Mask Register"). The main
; loop is busy (interrupts on), so beside other busy guests it is a runnable
; VM whose tick falls due while another VM holds the CPU. Boots the same as
; a boot sector on bare Bochs, the oracle for the counts.
bits 16
org 0x7C00
%include "guests/lib/rm.inc"
%include "tests/guests/rmtick.inc"

PERIOD equ 1193                 ; 1193182 / 1193 = 1000.15 Hz

	RM_START
main:
	TICK_SETUP PERIOD
	sti
	mov ebx, 250000         ; 5 ms at 50 MHz with IRQ0 masked
	call wait_tsc
	mov al, 0xFE
	out 0x21, al
.latched:
	cmp dword [count], 0    ; the one request the masked time left
	je .latched
	mov ebx, 25000000
	call count_ticks
	mov ebx, 500000000
	call count_ticks
	BARE_EXIT

; count_ticks EBX: count IRQ0 over EBX TSC ticks; print the count and the
; longest gap between two ticks in TSC ticks.
count_ticks:
	cli
	mov dword [count], 0
	mov dword [maxgap], 0
	rdtsc
	mov [last], eax
	mov ecx, eax
	sti
.spin:
	rdtsc
	sub eax, ecx
	cmp eax, ebx
	jb .spin
	cli
	mov si, m_count
	call com1_puts
	mov eax, [count]
	call print_dec
	mov si, m_gap
	call com1_puts
	mov eax, [maxgap]
	call print_dec
	mov al, 10
	call putc
	sti
	ret

irq0:
	push eax
	push edx
	rdtsc
	mov edx, eax
	sub edx, [cs:last]
	mov [cs:last], eax
	cmp edx, [cs:maxgap]
	jbe .eoi
	mov [cs:maxgap], edx
.eoi:
	inc dword [cs:count]
	mov al, 0x20
	out 0x20, al
	pop edx
	pop eax
	iret

	RMTICK_CODE

m_count: db "ticks: count=", 0
m_gap:   db " maxgap=", 0
align 4
count:  dd 0
last:   dd 0
maxgap: dd 0
	BOOT_SECTOR
