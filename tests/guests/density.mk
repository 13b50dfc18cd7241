# Guests of tests/system/test_density.py: edge touches the end of a small
# RAM and the byte beyond it (the 64 guests of 64 KiB are guests/spin.bin).
TEST_FLAT += edge
