# The two-boot storage test: a FAT32 image made by mkfs.fat with a file
# put there by mcopy; boot 1 reads it and writes files through the shell
# (files:/disk: fatfs on virtio-blk found by pci); boot 2 reads them back;
# then the host's fsck.fat -n must find the image clean and mtype must read
# what LightOS wrote.
TEST_SUITES += storage

STORAGE_IMG  := $(BUILD)/test/storage.img
# What fsck.fat -n says about an unclean image (it exits 0 for some).
FSCK_FINDINGS := free cluster|differ|orphan|lost|bad|invalid|wrong|mismatch
STORAGE_QEMU  = -boot order=d -drive file=$(STORAGE_IMG),if=none,id=d0,format=raw -device virtio-blk-pci,drive=d0

.PHONY: test-storage
test-storage: $(ISO) | deps
	@mkdir -p $(BUILD)/test
	$(Q)rm -f $(STORAGE_IMG) && $(FAT_TOOLS_PATH) mkfs.fat -F 32 -C $(STORAGE_IMG) $(DISK_SIZE_KIB) >/dev/null && \
		$(FAT_TOOLS_PATH) mcopy -i $(STORAGE_IMG) init/files/disk/hello.txt ::/hello.txt
	$(Q)rc=0; : > $(BUILD)/test/storage.tap; \
	for boot in 1 2; do \
		$(PYTHON) scripts/shell_test.py --iso $(ISO) --script tests/storage/boot$$boot.script \
			--tap $(BUILD)/test/storage-boot$$boot.tap --log $(BUILD)/test/storage-boot$$boot.log \
			-- $(QEMU) $(QEMU_COMMON) $(STORAGE_QEMU) || rc=1; \
		grep -E '^(not )?ok' $(BUILD)/test/storage-boot$$boot.tap | sed "s/ - / - boot $$boot: /" >> $(BUILD)/test/storage.tap; \
		if [ $$boot = 1 ]; then \
			if $(FAT_TOOLS_PATH) fsck.fat -n $(STORAGE_IMG) > $(BUILD)/test/storage-fsck1.log 2>&1 && \
			   ! grep -qiE '$(FSCK_FINDINGS)' $(BUILD)/test/storage-fsck1.log; then \
				echo "ok - host: after fatfs was killed, fsck.fat -n finds the image clean" >> $(BUILD)/test/storage.tap; \
			else echo "not ok - host: after the kill, fsck.fat -n: `tr '\n' ' ' < $(BUILD)/test/storage-fsck1.log`" >> $(BUILD)/test/storage.tap; rc=1; fi; \
		fi; \
	done; \
	if $(FAT_TOOLS_PATH) fsck.fat -n $(STORAGE_IMG) > $(BUILD)/test/storage-fsck.log 2>&1 && \
	   ! grep -qiE '$(FSCK_FINDINGS)' $(BUILD)/test/storage-fsck.log; then \
		echo "ok - host: fsck.fat -n finds the image clean" >> $(BUILD)/test/storage.tap; \
	else echo "not ok - host: fsck.fat -n: `tr '\n' ' ' < $(BUILD)/test/storage-fsck.log`" >> $(BUILD)/test/storage.tap; rc=1; fi; \
	if [ "`$(FAT_TOOLS_PATH) mtype -i $(STORAGE_IMG) ::/note.txt`" = "written by LightOS in boot one" ] && \
	   [ "`$(FAT_TOOLS_PATH) mtype -i $(STORAGE_IMG) '::/Long_Directory.name/inner-file.text'`" = "nested and long" ]; then \
		echo "ok - host: mtype reads what LightOS wrote" >> $(BUILD)/test/storage.tap; \
	else echo "not ok - host: mtype does not read what LightOS wrote" >> $(BUILD)/test/storage.tap; rc=1; fi; \
	sed 's/^/  /' $(BUILD)/test/storage.tap; exit $$rc
