# The CPU-mode conformance guest of tests/system/test_modes.py: VMX, MSR,
# XSETBV and CR4 faults in real, 16/32-bit protected, V86 and long mode, and
# INT 0x21 in V86 mode per SDM 3A table 20-2 (also boots on bare Bochs).
TEST_FLAT += modes
$(G_OUT)/modes.bin: tests/guests/bootload.inc
