# Host tests of the FAT32 library (libos/fs/fat) against images made and
# checked by mkfs.fat, mtools and fsck.fat (packages dosfstools, mtools).
TEST_SUITES += fat

FAT_SRCS := $(sort $(wildcard libos/fs/fat/*.c))
FAT_TEST := $(BUILD)/fat/test_fat

$(FAT_TEST): tests/fat/test_fat.c $(FAT_SRCS) $(wildcard libos/fs/fat/*.h) libos/include/lightos/fat.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Ilibos/include -Icap tests/fat/test_fat.c $(FAT_SRCS) $(HOST_LDFLAGS) -lcmocka -o $@

.PHONY: test-fat
test-fat: $(FAT_TEST)
	@mkdir -p $(BUILD)/test $(BUILD)/fat/scratch
	$(Q)PATH="$$PATH:/usr/sbin:/sbin" FAT_TEST_DIR=$(abspath $(BUILD)/fat/scratch) CMOCKA_MESSAGE_OUTPUT=TAP \
		$(FAT_TEST) > $(BUILD)/test/fat.tap 2>&1; rc=$$?; sed 's/^/  /' $(BUILD)/test/fat.tap; exit $$rc
