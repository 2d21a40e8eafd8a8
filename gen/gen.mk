# gen/: the IDL compiler. Everything under $(BUILD)/gen comes from idl/*.idl.

IDLC        := $(PYTHON) gen/idlc.py
IDL_FILES   := $(sort $(wildcard idl/*.idl))
GEN_DIR     := $(BUILD)/gen
GEN_STAMP   := $(GEN_DIR)/.stamp
GEN_INCLUDE := $(GEN_DIR)/include
GEN_KERN_SRCS := $(GEN_DIR)/kern/dispatch.c
GEN_USER_SRCS := $(GEN_DIR)/libos/protocols.c
POLICY        := init/system.policy
POLICY_TABLE  := $(GEN_DIR)/libos/policy_table.c
IDLC_FLAGS  ?=

# The kernel build also checks that every call has its <call>() in
# kern/obj/<owner>.c, naming any that is missing with its signature.
$(GEN_STAMP): $(IDL_FILES) idl/abi.lock $(wildcard gen/*.py gen/idl/*.py gen/templates/*) \
		cap/status.h cap/rights.h $(wildcard kern/obj/*.c) kern/obj/held_calls.h
	@mkdir -p $(GEN_DIR)
	@$(if $(Q),echo "  IDLC    idl/*.idl")
	$(Q)$(IDLC) --idl idl --cap cap --out $(GEN_DIR) --lock idl/abi.lock \
		--check-impl kern/obj $(IDLC_FLAGS)
	$(Q)touch $@

$(GEN_KERN_SRCS) $(GEN_USER_SRCS) $(GEN_DIR)/rights.json: $(GEN_STAMP)

# The rights policy, compiled into the table liblightos carries.
$(POLICY_TABLE): $(POLICY) gen/policy.py $(GEN_STAMP)
	@$(if $(Q),echo "  POLICY  $(POLICY)")
	$(Q)$(PYTHON) gen/policy.py $(POLICY) --cap cap --rights $(GEN_DIR)/rights.json --out $@

# The static audit of the policy against the IDL's rights data.
.PHONY: audit
# The programs and their digests come from the boot image itself. Named by
# its path: $(IMAGE) is set in init/init.mk, included after this file, and a
# prerequisite is expanded when its rule is read (it was empty, so a fresh
# tree's `make audit` found no image).
audit: $(GEN_STAMP) $(BUILD)/image.tar
	$(Q)$(PYTHON) gen/audit.py $(POLICY) --cap cap --rights $(GEN_DIR)/rights.json \
		--image $(IMAGE) $(AUDIT_FLAGS)

.PHONY: gen docs abi-lock
gen: $(GEN_STAMP)

# The reference is generated into $(GEN_DIR)/docs/ only (never committed,
# so it cannot go stale): one page per type or call group, and protocols.
docs: $(GEN_STAMP)
	@echo "reference: $(GEN_DIR)/docs/index.md"

# Rewrite idl/abi.lock (every build already records new calls and types;
# IDLC_FLAGS=--break-abi accepts a renumbered, retyped or removed one).
abi-lock:
	$(Q)$(IDLC) --idl idl --cap cap --out $(GEN_DIR) --lock idl/abi.lock --update-lock $(IDLC_FLAGS)

TEST_SUITES += gen
.PHONY: test-gen
test-gen:
	@mkdir -p $(BUILD)/test
	$(Q)$(PYTHON) -m pytest -q -p no:cacheprovider tests/gen --junitxml=$(BUILD)/test/gen.xml
