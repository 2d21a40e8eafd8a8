include tests/guest/user/user.mk

# In-QEMU suites: boot a test ISO, read results over serial.
# One test that runs longer than TEST_TIMEOUT seconds (a missed wake-up)
# ends the run at once, named; 120 s for the whole run is the backstop.
TEST_TIMEOUT ?= 30
TEST_SUITES += ktest guest

# The guest suite's scratch disk (tests/guest/user/test_storage.c), fresh
# each run; each suite has its own, so two can run at once.
GUEST_DISK      := $(BUILD)/test/guest-disk.img
guest_disk_qemu  = -boot order=d -drive file=$(1),if=none,id=d0,format=raw -device virtio-blk-pci,drive=d0
GUEST_DISK_QEMU := $(call guest_disk_qemu,$(GUEST_DISK))
GUEST_DISK_SMP4 := $(BUILD)/test/guest-smp4-disk.img

.PHONY: test-ktest
test-ktest: $(ISO_KTEST)
	@mkdir -p $(BUILD)/test
	$(Q)$(PYTHON) scripts/qemu_test.py --iso $(ISO_KTEST) --kernel $(KERNEL_KTEST) \
		--log $(BUILD)/test/ktest.log --tap $(BUILD)/test/ktest.tap \
		--timeout 120 --test-timeout $(TEST_TIMEOUT) -- $(QEMU) $(QEMU_COMMON)

# A scratch disk is an 8 MiB FAT32 volume for fatfs (user.fatfs_session_rights),
# its 128 reserved sectors holding the sectors the raw block tests write
# below 1000 (those above lie in clusters the few files fatfs makes there
# never reach).
guest_disk_make = rm -f $(1) && $(FAT_TOOLS_PATH) mkfs.fat -F 32 -R 128 -C $(1) 8192 >/dev/null 2>&1

.PHONY: test-guest
test-guest: $(ISO_TEST)
	@mkdir -p $(BUILD)/test
	$(Q)$(call guest_disk_make,$(GUEST_DISK))
	$(Q)$(PYTHON) scripts/qemu_test.py --iso $(ISO_TEST) \
		--log $(BUILD)/test/guest.log --tap $(BUILD)/test/guest.tap \
		--timeout 120 --test-timeout $(TEST_TIMEOUT) -- $(QEMU) $(QEMU_COMMON) $(GUEST_DISK_QEMU)

# The same suites on four virtual CPUs (MTTCG: they really run in parallel,
# as far as the host's cores allow), in make test like the rest;
# `make test-smp` runs just them.
SMP_TEST_SUITES := ktest-smp4 guest-smp4

.PHONY: test-ktest-smp4
test-ktest-smp4: $(ISO_KTEST)
	@mkdir -p $(BUILD)/test
	$(Q)$(PYTHON) scripts/qemu_test.py --iso $(ISO_KTEST) --kernel $(KERNEL_KTEST) \
		--log $(BUILD)/test/ktest-smp4.log --tap $(BUILD)/test/ktest-smp4.tap \
		--timeout 180 --test-timeout $(TEST_TIMEOUT) -- $(QEMU) $(QEMU_COMMON) -smp 4

.PHONY: test-guest-smp4
test-guest-smp4: $(ISO_TEST)
	@mkdir -p $(BUILD)/test
	$(Q)$(call guest_disk_make,$(GUEST_DISK_SMP4))
	$(Q)$(PYTHON) scripts/qemu_test.py --iso $(ISO_TEST) \
		--log $(BUILD)/test/guest-smp4.log --tap $(BUILD)/test/guest-smp4.tap \
		--timeout 180 --test-timeout $(TEST_TIMEOUT) -- $(QEMU) $(QEMU_COMMON) -smp 4 \
		$(call guest_disk_qemu,$(GUEST_DISK_SMP4))

# A kernel fault nobody recovers from must be reported (vector, error code,
# registers, CR2, backtrace) and end the run as a failure.
TEST_SUITES += guest-exception

