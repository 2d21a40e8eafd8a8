# make bench: the in-guest benchmarks, in the two TCG modes (icount: exact
# instructions; plain: emulation time, median of 3 boots).
BENCH_OBJS := $(UBUILD)/tests/bench/bench.o
BENCH_ELF  := $(UBUILD)/bench.elf
$(BENCH_ELF): $(BENCH_OBJS) $(LIBOS) libos/user.ld
	$(call link-program,$(BENCH_OBJS))
IMAGE_FILES += bin/bench=$(BENCH_ELF)
-include $(BENCH_OBJS:.o=.d)

ISO_BENCH := $(BUILD)/lightos-bench.iso
.PHONY: bench
bench: deps $(ISO_BENCH)
	$(Q)$(PYTHON) scripts/bench.py --iso $(ISO_BENCH) --boots 3 --out $(BUILD)/bench \
		-- $(QEMU) $(QEMU_COMMON)
