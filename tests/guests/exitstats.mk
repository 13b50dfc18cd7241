# The guest of tests/system/test_exit_stats.py: reads Kestrel's exit
# statistics through the CPUID leaves 0x4FFFFFFC-0x4FFFFFFF.
TEST_ELF32 += exitstats
