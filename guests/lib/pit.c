/* 8254 counter programming, latch and read-back (Intel 82C54 datasheet). */
#include "guests/lib/pit.h"

#include "guests/lib/io.h"

void pit_start_periodic(uint16_t divisor)
{
	outb(PIT_CMD, PIT_SC(0) | PIT_RW_BOTH | PIT_MODE(2)); /* rate generator */
	outb(PIT_CH(0), (uint8_t)divisor);
	outb(PIT_CH(0), (uint8_t)(divisor >> 8));
}

uint16_t pit_latch_count(unsigned ch)
{
	outb(PIT_CMD, PIT_SC(ch) | PIT_LATCH);
	uint8_t lo = inb(PIT_CH(ch));
	return (uint16_t)(lo | inb(PIT_CH(ch)) << 8);
}

uint8_t pit_read_status(unsigned ch)
{
	outb(PIT_CMD, PIT_READBACK | PIT_RB_NOCOUNT | PIT_RB_CNT(ch));
	return inb(PIT_CH(ch));
}
