; counter: the victim of tests/system/test_robustness.py. It counts in a
; loop with interrupts off and, every 0.5 s of TSC time, six times, prints
; how far it got; then ends with exit code 0. Its count beside a hostile
; guest, against its count alone, is the share of the CPU the hostile guest
; left it. Its first line carries terminal control sequences (clear the
; screen, set the window title) that the plain console must not pass on.
bits 16
org 0x7C00
%include "guests/lib/rm.inc"
%include "tests/guests/rmtick.inc"

	RM_START
main:
	call com1_init
	PUTS m_hello
	mov di, 6
.round:
	xor esi, esi            ; loop iterations this round
	rdtsc
	mov ecx, eax
.loop:
	inc esi
	rdtsc
	sub eax, ecx
	cmp eax, 25000000       ; 0.5 s at Bochs's 50 MHz TSC
	jb .loop
	push si
	push esi
	mov si, m_loops
	call com1_puts
	pop eax
	call print_dec
	mov al, 10
	call putc
	pop si
	dec di
	jnz .round
	BARE_EXIT

	RMTICK_CODE

m_loops: db "counter: loops=", 0
m_hello: db 27, "[2J", 27, "]0;title", 7, "counter: start", 10, 0
	BOOT_SECTOR
