# In-QEMU suites: boot the test ISO, read results over serial.
TEST_SUITES += guest

.PHONY: test-guest
test-guest: $(ISO_TEST)
	@mkdir -p $(BUILD)/test
	$(Q)$(PYTHON) scripts/qemu_test.py --iso $(ISO_TEST) \
		--log $(BUILD)/test/guest.log --tap $(BUILD)/test/guest.tap \
		--timeout 120 -- $(QEMU) $(QEMU_COMMON)
