# kern/: the kernel image, the boot ISO, and running it in QEMU.

# The kernel's compiler: gcc (CROSS=x86_64-elf- for a GNU cross toolchain),
# or KERNEL_CC=clang for clang's bare-metal target x86_64-unknown-elf with
# ld.lld, a real cross compiler from Debian (make test-cross builds with it).
KERNEL_CC ?= gcc
ifeq ($(KERNEL_CC),clang)
KCC     := clang --target=x86_64-unknown-elf
KLD     := ld.lld
else
KCC     := $(CROSS)gcc
KLD     := $(CROSS)ld
endif
NASM    := nasm
KBUILD  := $(BUILD)/kern

KERN_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -MMD -MP \
	-ffreestanding -nostdlib -fno-builtin -fno-stack-protector \
	-fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-fno-asynchronous-unwind-tables \
	-Ikern -Icap -Ielf -I$(BUILD)/gen/include -I$(BUILD)/gen/kern
# LOCKCHECK=1: the lock-order checker (kern/sched/lockcheck.h). Use its own
# build directory: make BUILD=build-lockcheck LOCKCHECK=1 test-guest-smp4
ifeq ($(LOCKCHECK),1)
KERN_CFLAGS += -DLOCKCHECK
endif
KERN_LDFLAGS := -n -nostdlib -z max-page-size=0x1000 -z noexecstack \
	-T kern/arch/x86_64/linker.ld

