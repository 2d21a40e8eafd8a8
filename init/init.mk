# init/: the first process.
INIT_SRCS := $(sort $(wildcard init/*.c))
INIT_OBJS := $(patsubst %.c,$(UBUILD)/%.o,$(INIT_SRCS))
INIT_ELF  := $(UBUILD)/init.elf

$(INIT_ELF): $(INIT_OBJS) $(LIBOS) libos/user.ld
	$(call link-program,$(INIT_OBJS))

-include $(INIT_OBJS:.o=.d)

# The boot image: a tar archive GRUB loads as the module "image"; init
# gets it as a read-only VMO. Modules add to IMAGE_FILES (name=path).
IMAGE_FILES += etc/motd=init/files/etc/motd
IMAGE := $(BUILD)/image.tar   # built in the top Makefile, after every module added its files

# Programs in the boot image, one C file each: init/programs/<name>.c and
# the user-space drivers libos/drivers/<name>.c become bin/<name>.
PROGRAM_SRCS := $(sort $(wildcard init/programs/*.c libos/drivers/*.c))
PROGRAMS     := $(foreach s,$(PROGRAM_SRCS),$(UBUILD)/bin/$(basename $(notdir $(s))).elf)

define program-rule
$(UBUILD)/bin/$(basename $(notdir $(1))).elf: $(UBUILD)/$(1:.c=.o) $(LIBOS) libos/user.ld
	$$(call link-program,$(UBUILD)/$(1:.c=.o))
IMAGE_FILES += bin/$(basename $(notdir $(1)))=$(UBUILD)/bin/$(basename $(notdir $(1))).elf
endef
$(foreach s,$(PROGRAM_SRCS),$(eval $(call program-rule,$(s))))

-include $(PROGRAM_SRCS:%.c=$(UBUILD)/%.d)

# Programs with a folder of their own: init/programs/<name>/*.c become
# bin/<name>.
PROGRAM_DIRS := $(sort $(patsubst %/,%,$(dir $(wildcard init/programs/*/*.c))))

define program-dir-rule
$(UBUILD)/bin/$(notdir $(1)).elf: $(patsubst %.c,$(UBUILD)/%.o,$(wildcard $(1)/*.c)) $(LIBOS) libos/user.ld
	$$(call link-program,$(patsubst %.c,$(UBUILD)/%.o,$(wildcard $(1)/*.c)))
IMAGE_FILES += bin/$(notdir $(1))=$(UBUILD)/bin/$(notdir $(1)).elf
-include $(patsubst %.c,$(UBUILD)/%.d,$(wildcard $(1)/*.c))
endef
$(foreach d,$(PROGRAM_DIRS),$(eval $(call program-dir-rule,$(d))))
PROGRAMS += $(foreach d,$(PROGRAM_DIRS),$(UBUILD)/bin/$(notdir $(d)).elf)
