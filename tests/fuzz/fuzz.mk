# Fuzzing the parsers of untrusted input (host, libFuzzer). `make test`
# runs each target's fixed driver; `make fuzz FUZZ_TIME=600` runs libFuzzer.
FUZZ_PARSERS := elf tar path
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_SRCS    := tests/fuzz/fuzz_parsers.c elf/elf.c libos/tar.c libos/registry_path.c
FUZZ_INC     := -Ielf -Ilibos/include -Icap -I$(GEN_INCLUDE)

TEST_SUITES += parsers-fuzz

$(FUZZ_BUILD)/driver_%: $(FUZZ_SRCS) $(GEN_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -DFUZZ_DRIVER -DFUZZ_TARGET_$(shell echo $* | tr a-z A-Z)=1 \
		$(FUZZ_INC) $(FUZZ_SRCS) -o $@

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_SRCS) $(GEN_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(FUZZCC) -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
		-DFUZZ_TARGET_$(shell echo $* | tr a-z A-Z)=1 $(FUZZ_INC) $(FUZZ_SRCS) -o $@

.PHONY: test-parsers-fuzz
test-parsers-fuzz: $(addprefix $(FUZZ_BUILD)/driver_,$(FUZZ_PARSERS))
	@mkdir -p $(BUILD)/test
	$(Q)rc=0; : > $(BUILD)/test/parsers-fuzz.tap; \
	for t in $(FUZZ_PARSERS); do \
		$(FUZZ_BUILD)/driver_$$t 20000 tests/fuzz/corpus/$$t | grep -v '^1\.\.' >> $(BUILD)/test/parsers-fuzz.tap || \
			{ echo "not ok - fuzz driver $$t crashed" >> $(BUILD)/test/parsers-fuzz.tap; rc=1; }; \
	done; sed 's/^/  /' $(BUILD)/test/parsers-fuzz.tap; exit $$rc

define fuzz-parser-rule
FUZZ_TARGETS += fuzz-$(1)
.PHONY: fuzz-$(1)
fuzz-$(1): $(FUZZ_BUILD)/fuzz_$(1)
	@mkdir -p $(FUZZ_BUILD)/corpus-$(1)
	$(Q)cp -n tests/fuzz/corpus/$(1)/* $(FUZZ_BUILD)/corpus-$(1)/ 2>/dev/null || true
	$(Q)$$< -max_total_time=$$(FUZZ_TIME) -print_final_stats=1 $(FUZZ_BUILD)/corpus-$(1)
endef
$(foreach p,$(FUZZ_PARSERS),$(eval $(call fuzz-parser-rule,$(p))))

.PHONY: fuzz
fuzz: $(FUZZ_TARGETS)
