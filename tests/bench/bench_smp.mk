# make bench, the cases across CPUs (tests/bench/bench_smp.c): boots of the
# bench ISO's "bench smp" entry on 2 virtual CPUs, plain TCG only (under
# -icount QEMU runs the vCPUs one at a time). make bench runs it first.
BENCH_SMP_OBJS := $(UBUILD)/tests/bench/bench_smp.o
BENCH_SMP_ELF  := $(UBUILD)/bench_smp.elf
$(BENCH_SMP_ELF): $(BENCH_SMP_OBJS) $(LIBOS) libos/user.ld
	$(call link-program,$(BENCH_SMP_OBJS))
IMAGE_FILES += bin/bench_smp=$(BENCH_SMP_ELF)
-include $(BENCH_SMP_OBJS:.o=.d)

ISO_BENCH_SMP := $(BUILD)/lightos-benchsmp.iso
BENCH_SMP ?= 2
.PHONY: bench-smp
bench-smp: deps $(ISO_BENCH_SMP)
	$(Q)$(PYTHON) scripts/bench_smp.py --iso $(ISO_BENCH_SMP) --boots 3 --out $(BUILD)/bench \
		-- $(QEMU) $(QEMU_COMMON) -smp $(BENCH_SMP)
bench: bench-smp
