# The MSR guest of tests/system/test_msr.py: RDMSR/WRMSR of every MSR of
# vmm/exit/msr.c's table, and the CPUID frequency and topology leaves
# (also boots on bare Bochs).
TEST_FLAT += msrwalk
$(G_OUT)/msrwalk.bin: tests/guests/bootload.inc
