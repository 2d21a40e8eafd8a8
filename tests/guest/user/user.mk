# The user-space test programs that go into the boot image.
UTEST_SRCS := $(sort $(wildcard tests/guest/user/main.c tests/guest/user/args.c tests/guest/user/reg_support.c \
			       tests/guest/user/test_*.c))
UTEST_OBJS := $(patsubst %.c,$(UBUILD)/%.o,$(UTEST_SRCS)) $(UBUILD)/gen/negative_rights.o \
	      $(UBUILD)/gen/negative_protocols.o
UTEST_ELF  := $(UBUILD)/utest.elf
CHILD_OBJS := $(UBUILD)/tests/guest/user/child.o
CHILD_ELF  := $(UBUILD)/child.elf

$(UBUILD)/gen/negative_rights.o: $(GEN_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  UCC     $(GEN_DIR)/tests/negative_rights.c")
	$(Q)$(UCC) $(USER_CFLAGS) -c $(GEN_DIR)/tests/negative_rights.c -o $@

$(UBUILD)/gen/negative_protocols.o: $(GEN_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  UCC     $(GEN_DIR)/tests/negative_protocols.c")
	$(Q)$(UCC) $(USER_CFLAGS) -c $(GEN_DIR)/tests/negative_protocols.c -o $@

$(UTEST_ELF): $(UTEST_OBJS) $(LIBOS) libos/user.ld
	$(call link-program,$(UTEST_OBJS))

$(CHILD_ELF): $(CHILD_OBJS) $(LIBOS) libos/user.ld
	$(call link-program,$(CHILD_OBJS))

IMAGE_FILES += bin/utest=$(UTEST_ELF) bin/child=$(CHILD_ELF)
# The same child under other programs' names (init/system.policy): its
# identity, not its bytes, decides its policy. pinned: no program at all.
IMAGE_FILES += bin/nothing=$(CHILD_ELF) bin/leased=$(CHILD_ELF) bin/names=$(CHILD_ELF) bin/pinned=tests/guest/user/pinned.txt

-include $(UTEST_OBJS:.o=.d) $(CHILD_OBJS:.o=.d)

FUZZ_GUEST_OBJS := $(UBUILD)/tests/guest/fuzz/fuzz.o
FUZZ_GUEST_ELF  := $(UBUILD)/fuzz.elf
$(FUZZ_GUEST_ELF): $(FUZZ_GUEST_OBJS) $(LIBOS) libos/user.ld
	$(call link-program,$(FUZZ_GUEST_OBJS))
IMAGE_FILES += bin/fuzz=$(FUZZ_GUEST_ELF)
-include $(FUZZ_GUEST_OBJS:.o=.d)
