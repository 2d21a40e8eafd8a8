# The disk `make run` attaches: a FAT32 image made with Debian's tools
# (mkfs.fat from dosfstools, mcopy from mtools), holding a sample file. It
# is kept across runs, so what LightOS writes there stays; `make disk-clean`
# removes it and the next `make run` makes a fresh one.
DISK_IMG      := $(BUILD)/disk.img
DISK_SIZE_KIB := 65536
DISK_QEMU      = -boot order=d -drive file=$(DISK_IMG),if=none,id=d0,format=raw -device virtio-blk-pci,drive=d0
# mkfs.fat lives in /usr/sbin, which a user's PATH may lack.
FAT_TOOLS_PATH := PATH="$$PATH:/usr/sbin:/sbin" MTOOLS_SKIP_CHECK=1

# Order-only on deps: the tools are installed before the recipe runs.
$(DISK_IMG): init/files/disk/hello.txt | deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MKFS    $@")
	$(Q)rm -f $@.tmp && $(FAT_TOOLS_PATH) mkfs.fat -F 32 -n LIGHTOS -C $@.tmp $(DISK_SIZE_KIB) >/dev/null
	$(Q)$(FAT_TOOLS_PATH) mcopy -i $@.tmp init/files/disk/hello.txt ::/hello.txt
	$(Q)mv $@.tmp $@

.PHONY: disk disk-clean
disk: $(DISK_IMG)
disk-clean:
	rm -f $(DISK_IMG)
