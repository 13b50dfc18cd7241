# The Multiboot (version 1, a.out kludge) guest of tests/system/test_multiboot.py:
# prints the boot information it was given; also boots on bare QEMU's -kernel.
TEST_FLAT += mbinfo
