/*
 * tick1k: the ticker guest with the PIT at 1 kHz (divisor 1193) that stops
 * after 10 s of TSC time (frequency from HC_TSC_HZ), prints
 * "ticks=N tsc_hz=H" and shuts down with 0. Timer-accuracy tests compare N
 * with 10000.
 */
#define TICK_HZ           1000
#define TICK_STOP_SECONDS 10
#include "guests/ticker.c"
