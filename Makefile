# LightOS: the one entry point.
#   make run      build the ISO and boot it in QEMU on this terminal
#   make test     every test suite; ends with "N passed, N failed"
#   make debug    boot paused, waiting for gdb
#   make help     all targets
# Options: V=1 shows commands, KVM=1 uses KVM when /dev/kvm works,
#          SMP=n virtual CPUs for make run (default 4),
#          CROSS=x86_64-elf- uses a cross toolchain for the kernel.

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
include kern/kern.mk
include cap/cap.mk
include tests/host/host.mk
include tests/fuzz/fuzz.mk
include tests/guest/guest.mk
include tests/bench/bench.mk

# The boot image, once every module has added to IMAGE_FILES.
$(IMAGE): $(foreach f,$(IMAGE_FILES),$(word 2,$(subst =, ,$(f)))) scripts/mkimage.py
	@$(if $(Q),echo "  IMAGE   $@")
	$(Q)$(PYTHON) scripts/mkimage.py $@ $(IMAGE_FILES)

.PHONY: all deps test run debug clean help

all: deps iso

deps:
	$(Q)bash scripts/deps.sh

test: deps
	$(Q)$(PYTHON) scripts/run_tests.py $(TEST_SUITES)

clean:
	rm -rf $(BUILD)

help:
	@sed -n 's/^#   /  /p' Makefile
	@echo "  make iso        build $(ISO)"
	@echo "  make kernel     build $(KERNEL)"
	@echo "  make test-<s>   run one suite: $(TEST_SUITES)"
