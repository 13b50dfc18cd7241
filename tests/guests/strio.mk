# The string-I/O conformance guest of tests/system/test_strio.py: INS and
# OUTS through the guest's paging, faults, REP, address-size wrap (also
# boots on bare Bochs).
TEST_FLAT += strio
$(G_OUT)/strio.bin: tests/guests/bootload.inc
