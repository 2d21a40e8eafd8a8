# make bench: the in-guest benchmarks, in the two TCG modes (icount: exact
# instructions; plain: emulation time, median of 3 boots).
BENCH_OBJS := $(UBUILD)/tests/bench/bench.o $(UBUILD)/tests/bench/bench_storage.o
BENCH_ELF  := $(UBUILD)/bench.elf
$(BENCH_ELF): $(BENCH_OBJS) $(LIBOS) libos/user.ld
	$(call link-program,$(BENCH_OBJS))
IMAGE_FILES += bin/bench=$(BENCH_ELF)
-include $(BENCH_OBJS:.o=.d)
include tests/bench/bench_smp.mk

ISO_BENCH := $(BUILD)/lightos-bench.iso
# The storage cases (bench_storage.c) run on a fresh FAT32 disk like make run's;
# each boot leaves it empty again. One CPU: the cases across CPUs are
# bench-smp's (tests/bench/bench_smp.mk).
BENCH_DISK := $(BUILD)/bench/disk.img
.PHONY: bench
bench: deps $(ISO_BENCH) $(ISO)
	@mkdir -p $(BUILD)/bench
	$(Q)rm -f $(BENCH_DISK) && $(FAT_TOOLS_PATH) mkfs.fat -F 32 -C $(BENCH_DISK) $(DISK_SIZE_KIB) >/dev/null
	$(Q)$(PYTHON) scripts/bench.py --iso $(ISO_BENCH) --boots 3 --shell-iso $(ISO) --out $(BUILD)/bench \
		-- $(QEMU) $(QEMU_COMMON) -boot order=d -drive file=$(BENCH_DISK),if=none,id=d0,format=raw -device virtio-blk-pci,drive=d0

# The Linux side of the comparisons boots Debian's kernel in the same QEMU.
# The kernel is found when the scripts run, after deps.sh installed it (a
# path expanded by make would be taken before that, empty on a fresh
# machine); LINUX_KERNEL=path overrides.
LINUX_KERNEL ?=
LINUX_QEMU = $(QEMU) $(QEMU_ACCEL) -m 512M -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04

# make bench-storage-compare: bench's storage cases (bench_storage.c) against
# Linux's own vfat on the same kind of disk in the same QEMU
# (tests/bench/linux/storage.c, scripts/storage_compare.py).
STORAGE_PEER := $(BUILD)/bench/storage-peer
$(STORAGE_PEER): tests/bench/linux/storage.c tests/bench/measure.h
	@mkdir -p $(dir $@)
	$(Q)gcc -O2 -static -Wall -Wextra -Werror $< -o $@

.PHONY: bench-storage-compare
bench-storage-compare: bench $(STORAGE_PEER)
	$(Q)bash scripts/deps.sh linux-image-amd64
	$(Q)$(PYTHON) scripts/storage_compare.py --kernel "$(LINUX_KERNEL)" \
		--peer $(STORAGE_PEER) --lightos $(BUILD)/bench/lightos.json --out $(BUILD)/bench \
		-- $(LINUX_QEMU)

# make bench-compare: every case on Debian's Linux kernel, side by side
# (tests/bench/linux/peer.c, scripts/bench_compare.py), the storage cases
# from bench-storage-compare's boots.
PEER := $(BUILD)/bench/peer
$(PEER): tests/bench/linux/peer.c tests/bench/measure.h
	@mkdir -p $(dir $@)
	$(Q)gcc -O2 -static -Wall -Wextra -Werror $< -o $@

.PHONY: bench-compare
bench-compare: bench-storage-compare $(PEER)
	$(Q)$(PYTHON) scripts/bench_compare.py --kernel "$(LINUX_KERNEL)" \
		--storage $(BUILD)/bench/storage-compare.json \
		--peer $(PEER) --lightos $(BUILD)/bench/lightos.json --out $(BUILD)/bench \
		-- $(LINUX_QEMU)
