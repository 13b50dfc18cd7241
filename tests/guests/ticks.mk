# Timer guests of tests/system/test_ticks.py (real mode, also boot sectors
# for bare Bochs).
TEST_FLAT += ticks storm
