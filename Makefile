# LightOS: the one entry point.
#   make run      build the ISO and boot it in QEMU on this terminal
#   make test     every test suite; ends with "N passed, N failed"
#   make debug    boot paused, waiting for gdb
#   make help     all targets
# Options: V=1 shows commands, KVM=1 uses KVM when /dev/kvm works,
#          SMP=n virtual CPUs for make run (default 2),
#          CROSS=x86_64-elf- uses a GNU cross toolchain for the kernel,
#          KERNEL_CC=clang uses clang --target=x86_64-unknown-elf and ld.lld.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

BUILD   := build
PYTHON  := /usr/bin/python3
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)
CROSS   ?=

# Tools for code that runs on the host (tests, fuzzers, benchmarks).
HOSTCC     := gcc
FUZZCC     := clang
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -MMD -MP \
               -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
HOST_LDFLAGS := -fsanitize=address,undefined

# Every module adds its test suites to TEST_SUITES; `make test-<suite>`
# runs one and leaves its results in $(BUILD)/test/<suite>.tap or .xml.
TEST_SUITES :=

include gen/gen.mk
include libos/libos.mk
include init/init.mk
include init/disk.mk
include kern/kern.mk
include cap/cap.mk
include tests/host/host.mk
include tests/fuzz/fuzz.mk
include tests/fat/fat.mk
include tests/storage/storage.mk
include tests/guest/guest.mk
include tests/bench/bench.mk

# The boot image, once every module has added to IMAGE_FILES.
$(IMAGE): $(foreach f,$(IMAGE_FILES),$(word 2,$(subst =, ,$(f)))) scripts/mkimage.py
	@$(if $(Q),echo "  IMAGE   $@")
	$(Q)$(PYTHON) scripts/mkimage.py $@ $(IMAGE_FILES)

.PHONY: all deps test run debug clean help compile_commands.json

all: deps iso

deps:
	$(Q)bash scripts/deps.sh

test: deps
	$(Q)$(PYTHON) scripts/run_tests.py $(TEST_SUITES)

clean:
	rm -rf $(BUILD)

# For editors and clang-tidy: every compiler command of the kernel (both
# images), liblightos and the programs, recorded by bear while they are
# rebuilt (-B: an up-to-date file would not be compiled, so not recorded).
compile_commands.json: deps
	$(Q)bear --output $@ -- $(MAKE) --no-print-directory -B $(ISO) $(KERNEL_KTEST)
	@echo "  wrote $@ ($$(grep -c '"file"' $@) files)"

help:
	@echo "Build and run:"
	@echo "  make / make all       check tools (deps), then build the boot ISO"
	@echo "  make deps             check the host tools are installed"
	@echo "  make kernel           build $(KERNEL) (self-tests: $(KERNEL_KTEST))"
	@echo "  make kernel KERNEL_CC=clang  the kernel with clang --target=x86_64-unknown-elf"
	@echo "  make compile_commands.json  compiler commands for editors, clang-tidy (bear)"
	@echo "  make iso              build $(ISO); make iso-test: the test ISO"
	@echo "  make run              boot the ISO in QEMU on this terminal"
	@echo "  make debug            boot paused, waiting for gdb"
	@echo "  make clean            remove $(BUILD)/"
	@echo "  make disk             build/disk.img, the FAT32 disk make run attaches"
	@echo "  make disk-clean       remove build/disk.img (make run makes a fresh one)"
	@echo "  make help             this list"
	@echo "Generated code (gen/):"
	@echo "  make gen              compile idl/*.idl into $(GEN_DIR)"
	@echo "  make docs             the generated reference, in $(GEN_DIR)/docs/"
	@echo "  make abi-lock         rewrite idl/abi.lock (IDLC_FLAGS=--break-abi to accept a break)"
	@echo "  make audit            audit init/system.policy against the IDL's rights"
	@echo "Tests:"
	@echo "  make test             every suite; ends with \"N passed, N failed\""
	@echo "  make test-<suite>     one suite: $(TEST_SUITES)"
	@echo "  make test-smp         just the four-CPU suites: $(addprefix test-,$(SMP_TEST_SUITES))"
	@echo "  make fuzz-guest       long in-guest syscall fuzz (FUZZ_SEED, FUZZ_CALLS)"
	@echo "  make fuzz             every libFuzzer target for FUZZ_TIME s: $(FUZZ_TARGETS)"
	@echo "  make fuzz-<target>    one of them"
	@echo "  make test-parsers-fuzz  the parser fuzz drivers over their corpora"
	@echo "Benchmarks:"
	@echo "  make bench            in-guest benchmarks; bench-compare: against Linux; bench-cap: the capability core"
	@echo "  make bench-smp        the cases across CPUs alone (BENCH_SMP=2 virtual CPUs; part of make bench)"
	@echo "  make bench-storage-compare  bench's storage cases against Linux's vfat on the same disk"
