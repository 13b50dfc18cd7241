# The CPUID guest of tests/system/test_cpuid.py: every advertised feature
# works; IP wrap and CR0.PG in each code size (also boots on bare Bochs).
TEST_FLAT += cpuwalk
