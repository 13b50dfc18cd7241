# Kestrel: one entry point. `make` builds build/kestrel.elf, `make iso` the
# bootable image, `make run` boots it, `make test` runs every test.

BUILD    := build
CC       := gcc
NASM     := nasm
LD       := ld
PYTHON   := $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)
PYTEST   := $(PYTHON) -m pytest
VERSION  := 0.1.0

GCC_INC  := $(shell $(CC) -print-file-name=include)
WARN     := -Wall -Wextra -Werror
KCFLAGS  := -std=gnu11 -ffreestanding -nostdinc -isystem $(GCC_INC) \
            -fno-pic -fno-pie -fno-stack-protector -fno-builtin-printf \
            -fno-asynchronous-unwind-tables -mno-red-zone -mgeneral-regs-only \
            -mcmodel=kernel -mno-mmx -mno-sse -O2 -g $(WARN) -I. \
            -DKESTREL_VERSION='"$(VERSION)"' -MMD -MP
KLDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
            --build-id=none -T linker.ld
HOSTCFLAGS := -std=gnu11 -g -O1 $(WARN) -I. -fsanitize=address,undefined \
            -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZCFLAGS := -std=gnu11 -g -O1 -I. -fsanitize=fuzzer,address,undefined

KSRC     := $(wildcard kernel/*.c vmm/*.c vmm/*/*.c)
KASM     := $(wildcard boot/*.asm kernel/*.asm vmm/*.asm vmm/*/*.asm)
KOBJ     := $(KASM:%.asm=$(BUILD)/obj/%.o) $(KSRC:%.c=$(BUILD)/obj/%.o)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_RUNS ?= 200000

.PHONY: all iso run test unit fuzz-smoke fuzz system bench bochs-check deps format lint clean
all: $(BUILD)/kestrel.elf

include guests/guests.mk

$(BUILD)/kestrel.elf: $(KOBJ) linker.ld
	@echo "  LD      $@"
	@$(LD) $(KLDFLAGS) -o $@ $(KOBJ)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: %.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) -f elf64 -g -MD $(@:.o=.d) -MP -o $@ $<

# The ISO tree: the kernel, every guest image, and the default grub.cfg.
$(BUILD)/iso/boot/grub/grub.cfg: iso/grub.cfg
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/kestrel.iso: $(BUILD)/kestrel.elf $(GUEST_BINS) $(TEST_GUEST_BINS) \
                      $(BUILD)/iso/boot/grub/grub.cfg
	@mkdir -p $(BUILD)/iso/guests
	cp $(BUILD)/kestrel.elf $(BUILD)/iso/boot/kestrel.elf
	cp $(GUEST_BINS) $(TEST_GUEST_BINS) $(BUILD)/iso/guests/
	grub-mkrescue -o $@ $(BUILD)/iso 2>$(BUILD)/grub-mkrescue.log || \
	  { cat $(BUILD)/grub-mkrescue.log; exit 1; }

iso: $(BUILD)/kestrel.iso

deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory iso
	@PYTHON=$(PYTHON) scripts/run.sh $(BUILD)/kestrel.iso

$(BUILD)/unit/%: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HOSTCFLAGS) -MMD -MP -o $@ $< -lcmocka

$(BUILD)/fuzz/%: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	clang $(FUZZCFLAGS) -MMD -MP -o $@ $<

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

fuzz-smoke: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	  echo "fuzz: $$f ($(FUZZ_RUNS) runs)"; \
	  $$f -runs=$(FUZZ_RUNS) -seed=1 2>&1 | tail -n 1 || exit 1; done

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	  echo "fuzz: $$f (300 s)"; \
	  $$f -max_total_time=300 2>&1 | tail -n 1 || exit 1; done

# The benchmark configurations, booted in Bochs one at a time: one table on
# stdout and in docs/benchmarks.md, which says how each figure is measured.
bench: deps
	@$(MAKE) --no-print-directory all iso
	@$(PYTHON) scripts/bench.py

# Boot Bochs for a second: when it cannot start, one line says why instead
# of every Bochs test failing on an empty serial log.
bochs-check: iso
	@$(PYTHON) scripts/bochsrc.py check --iso $(BUILD)/kestrel.iso

system: iso
	@$(MAKE) --no-print-directory bochs-check
	$(PYTEST) -q tests/system

test: deps
	@$(MAKE) --no-print-directory all iso
	@$(MAKE) --no-print-directory lint unit fuzz-smoke
	@$(MAKE) --no-print-directory bochs-check
	$(PYTEST) -q tests/system

format:
	clang-format -i $(KSRC) $(wildcard kernel/*.h vmm/*.h vmm/*/*.h)

lint:
	@echo "lint: cppcheck over the kernel, the VMM, the devices and the monitor; the layers of vmm/"
	@cppcheck --quiet --error-exitcode=1 -I. $(KSRC)
	@$(PYTHON) scripts/check-layers.py

clean:
	rm -rf $(BUILD)

-include $(KOBJ:.o=.d) $(UNIT_BIN:=.d) $(FUZZ_BIN:=.d)
