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
