; maskpit: an idle guest with a fast PIT it can never hear. Counter 0 runs
; at count 2 (a 1.7 us period), every 8259A line is masked, and the guest
; halts with interrupts on, forever. On a PC it sleeps; beside it, another
; guest must keep all of its CPU (issue 9, item 1).
bits 16
org 0x7C00
%include "guests/lib/rm.inc"
%include "tests/guests/rmtick.inc"

	RM_START
main:
	call pic_init           ; every line masked
	mov ax, 2
	call pit_rate
	PUTS m_idle
.idle:
	sti
	hlt
	jmp .idle

	RMTICK_CODE

m_idle: db "maskpit: idle", 10, 0
	BOOT_SECTOR
