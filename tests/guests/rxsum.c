/*
 * rxsum: counts what arrives on its COM1 (polled, interrupts off). Prints
 * "rxsum: ready", then per round: waits for a byte; after the first one
 * reads nothing for RXSUM_STALL_MS, so that the rest of a paste piles up
 * behind its 16-byte receive FIFO, on the host; then reads every byte up to
 * EOT (0x04) and prints "rxsum: N bytes, fnv1a 0xXXXXXXXX", the count and
 * the 32-bit FNV-1a hash of the bytes before EOT. Rounds repeat forever.
 */
#include <stdint.h>

#include "guests/lib/console.h"
#include "guests/lib/hcall.h"
#include "guests/lib/io.h"
#include "guests/lib/uart.h"

#define RXSUM_STALL_MS 500
#define RXSUM_END      0x04 /* EOT: the sender's last byte, not counted */
#define FNV_OFFSET     2166136261u
#define FNV_PRIME      16777619u

static uint8_t com1_getc(void)
{
	while (!(inb(COM1_BASE + UART_LSR) & LSR_DR))
		__asm__ volatile("pause");
	return inb(COM1_BASE + UART_RBR);
}

static void stall(uint64_t ticks)
{
	uint64_t end = rdtsc() + ticks;
	while (rdtsc() < end)
		__asm__ volatile("pause");
}

int main(void)
{
	com1_init();
	uint64_t per_ms = (uint64_t)hc_tsc_hz() / 1000;
	printf("rxsum: ready\n");
	for (;;) {
		uint8_t c = com1_getc();
		stall(RXSUM_STALL_MS * per_ms);
		uint32_t n = 0, h = FNV_OFFSET;
		for (; c != RXSUM_END; c = com1_getc()) {
			h = (h ^ c) * FNV_PRIME;
			n++;
		}
		printf("rxsum: %u bytes, fnv1a 0x%08x\n", n, h);
	}
}
