# libos/: liblightos, the library every LightOS program links.

UCC    := $(CROSS)gcc
ULD    := $(CROSS)ld
UAR    := $(CROSS)ar
UBUILD := $(BUILD)/user

USER_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -MMD -MP \
	-ffreestanding -nostdlib -fno-builtin -fno-stack-protector \
	-fno-pic -fno-pie -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-mgeneral-regs-only \
	-Ilibos/include -Icap -Ielf -I$(BUILD)/gen/include
USER_LDFLAGS := -static -nostdlib -z max-page-size=0x1000 -z noexecstack \
	-T libos/user.ld

# The kernel's printf and string functions, the status names and the ELF
# parser are shared with user space: one copy of each in the tree.
SHARED_C_SRCS  := kern/lib/printf.c kern/lib/string.c cap/status.c elf/elf.c
LIBOS_C_SRCS   := $(shell find libos -name '*.c' -not -path 'libos/drivers/*' | sort) $(SHARED_C_SRCS)
LIBOS_ASM_SRCS := $(shell find libos -name '*.asm' | sort)
LIBOS_OBJS := $(patsubst %.c,$(UBUILD)/%.o,$(LIBOS_C_SRCS)) \
              $(patsubst %.asm,$(UBUILD)/%.asm.o,$(LIBOS_ASM_SRCS)) \
              $(UBUILD)/gen/protocols.o $(UBUILD)/gen/policy_table.o
LIBOS := $(UBUILD)/liblightos.a

$(UBUILD)/gen/policy_table.o: $(POLICY_TABLE)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  UCC     $<")
	$(Q)$(UCC) $(USER_CFLAGS) -c $< -o $@

$(UBUILD)/gen/protocols.o: $(GEN_USER_SRCS) $(GEN_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  UCC     $<")
	$(Q)$(UCC) $(USER_CFLAGS) -c $< -o $@

# The shared kernel library files find their own headers under kern/.
$(UBUILD)/kern/lib/%.o: kern/lib/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  UCC     $<")
	$(Q)$(UCC) $(USER_CFLAGS) -Ikern -c $< -o $@

$(UBUILD)/libos/runtime.o: libos/runtime.c $(GEN_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  UCC     $<")
	$(Q)$(UCC) $(USER_CFLAGS) -Ikern -c $< -o $@

$(UBUILD)/%.o: %.c $(GEN_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  UCC     $<")
	$(Q)$(UCC) $(USER_CFLAGS) -c $< -o $@

$(UBUILD)/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) -f elf64 -g -F dwarf -Wall -Werror -MD $(@:.o=.d) -MP $< -o $@

$(LIBOS): $(LIBOS_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(UAR) rcs $@ $^

# link-program NAME, objects: a static user program at $(UBUILD)/NAME.elf
define link-program
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  ULD     $@")
	$(Q)$(ULD) $(USER_LDFLAGS) -o $@ $(1) $(LIBOS)
endef

-include $(LIBOS_OBJS:.o=.d)
