# Host unit tests of kernel library code that runs unchanged on the host,
# built with AddressSanitizer and UndefinedBehaviorSanitizer.
TEST_SUITES += host

HOSTTEST_BUILD := $(BUILD)/host
HOSTTESTS := printf bitmap string heap sha256 args tar
HOSTTEST_BINS := $(addprefix $(HOSTTEST_BUILD)/test_,$(HOSTTESTS))

$(HOSTTEST_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Ikern -c $< -o $@

# The kernel's string functions have the C library's names; renamed here so
# the test compares them with the host's own rather than replacing them.
KERN_STRING_RENAMES := $(foreach f,memcpy memmove memset memcmp strlen strnlen strcmp strncmp strlcpy,-D$(f)=kern_$(f))
$(HOSTTEST_BUILD)/kern_string.o: kern/lib/string.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -fno-builtin -Ikern $(KERN_STRING_RENAMES) -c $< -o $@

# Likewise vsnprintf/snprintf, for the code under test and the test itself.
PRINTF_RENAMES := -Dvsnprintf=kern_vsnprintf -Dsnprintf=kern_snprintf
$(HOSTTEST_BUILD)/kern_printf.o: kern/lib/printf.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -fno-builtin -Ikern $(PRINTF_RENAMES) -c $< -o $@
$(HOSTTEST_BUILD)/test_printf.o: tests/host/test_printf.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -fno-builtin -Wno-format-truncation -Ikern $(PRINTF_RENAMES) -c $< -o $@

$(HOSTTEST_BUILD)/test_printf: $(HOSTTEST_BUILD)/test_printf.o $(HOSTTEST_BUILD)/kern_printf.o
	$(Q)$(HOSTCC) $(HOST_LDFLAGS) $^ -lcmocka -o $@
$(HOSTTEST_BUILD)/test_bitmap: $(HOSTTEST_BUILD)/tests/host/test_bitmap.o $(HOSTTEST_BUILD)/kern/lib/bitmap.o
	$(Q)$(HOSTCC) $(HOST_LDFLAGS) $^ -lcmocka -o $@
$(HOSTTEST_BUILD)/test_string: $(HOSTTEST_BUILD)/tests/host/test_string.o $(HOSTTEST_BUILD)/kern_string.o
	$(Q)$(HOSTCC) $(HOST_LDFLAGS) $^ -lcmocka -o $@

$(HOSTTEST_BUILD)/libos/heap.o: libos/heap.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Ilibos/include -c $< -o $@
$(HOSTTEST_BUILD)/test_heap.o: tests/host/test_heap.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Ilibos/include -c $< -o $@
$(HOSTTEST_BUILD)/test_heap: $(HOSTTEST_BUILD)/test_heap.o $(HOSTTEST_BUILD)/libos/heap.o
	$(Q)$(HOSTCC) $(HOST_LDFLAGS) $^ -lcmocka -o $@

$(HOSTTEST_BUILD)/libos/sha256.o: libos/sha256.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Ilibos/include -c $< -o $@
$(HOSTTEST_BUILD)/test_sha256.o: tests/host/test_sha256.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Ilibos/include -c $< -o $@
$(HOSTTEST_BUILD)/test_sha256: $(HOSTTEST_BUILD)/test_sha256.o $(HOSTTEST_BUILD)/libos/sha256.o
	$(Q)$(HOSTCC) $(HOST_LDFLAGS) $^ -lcmocka -o $@

# The guest test suite's command-line options (tests/guest/user/args.c).
$(HOSTTEST_BUILD)/test_args: $(HOSTTEST_BUILD)/tests/host/test_args.o $(HOSTTEST_BUILD)/tests/guest/user/args.o
	$(Q)$(HOSTCC) $(HOST_LDFLAGS) $^ -lcmocka -o $@
$(HOSTTEST_BUILD)/libos/tar.o: libos/tar.c $(GEN_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Ilibos/include -Icap -I$(GEN_INCLUDE) -c $< -o $@
$(HOSTTEST_BUILD)/test_tar.o: tests/host/test_tar.c $(GEN_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Ilibos/include -Icap -I$(GEN_INCLUDE) -c $< -o $@
$(HOSTTEST_BUILD)/test_tar: $(HOSTTEST_BUILD)/test_tar.o $(HOSTTEST_BUILD)/libos/tar.o scripts/mkimage.py
	$(Q)$(HOSTCC) $(HOST_LDFLAGS) $(filter %.o,$^) -lcmocka -o $@

.PHONY: test-host
test-host: $(HOSTTEST_BINS)
	@mkdir -p $(BUILD)/test
	$(Q)rc=0; : > $(BUILD)/test/host.tap; \
	for t in $(HOSTTEST_BINS); do \
		CMOCKA_MESSAGE_OUTPUT=TAP $$t >> $(BUILD)/test/host.tap 2>&1 || rc=1; \
	done; \
	grep -E '^(not )?ok' $(BUILD)/test/host.tap | sed 's/^/  /'; exit $$rc

-include $(shell find $(HOSTTEST_BUILD) -name '*.d' 2>/dev/null)
