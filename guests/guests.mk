# Guest images: the guests we ship (GUEST_BINS) and the ones only tests use
# (TEST_GUEST_BINS), all under $(BUILD)/guests/. Included by the top Makefile;
# needs only BUILD. docs/guests.md explains formats and how to add a guest.
#
# Flat real-mode images are one NASM file each. C guests link the start code,
# the guest's own object and the guest library (an archive, so each image
# takes only what it uses) with guests/guest.ld at 1 MiB.

GUEST_CC   := gcc
GUEST_NASM := nasm
GUEST_LD   := ld
GUEST_AR   := ar
GUEST_CFLAGS := -std=gnu11 -ffreestanding -nostdinc \
                -isystem $(shell $(GUEST_CC) -print-file-name=include) \
                -fno-pic -fno-pie -fno-stack-protector -nostdlib -mno-red-zone \
                -mgeneral-regs-only -fno-asynchronous-unwind-tables \
                -fno-tree-loop-distribute-patterns -O2 -g \
                -Wall -Wextra -Werror -I. -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -z noexecstack -z max-page-size=0x1000 \
                 --build-id=none

G_OUT := $(BUILD)/guests
G_OBJ := $(G_OUT)/obj

# name lists: guests/NAME.{asm,c} and tests/guests/NAME.{asm,c}
GUEST_FLAT  := hello spin
GUEST_ELF32 := pm32 echo selftest
GUEST_ELF64 := lm64 ticker
TEST_FLAT   := reset kbdreset hltoff exit7
TEST_ELF32  := vmxon featctl oob triple exitcode ept_write ept_read exitbench fpu_check cpucheck pae
TEST_ELF64  := tick1k
TEST_DATA   := badelf.elf elfhigh.elf empty.bin
# Each topic's test guests may also be listed in tests/guests/TOPIC.mk (TEST_FLAT += ...).
include $(sort $(wildcard tests/guests/*.mk))

GUEST_BINS := $(GUEST_FLAT:%=$(G_OUT)/%.bin) $(GUEST_ELF32:%=$(G_OUT)/%.elf) \
              $(GUEST_ELF64:%=$(G_OUT)/%.elf)
TEST_GUEST_BINS := $(TEST_FLAT:%=$(G_OUT)/%.bin) $(TEST_ELF32:%=$(G_OUT)/%.elf) \
                   $(TEST_ELF64:%=$(G_OUT)/%.elf) $(TEST_DATA:%=$(G_OUT)/%)

# The guest library, once per width.
GLIB_C     := $(wildcard guests/lib/*.c)
GLIB32_OBJ := $(GLIB_C:%.c=$(G_OBJ)/32/%.o) $(G_OBJ)/32/guests/lib/trap32.o
GLIB64_OBJ := $(GLIB_C:%.c=$(G_OBJ)/64/%.o) $(G_OBJ)/64/guests/lib/trap64.o
GLIB32     := $(G_OUT)/libguest32.a
GLIB64     := $(G_OUT)/libguest64.a
GSTART32   := $(G_OBJ)/32/guests/lib/start32.o
GSTART64   := $(G_OBJ)/64/guests/lib/start64.o

.PHONY: guests
guests: $(GUEST_BINS) $(TEST_GUEST_BINS)

$(G_OBJ)/32/%.o: %.c
	@mkdir -p $(dir $@)
	$(GUEST_CC) -m32 $(GUEST_CFLAGS) -c -o $@ $<

$(G_OBJ)/64/%.o: %.c
	@mkdir -p $(dir $@)
	$(GUEST_CC) -m64 $(GUEST_CFLAGS) -c -o $@ $<

$(G_OBJ)/32/%.o: %.asm
	@mkdir -p $(dir $@)
	$(GUEST_NASM) -f elf32 -g -I./ -MD $(@:.o=.d) -MP -o $@ $<

$(G_OBJ)/64/%.o: %.asm
	@mkdir -p $(dir $@)
	$(GUEST_NASM) -f elf64 -g -I./ -MD $(@:.o=.d) -MP -o $@ $<

$(GLIB32): $(GLIB32_OBJ)
	@rm -f $@
	$(GUEST_AR) rcs $@ $^

$(GLIB64): $(GLIB64_OBJ)
	@rm -f $@
	$(GUEST_AR) rcs $@ $^

# Flat real-mode images. NASM 2.16's -MD, given while it assembles a flat
# binary, lists only the source file (and -M alone cannot preprocess %rep
# over symbols), so every image depends on every include file.
FLAT_INC := $(wildcard guests/lib/*.inc tests/guests/*.inc)

$(GUEST_FLAT:%=$(G_OUT)/%.bin): $(G_OUT)/%.bin: guests/%.asm $(FLAT_INC)
	@mkdir -p $(dir $@)
	$(GUEST_NASM) -f bin -I./ -o $@ $<

$(TEST_FLAT:%=$(G_OUT)/%.bin): $(G_OUT)/%.bin: tests/guests/%.asm $(FLAT_INC)
	@mkdir -p $(dir $@)
	$(GUEST_NASM) -f bin -I./ -o $@ $<

# ELF guests: start code first, so _start leads .text at 0x100000.
$(GUEST_ELF32:%=$(G_OUT)/%.elf): $(G_OUT)/%.elf: $(G_OBJ)/32/guests/%.o $(GSTART32) $(GLIB32) guests/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_i386 $(GUEST_LDFLAGS) -T guests/guest.ld -o $@ $(GSTART32) $< $(GLIB32)

$(GUEST_ELF64:%=$(G_OUT)/%.elf): $(G_OUT)/%.elf: $(G_OBJ)/64/guests/%.o $(GSTART64) $(GLIB64) guests/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_x86_64 $(GUEST_LDFLAGS) -T guests/guest.ld -o $@ $(GSTART64) $< $(GLIB64)

$(TEST_ELF32:%=$(G_OUT)/%.elf): $(G_OUT)/%.elf: $(G_OBJ)/32/tests/guests/%.o $(GSTART32) $(GLIB32) guests/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_i386 $(GUEST_LDFLAGS) -T guests/guest.ld -o $@ $(GSTART32) $< $(GLIB32)

$(TEST_ELF64:%=$(G_OUT)/%.elf): $(G_OUT)/%.elf: $(G_OBJ)/64/tests/guests/%.o $(GSTART64) $(GLIB64) guests/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_x86_64 $(GUEST_LDFLAGS) -T guests/guest.ld -o $@ $(GSTART64) $< $(GLIB64)

# Images the loader must refuse. badelf: the ELF magic and 16 more bytes of a
# 52-byte header; elfhigh: valid, but its segment lies at 1 GiB; empty: 0 bytes.
$(G_OUT)/badelf.elf:
	@mkdir -p $(dir $@)
	printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000\002\000\003\000' >$@

$(G_OUT)/elfhigh.elf: $(G_OBJ)/32/tests/guests/elfhigh.o tests/guests/elfhigh.ld
	$(GUEST_LD) -m elf_i386 $(GUEST_LDFLAGS) -T tests/guests/elfhigh.ld -o $@ $<

$(G_OUT)/empty.bin:
	@mkdir -p $(dir $@)
	: >$@

G_DEPS := $(GLIB32_OBJ:.o=.d) $(GLIB64_OBJ:.o=.d) $(GSTART32:.o=.d) $(GSTART64:.o=.d) \
          $(GUEST_ELF32:%=$(G_OBJ)/32/guests/%.d) $(GUEST_ELF64:%=$(G_OBJ)/64/guests/%.d) \
          $(TEST_ELF32:%=$(G_OBJ)/32/tests/guests/%.d) $(TEST_ELF64:%=$(G_OBJ)/64/tests/guests/%.d)
-include $(G_DEPS)
