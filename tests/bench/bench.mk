# make bench: the in-guest benchmarks, in the two TCG modes (icount: exact
# instructions; plain: emulation time, median of 3 boots).
BENCH_OBJS := $(UBUILD)/tests/bench/bench.o
BENCH_ELF  := $(UBUILD)/bench.elf
$(BENCH_ELF): $(BENCH_OBJS) $(LIBOS) libos/user.ld
	$(call link-program,$(BENCH_OBJS))
IMAGE_FILES += bin/bench=$(BENCH_ELF)
-include $(BENCH_OBJS:.o=.d)

ISO_BENCH := $(BUILD)/lightos-bench.iso
# BENCH_SMP=2 boots 2 CPUs: plain TCG only, since under -icount QEMU runs
# the vCPUs one at a time and a spinning CPU burns the other's budget.
BENCH_SMP ?= 1
.PHONY: bench
bench: deps $(ISO_BENCH) $(ISO)
	$(Q)$(PYTHON) scripts/bench.py --iso $(ISO_BENCH) --boots 3 --smp $(BENCH_SMP) \
		--shell-iso $(ISO) --out $(BUILD)/bench -- $(QEMU) $(QEMU_COMMON)

# make bench-compare: the same cases on Debian's Linux kernel, side by side.
# The kernel is found when the recipe runs, after deps.sh installed it (a
# path expanded by make would be taken before that, empty on a fresh
# machine); LINUX_KERNEL=path overrides.
LINUX_KERNEL ?=
PEER := $(BUILD)/bench/peer
$(PEER): tests/bench/linux/peer.c
	@mkdir -p $(dir $@)
	$(Q)gcc -O2 -static -Wall -Wextra -Werror $< -o $@

.PHONY: bench-compare
bench-compare: bench $(PEER)
	$(Q)bash scripts/deps.sh linux-image-amd64
	$(Q)$(PYTHON) scripts/bench_compare.py --kernel "$(LINUX_KERNEL)" \
		--peer $(PEER) --lightos $(BUILD)/bench/lightos.json --out $(BUILD)/bench \
		-- $(QEMU) $(QEMU_ACCEL) -m 512M -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04
