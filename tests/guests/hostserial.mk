# The guest of tests/system/test_host_serial.py: counts and hashes what it
# reads from COM1, to show that a paste reaches an attached guest whole.
TEST_ELF64 += rxsum
