# cap/: the capability core, and its host tests, fuzzer, stress test and
# benchmark. The same cap/*.c files compile into the kernel (kern.mk).

CAP_SRCS := cap/object.c cap/handle_table.c cap/status.c
CAPTEST_BUILD := $(BUILD)/cap
CAPTEST_CFLAGS = -Icap -Itests/cap
CAPTEST_SUPPORT := tests/cap/cap_platform.c tests/cap/test_objects.c

TEST_SUITES += cap cap-fuzz cap-tsan

# Unit tests: gcc, AddressSanitizer + UndefinedBehaviorSanitizer.
$(CAPTEST_BUILD)/test_cap: tests/cap/test_cap.c $(CAP_SRCS) $(CAPTEST_SUPPORT) cap/*.h tests/cap/*.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(CAPTEST_CFLAGS) $(filter %.c,$^) -lcmocka -pthread -o $@

.PHONY: test-cap
test-cap: $(CAPTEST_BUILD)/test_cap
	@mkdir -p $(BUILD)/test
	$(Q)CMOCKA_MESSAGE_OUTPUT=TAP $< > $(BUILD)/test/cap.tap 2>&1; rc=$$?; \
		grep -E '^(not )?ok' $(BUILD)/test/cap.tap | sed 's/^/  /'; \
		grep -v -E '^(ok|#|1\.\.)' $(BUILD)/test/cap.tap | head -40; exit $$rc
