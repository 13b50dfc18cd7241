# Guests of tests/system/test_robustness.py: a counting victim and the
# hostile guests run beside it (real mode; counter is also a boot sector).
TEST_FLAT += counter maskpit flood resetloop
