# Guests of tests/system/test_robustness.py: a counting victim and the
# hostile guests run beside it (real mode; counter is also a boot sector),
# and floorhog, which tries to keep the CPU through the floor handler.
TEST_FLAT += counter maskpit flood resetloop
TEST_ELF64 += floorhog