# Every .c and .asm under kern/ plus the capability core and the ELF parser.
# The self-tests (kern/test/) go only into a second image, for the ktest ISO.
KERN_C_SRCS   := $(shell find kern -name '*.c' -not -path 'kern/test/*' | sort) \
                 $(filter-out %_test.c,$(wildcard cap/*.c)) elf/elf.c
KTEST_C_SRCS  := $(shell find kern/test -name '*.c' | sort)
KERN_ASM_SRCS := $(shell find kern -name '*.asm' | sort)
KERN_OBJS := $(patsubst %.c,$(KBUILD)/%.o,$(KERN_C_SRCS)) \
             $(patsubst %.asm,$(KBUILD)/%.asm.o,$(KERN_ASM_SRCS)) \
             $(KBUILD)/gen/dispatch.o
KTEST_OBJS := $(patsubst %.c,$(KBUILD)/%.o,$(KTEST_C_SRCS))

KERNEL       := $(BUILD)/kernel.elf
KERNEL_KTEST := $(BUILD)/kernel-ktest.elf

# Every kernel file may include generated headers: generate first.
$(KBUILD)/gen/dispatch.o: $(GEN_KERN_SRCS) $(GEN_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(KCC) $(KERN_CFLAGS) -c $< -o $@

$(KBUILD)/%.o: %.c $(GEN_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(KCC) $(KERN_CFLAGS) -c $< -o $@

$(KBUILD)/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) -f elf64 -g -F dwarf -Wall -Werror -Ikern/arch/x86_64/ -MD $(@:.o=.d) -MP $< -o $@

$(KERNEL): $(KERN_OBJS) kern/arch/x86_64/linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(KLD) $(KERN_LDFLAGS) -o $@ $(KERN_OBJS)

$(KERNEL_KTEST): $(KERN_OBJS) $(KTEST_OBJS) kern/arch/x86_64/linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(KLD) $(KERN_LDFLAGS) -o $@ $(KERN_OBJS) $(KTEST_OBJS)

# ISOs from one grub.cfg template, differing only in the default entry:
#   lightos.iso           the system (the shell)
#   lightos-test.iso      the user-space test suites
#   lightos-exception.iso a deliberate kernel fault (checks the report)
#   lightos-ktest.iso     the kernel self-tests
#   lightos-fuzz.iso      a long system-call fuzz run (make fuzz-guest)
#   lightos-bench.iso     the benchmarks (make bench)
#   lightos-overflow.iso  a kernel stack overflow (checks the guard page)
#   lightos-benchsmp.iso  the benchmarks across CPUs (make bench)
# All have all entries, so any can be picked from GRUB's menu.
ISO_ENTRY_normal    := 0
ISO_ENTRY_test      := 1
ISO_ENTRY_exception := 2
ISO_ENTRY_ktest     := 3
ISO_ENTRY_fuzz      := 4
ISO_ENTRY_bench     := 5
ISO_ENTRY_overflow  := 6
ISO_ENTRY_benchsmp  := 7

# The fuzz entry's seed, length and operation classes come from make
# (FUZZ_SEED, FUZZ_CALLS, FUZZ_CLASSES: all, or a list like race,cycle).
FUZZ_SEED    ?= 1
FUZZ_CALLS   ?= 200000
FUZZ_CLASSES ?= all
# ONLY="<prefix> <rounds>": the test suites' entry runs only the guest tests
# whose names start with <prefix>, <rounds> times (chasing a rare failure).
ONLY ?=
ISO_SETTINGS := $(FUZZ_SEED) $(FUZZ_CALLS) $(FUZZ_CLASSES) $(ONLY)
$(BUILD)/iso-%/boot/grub/grub.cfg: kern/arch/x86_64/grub.cfg.in $(BUILD)/fuzz-settings
	@mkdir -p $(dir $@)
	$(Q)sed 's/@DEFAULT@/$(ISO_ENTRY_$*)/; s/@FUZZ@/$(FUZZ_SEED) $(FUZZ_CALLS) $(FUZZ_CLASSES)/; s/@ONLY@/$(if $(ONLY),only $(ONLY))/' $< > $@

# Rewritten only when the settings change, so ISOs rebuild only then.
$(BUILD)/fuzz-settings: FORCE
	@mkdir -p $(dir $@)
	@echo "$(ISO_SETTINGS)" | cmp -s - $@ || echo "$(ISO_SETTINGS)" > $@
.PHONY: FORCE
FORCE:

$(BUILD)/iso-%/boot/kernel.elf: $(KERNEL)
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# Only the self-test ISO boots the kernel with kern/test/ linked in.
$(BUILD)/iso-ktest/boot/kernel.elf: $(KERNEL_KTEST)
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(BUILD)/iso-%/boot/init.elf: $(INIT_ELF)
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(BUILD)/iso-%/boot/image.tar: $(IMAGE)
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(BUILD)/lightos-%.iso: $(BUILD)/iso-%/boot/kernel.elf $(BUILD)/iso-%/boot/init.elf \
		$(BUILD)/iso-%/boot/image.tar $(BUILD)/iso-%/boot/grub/grub.cfg
	@$(if $(Q),echo "  ISO     $@")
	$(Q)grub-mkrescue -o $@ $(BUILD)/iso-$* >$(BUILD)/grub-mkrescue-$*.log 2>&1 || \
		{ cat $(BUILD)/grub-mkrescue-$*.log; exit 1; }

ISO           := $(BUILD)/lightos-normal.iso
ISO_TEST      := $(BUILD)/lightos-test.iso
ISO_EXCEPTION := $(BUILD)/lightos-exception.iso
ISO_KTEST     := $(BUILD)/lightos-ktest.iso
ISO_FUZZ      := $(BUILD)/lightos-fuzz.iso
.PRECIOUS: $(BUILD)/iso-%/boot/grub/grub.cfg $(BUILD)/iso-%/boot/kernel.elf \
	$(BUILD)/iso-%/boot/init.elf $(BUILD)/iso-%/boot/image.tar

.PHONY: kernel iso iso-test
kernel: $(KERNEL)
iso: $(ISO)
iso-test: $(ISO_TEST)

# QEMU: TCG by default; KVM=1 asks for KVM when /dev/kvm is usable.
QEMU := qemu-system-x86_64
QEMU_ACCEL := -accel tcg -cpu max
ifeq ($(KVM),1)
QEMU_ACCEL := $(shell if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then \
	echo "-accel kvm -cpu host,-arch-capabilities"; else echo "-accel tcg -cpu max"; fi)
endif
QEMU_COMMON := $(QEMU_ACCEL) -m 512M -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04

# Virtual CPUs for make run / debug (SMP=n); the test suites choose their
# own (1 and 4). Two by default: this machine has two cores.
SMP ?= 2

run: deps $(ISO) $(DISK_IMG)
	@echo "LightOS: serial console on this terminal. Quit with Ctrl-A X."
	$(Q)$(QEMU) $(QEMU_COMMON) -smp $(SMP) -nographic -serial mon:stdio -cdrom $(ISO) $(DISK_QEMU) || true

debug: deps $(ISO)
	@echo "QEMU waits for gdb on localhost:1234. In another terminal:"
	@echo "  gdb $(KERNEL) -ex 'target remote localhost:1234'"
	@echo "Quit QEMU with Ctrl-A X."
	$(Q)$(QEMU) $(QEMU_COMMON) -smp $(SMP) -nographic -serial mon:stdio -cdrom $(ISO) -s -S || true

-include $(KERN_OBJS:.o=.d) $(KTEST_OBJS:.o=.d)

# The kernel built by a real cross compiler (clang's x86_64-unknown-elf
# target, ld.lld) in a build directory of its own, so it cannot rot: it
# must link, be a multiboot2 image and pass the self-tests (booted with the
# ktest ISO's init and image). And the shipped image carries no self-tests.
TEST_SUITES += cross
CROSS_BUILD := $(BUILD)/cross

.PHONY: test-cross
test-cross: $(KERNEL) $(ISO_KTEST)
	@mkdir -p $(BUILD)/test
	$(Q)tap=$(BUILD)/test/cross.tap; : > $$tap; \
	if $(MAKE) --no-print-directory BUILD=$(CROSS_BUILD) KERNEL_CC=clang \
		$(CROSS_BUILD)/kernel.elf $(CROSS_BUILD)/kernel-ktest.elf > $(BUILD)/test/cross.log 2>&1; \
	then echo "ok 1 - the kernel builds and links with clang --target=x86_64-unknown-elf and ld.lld" >> $$tap; \
	else echo "not ok 1 - the kernel does not build with clang --target=x86_64-unknown-elf" >> $$tap; \
		tail -30 $(BUILD)/test/cross.log; fi; \
	if grub-file --is-x86-multiboot2 $(CROSS_BUILD)/kernel.elf; \
	then echo "ok 2 - the clang kernel is a multiboot2 image" >> $$tap; \
	else echo "not ok 2 - the clang kernel is not a multiboot2 image" >> $$tap; fi; \
	rm -rf $(CROSS_BUILD)/iso-ktest; cp -r $(BUILD)/iso-ktest $(CROSS_BUILD)/iso-ktest; \
	cp $(CROSS_BUILD)/kernel-ktest.elf $(CROSS_BUILD)/iso-ktest/boot/kernel.elf; \
	if grub-mkrescue -o $(CROSS_BUILD)/lightos-ktest.iso $(CROSS_BUILD)/iso-ktest > $(BUILD)/test/cross-iso.log 2>&1 && \
		$(PYTHON) scripts/qemu_test.py --iso $(CROSS_BUILD)/lightos-ktest.iso --kernel $(CROSS_BUILD)/kernel-ktest.elf \
		--log $(BUILD)/test/cross-ktest.log --tap $(BUILD)/test/cross-ktest.tap \
		--timeout 120 -- $(QEMU) $(QEMU_COMMON); \
	then echo "ok 3 - the clang kernel passes the kernel self-tests" >> $$tap; \
	else echo "not ok 3 - the clang kernel fails the kernel self-tests ($(BUILD)/test/cross-ktest.log)" >> $$tap; fi; \
	if nm $(KERNEL) | grep -q -w -e selftest_run_all -e ktest_check; \
	then echo "not ok 4 - $(KERNEL) contains the kernel self-tests" >> $$tap; \
	else echo "ok 4 - $(KERNEL) carries no self-tests (they are in $(KERNEL_KTEST))" >> $$tap; fi; \
	sed 's/^/  /' $$tap; ! grep -q '^not ok' $$tap
