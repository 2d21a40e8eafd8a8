# cap/: the capability core, and its host tests, fuzzer, stress test and
# benchmark. The same cap/*.c files compile into the kernel (kern.mk).

CAP_SRCS := cap/object.c cap/handle_table.c cap/revoke.c
CAPTEST_BUILD := $(BUILD)/cap
CAPTEST_CFLAGS = -Icap -Itests/cap -I$(GEN_INCLUDE)
CAPTEST_SUPPORT := tests/cap/cap_platform.c tests/cap/test_objects.c

TEST_SUITES += cap cap-fuzz cap-tsan

# Unit tests: gcc, AddressSanitizer + UndefinedBehaviorSanitizer.
$(CAPTEST_BUILD)/test_cap: tests/cap/test_cap.c $(GEN_STAMP) $(CAP_SRCS) $(CAPTEST_SUPPORT) cap/*.h tests/cap/*.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(CAPTEST_CFLAGS) $(filter %.c,$^) -lcmocka -pthread -o $@

$(CAPTEST_BUILD)/test_revoke: tests/cap/test_revoke.c $(GEN_STAMP) $(CAP_SRCS) $(CAPTEST_SUPPORT) cap/*.h tests/cap/*.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(CAPTEST_CFLAGS) $(filter %.c,$^) -lcmocka -pthread -o $@

.PHONY: test-cap
test-cap: $(CAPTEST_BUILD)/test_cap $(CAPTEST_BUILD)/test_revoke
	@mkdir -p $(BUILD)/test
	$(Q)rc=0; for t in $^; do CMOCKA_MESSAGE_OUTPUT=TAP $$t >> $(BUILD)/test/cap.tap.new 2>&1 || rc=1; done; \
		mv $(BUILD)/test/cap.tap.new $(BUILD)/test/cap.tap; \
		grep -E '^(not )?ok' $(BUILD)/test/cap.tap | sed 's/^/  /'; \
		grep -v -E '^(ok|#|1\.\.)' $(BUILD)/test/cap.tap | head -40; exit $$rc

# Model-based fuzzer: fixed programs in `make test`, libFuzzer in `make fuzz`.
$(CAPTEST_BUILD)/fuzz_cap_driver: tests/cap/fuzz_cap.c $(CAP_SRCS) $(CAPTEST_SUPPORT) cap/*.h tests/cap/*.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -DFUZZ_DRIVER $(CAPTEST_CFLAGS) $(filter %.c,$^) -pthread -o $@

$(CAPTEST_BUILD)/fuzz_cap: tests/cap/fuzz_cap.c $(CAP_SRCS) $(CAPTEST_SUPPORT) cap/*.h tests/cap/*.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(FUZZCC) -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
		$(CAPTEST_CFLAGS) $(filter %.c,$^) -pthread -o $@

.PHONY: test-cap-fuzz fuzz-cap
test-cap-fuzz: $(CAPTEST_BUILD)/fuzz_cap_driver
	@mkdir -p $(BUILD)/test
	$(Q)$< 20000 > $(BUILD)/test/cap-fuzz.tap 2>&1; rc=$$?; cat $(BUILD)/test/cap-fuzz.tap | sed 's/^/  /'; exit $$rc

FUZZ_TIME ?= 60
FUZZ_TARGETS += fuzz-cap
fuzz-cap: $(CAPTEST_BUILD)/fuzz_cap
	@mkdir -p $(BUILD)/fuzz/cap-corpus
	$(Q)cp -n tests/cap/corpus/* $(BUILD)/fuzz/cap-corpus/ 2>/dev/null || true
	$(Q)$< -max_total_time=$(FUZZ_TIME) -print_final_stats=1 $(BUILD)/fuzz/cap-corpus

# Concurrency: many threads on one table, under ThreadSanitizer.
$(CAPTEST_BUILD)/stress_cap: tests/cap/stress_cap.c $(CAP_SRCS) $(CAPTEST_SUPPORT) cap/*.h tests/cap/*.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@ (tsan)")
	$(Q)$(HOSTCC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -fsanitize=thread \
		$(CAPTEST_CFLAGS) $(filter %.c,$^) -pthread -o $@

.PHONY: test-cap-tsan
test-cap-tsan: $(CAPTEST_BUILD)/stress_cap
	@mkdir -p $(BUILD)/test
	$(Q)TSAN_OPTIONS=halt_on_error=1 $< > $(BUILD)/test/cap-tsan.tap 2>&1; rc=$$?; \
		head -60 $(BUILD)/test/cap-tsan.tap | sed 's/^/  /'; exit $$rc

# Microbenchmark (not part of make test): make bench-cap
$(CAPTEST_BUILD)/bench_cap: tests/cap/bench_cap.c $(CAP_SRCS) $(CAPTEST_SUPPORT) cap/*.h tests/cap/*.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -std=gnu11 -O2 -g -Wall -Wextra -Werror $(CAPTEST_CFLAGS) $(filter %.c,$^) -pthread -o $@

.PHONY: bench-cap
bench-cap: $(CAPTEST_BUILD)/bench_cap
	$(Q)$<
