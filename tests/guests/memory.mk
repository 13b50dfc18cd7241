# Guests of tests/system/test_memory.py (snapshot, rewind, clone, access
# watches, dirty-page logging): memcount and rmcount count in RAM (long and
# real mode; rmcount is also a boot sector), watchme stores to a watched
# word among its neighbours, pagetouch dirties 1000 pages a second.
TEST_ELF64 += memcount watchme pagetouch ramcopy
TEST_FLAT += rmcount
