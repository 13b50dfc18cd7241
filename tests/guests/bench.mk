# Guests of make bench (scripts/bench.py, docs/benchmarks.md): timer
# interrupts to a spinning and a halted guest, the switch between two
# spinning VCPUs, and tick lateness beside busy guests. exitbench is in
# guests/guests.mk, where tests/system/test_vmx.py also finds it.
TEST_ELF64 += irqbench switchbench latbench