.PHONY: test-guest-exception
test-guest-exception: $(ISO_EXCEPTION)
	@mkdir -p $(BUILD)/test
	$(Q)$(PYTHON) scripts/qemu_test.py --iso $(ISO_EXCEPTION) \
		--log $(BUILD)/test/guest-exception.log --tap $(BUILD)/test/guest-exception.tap \
		--timeout 60 \
		--expect 'KERNEL EXCEPTION 14 \(page fault\) error=0x2' \
		--expect 'cr2=00000000dead0000' \
		--expect 'rip=ffffffff8' \
		--expect 'backtrace' \
		--expect '#1 0xffffffff8' \
		--expect 'PANIC at kern/arch/x86_64/trap.c' \
		-- $(QEMU) $(QEMU_COMMON)

# A kernel stack overflow hits the guard page and is reported as a double
# fault (on its own stack), not a silent overwrite or a triple fault.
TEST_SUITES += guest-overflow

.PHONY: test-guest-overflow
test-guest-overflow: $(BUILD)/lightos-overflow.iso
	@mkdir -p $(BUILD)/test
	$(Q)$(PYTHON) scripts/qemu_test.py --iso $< \
		--log $(BUILD)/test/guest-overflow.log --tap $(BUILD)/test/guest-overflow.tap \
		--timeout 60 \
		--expect 'recursing without end on purpose' \
		--expect 'KERNEL EXCEPTION 8 \(double fault\)' \
		--expect 'PANIC at kern/arch/x86_64/trap.c' \
		-- $(QEMU) $(QEMU_COMMON)

# The shell, driven over the serial console by a script.
TEST_SUITES += shell

.PHONY: test-shell
test-shell: $(ISO)
	@mkdir -p $(BUILD)/test
	$(Q)$(PYTHON) scripts/shell_test.py --iso $(ISO) --script tests/guest/shell.script \
		--tap $(BUILD)/test/shell.tap --log $(BUILD)/test/shell.log \
		-- $(QEMU) $(QEMU_COMMON)

# The shell on four CPUs (the console driver's interrupt goes through the
# I/O APIC to CPU 0 while the shell runs anywhere).
SMP_TEST_SUITES += shell-smp4

# The 4-CPU guest suite again, on a kernel built with the lock-order
# checker (kern/sched/lockcheck.h) in a build directory of its own: a lock
# taken out of order, taken twice, or with interrupts in the wrong state
# panics there, where the normal kernel would hang or go on.
SMP_TEST_SUITES += lockcheck
LOCKCHECK_BUILD := $(BUILD)/lockcheck
TEST_SUITES += $(SMP_TEST_SUITES)

.PHONY: test-lockcheck
test-lockcheck:
	@mkdir -p $(BUILD)/test
	$(Q)rm -f $(LOCKCHECK_BUILD)/test/guest-smp4.tap; \
	$(MAKE) --no-print-directory BUILD=$(LOCKCHECK_BUILD) LOCKCHECK=1 test-guest-smp4; rc=$$?; \
	cp $(LOCKCHECK_BUILD)/test/guest-smp4.tap $(BUILD)/test/lockcheck.tap 2>/dev/null; exit $$rc

.PHONY: test-smp
test-smp: deps
	$(Q)$(PYTHON) scripts/run_tests.py $(SMP_TEST_SUITES)

.PHONY: test-shell-smp4
test-shell-smp4: $(ISO)
	@mkdir -p $(BUILD)/test
	$(Q)$(PYTHON) scripts/shell_test.py --iso $(ISO) --script tests/guest/shell.script \
		--tap $(BUILD)/test/shell-smp4.tap --log $(BUILD)/test/shell-smp4.log \
		-- $(QEMU) $(QEMU_COMMON) -smp 4

# A long system-call fuzz run (not in make test): FUZZ_SEED, FUZZ_CALLS
# calls per thread (2 processes x 2 threads), then the usual checks, on
# FUZZ_SMP virtual CPUs.
FUZZ_SMP ?= 1
.PHONY: fuzz-guest
fuzz-guest: $(ISO_FUZZ)
	@mkdir -p $(BUILD)/test
	$(Q)$(PYTHON) scripts/qemu_test.py --iso $(ISO_FUZZ) \
		--log $(BUILD)/test/fuzz-guest.log --tap $(BUILD)/test/fuzz-guest.tap \
		--timeout 7200 --test-timeout 0 -- $(QEMU) $(QEMU_COMMON) -smp $(FUZZ_SMP)
