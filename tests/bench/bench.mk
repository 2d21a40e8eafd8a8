# make bench: the in-guest benchmarks, in the two TCG modes (icount: exact
# instructions; plain: emulation time, median of 3 boots).
BENCH_OBJS := $(UBUILD)/tests/bench/bench.o
BENCH_ELF  := $(UBUILD)/bench.elf
$(BENCH_ELF): $(BENCH_OBJS) $(LIBOS) libos/user.ld
	$(call link-program,$(BENCH_OBJS))
IMAGE_FILES += bin/bench=$(BENCH_ELF)
-include $(BENCH_OBJS:.o=.d)
include tests/bench/bench_smp.mk

ISO_BENCH := $(BUILD)/lightos-bench.iso
.PHONY: bench
bench: deps $(ISO_BENCH)
	$(Q)$(PYTHON) scripts/bench.py --iso $(ISO_BENCH) --boots 3 --out $(BUILD)/bench \
		-- $(QEMU) $(QEMU_COMMON)

# make bench-compare: the same cases on Debian's Linux kernel, side by side.
LINUX_KERNEL ?= $(lastword $(sort $(wildcard /boot/vmlinuz-*)))
PEER := $(BUILD)/bench/peer
$(PEER): tests/bench/linux/peer.c
	@mkdir -p $(dir $@)
	$(Q)gcc -O2 -static -Wall -Wextra -Werror $< -o $@

.PHONY: bench-compare
bench-compare: bench $(PEER)
	$(Q)bash scripts/deps.sh linux-image-amd64
	$(Q)$(PYTHON) scripts/bench_compare.py --kernel "$(or $(LINUX_KERNEL),$(lastword $(sort $(wildcard /boot/vmlinuz-*))))" \
		--peer $(PEER) --lightos $(BUILD)/bench/lightos.json --out $(BUILD)/bench \
		-- $(QEMU) $(QEMU_ACCEL) -m 512M -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04
