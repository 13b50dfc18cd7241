# Images the loaders must refuse, for tests/system/test_bad_input.py: each is
# a good guest with one thing broken, or a header with nothing behind it,
# made by tests/guests/badinput.py (which says what each breaks).
BADIN_ELF := elfhead elfcut elfoverlap
BADIN_MB  := mbcut mbaddr mbentry
BADIN_BZ  := bzsetup bzsys
TEST_DATA += $(BADIN_ELF:%=%.elf) $(BADIN_MB:%=%.bin) $(BADIN_BZ:%=%.bin)

$(BADIN_ELF:%=$(G_OUT)/%.elf): $(G_OUT)/%.elf: $(G_OUT)/pm32.elf tests/guests/badinput.py
	python3 tests/guests/badinput.py $* $@ $<

$(BADIN_MB:%=$(G_OUT)/%.bin): $(G_OUT)/%.bin: $(G_OUT)/mbinfo.bin tests/guests/badinput.py
	python3 tests/guests/badinput.py $* $@ $<

$(BADIN_BZ:%=$(G_OUT)/%.bin): $(G_OUT)/%.bin: tests/guests/badinput.py
	@mkdir -p $(dir $@)
	python3 tests/guests/badinput.py $* $@
