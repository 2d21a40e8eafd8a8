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
			if grep -qE 'pci: .* 1af4:(1001|1042) class 01\.00 irq [0-9]+ driver virtio_blk' $(BUILD)/test/storage-boot1.log && \
			   grep -qE 'pci: .* 8086:100e class 02\.00 irq [0-9]+ driver none' $(BUILD)/test/storage-boot1.log; then \
				echo "ok - boot 1: pci starts the driver the policy names (virtio_blk), none for the network card" >> $(BUILD)/test/storage.tap; \
			else echo "not ok - boot 1: pci's drivers are not the policy's" >> $(BUILD)/test/storage.tap; rc=1; fi; \
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

# The malformed-disk suite: a FAT32 image made by mkfs.fat and mcopy, then
# damaged the same way every run by tests/storage/corrupt_fat.py (a looping
# chain; links past the volume, to a free cluster, to reserved cluster 1; a
# first cluster past the volume; a size beyond its chain; a looping
# directory; a long name with a bad checksum). The host's fsck.fat -n must
# report each damage; boot 1's shell commands must see BAD_FORMAT for each
# and a working system around them. Boot 2's image says 0 sectors per
# cluster: fatfs refuses it with the reason in the log, the rest works.
TEST_SUITES += storage-corrupt

CORRUPT_DIR  := $(BUILD)/test/corrupt
CORRUPT_IMG  := $(CORRUPT_DIR)/corrupt.img
CORRUPT_QEMU  = -boot order=d -drive file=$(CORRUPT_IMG),if=none,id=d0,format=raw -device virtio-blk-pci,drive=d0
CORRUPT_FSCK := /LOOP.BIN /PASTVOL.BIN /TOFREE.BIN /RESERVED.BIN /FIRSTPST.BIN /BIG.BIN /LOOPDIR \
		Checksum.in.long.filename.part.wrong

.PHONY: test-storage-corrupt
test-storage-corrupt: $(ISO) | deps
	$(Q)rm -rf $(CORRUPT_DIR) && mkdir -p $(CORRUPT_DIR) && \
		$(PYTHON) tests/storage/corrupt_fat.py --files $(CORRUPT_DIR)/files && \
		$(FAT_TOOLS_PATH) mkfs.fat -F 32 -C $(CORRUPT_IMG) $(DISK_SIZE_KIB) >/dev/null && \
		cd $(CORRUPT_DIR)/files && $(FAT_TOOLS_PATH) mcopy -i ../corrupt.img loop.bin pastvol.bin tofree.bin \
			reserved.bin firstpst.bin big.bin good.txt A-long-file-name.txt ::/ && \
		$(FAT_TOOLS_PATH) mcopy -s -i ../corrupt.img loopdir ::/
	$(Q)$(PYTHON) tests/storage/corrupt_fat.py $(CORRUPT_IMG)
	$(Q)rc=0; tap=$(CORRUPT_DIR)/corrupt.tap; : > $$tap; \
	$(FAT_TOOLS_PATH) fsck.fat -n $(CORRUPT_IMG) > $(CORRUPT_DIR)/fsck.log 2>&1; \
	for what in $(CORRUPT_FSCK); do \
		if grep -qE "$$what" $(CORRUPT_DIR)/fsck.log; then echo "ok - host: fsck.fat -n reports $$what" >> $$tap; \
		else echo "not ok - host: fsck.fat -n does not report $$what" >> $$tap; rc=1; fi; \
	done; \
	$(PYTHON) scripts/shell_test.py --iso $(ISO) --script tests/storage/corrupt.script \
		--tap $(CORRUPT_DIR)/boot1.tap --log $(CORRUPT_DIR)/boot1.log \
		-- $(QEMU) $(QEMU_COMMON) $(CORRUPT_QEMU) || rc=1; \
	grep -E '^(not )?ok' $(CORRUPT_DIR)/boot1.tap | sed "s/ - / - damaged: /" >> $$tap; \
	$(PYTHON) tests/storage/corrupt_fat.py $(CORRUPT_IMG) --spc0; \
	$(PYTHON) scripts/shell_test.py --iso $(ISO) --script tests/storage/corrupt-spc0.script \
		--tap $(CORRUPT_DIR)/boot2.tap --log $(CORRUPT_DIR)/boot2.log \
		-- $(QEMU) $(QEMU_COMMON) $(CORRUPT_QEMU) || rc=1; \
	grep -E '^(not )?ok' $(CORRUPT_DIR)/boot2.tap | sed "s/ - / - 0 sectors per cluster: /" >> $$tap; \
	if grep -q 'fatfs: cannot mount: BAD_FORMAT: sectors per cluster' $(CORRUPT_DIR)/boot2.log; then \
		echo "ok - 0 sectors per cluster: fatfs refuses the volume and says why" >> $$tap; \
	else echo "not ok - 0 sectors per cluster: no refusal with a reason in the log" >> $$tap; rc=1; fi; \
	cp $$tap $(BUILD)/test/storage-corrupt.tap; sed 's/^/  /' $$tap; exit $$rc
