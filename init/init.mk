# init/: the first process.
INIT_SRCS := $(sort $(wildcard init/*.c))
INIT_OBJS := $(patsubst %.c,$(UBUILD)/%.o,$(INIT_SRCS))
INIT_ELF  := $(UBUILD)/init.elf

$(INIT_ELF): $(INIT_OBJS) $(LIBOS) libos/user.ld
	$(call link-program,$(INIT_OBJS))

-include $(INIT_OBJS:.o=.d)
