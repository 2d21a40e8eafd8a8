#include "lib/assert.h"
#include "lib/printf.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/qemu.h"
#include "arch/x86_64/multiboot.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "obj/log.h"

static int panicking;
static int panic_cpu = -1;

void panic_at(const char *file, int line, const char *fmt, ...)
{
	irq_disable();
	/* Write straight to the UART: the console lock may be what broke. */
	char buf[512];
	int n;
	if (__atomic_fetch_add(&panicking, 1, __ATOMIC_ACQ_REL)) {
		/* Another CPU is reporting: let it finish, stop here. */
		if (__atomic_load_n(&panic_cpu, __ATOMIC_ACQUIRE) != this_cpu_id())
			for (;;)
				halt();
		n = snprintf(buf, sizeof(buf), "\nPANIC (nested) at %s:%d\n", file, line);
		serial_write(buf, (unsigned long)n);
		qemu_exit(QEMU_EXIT_FAILURE);
	}
	__atomic_store_n(&panic_cpu, this_cpu_id(), __ATOMIC_RELEASE);
	smp_stop_others();
	/* What the logger had not shown yet comes first: a failing test's
	 * last words are never lost. Later kprintf goes to the UART too. */
	log_emergency();
	n = snprintf(buf, sizeof(buf), "\nPANIC at %s:%d: ", file, line);
	serial_write(buf, (unsigned long)n);
	va_list ap;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	serial_write(buf, (unsigned long)(n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1));
	serial_write("\n", 1);
	print_backtrace(0, (uint64_t)__builtin_frame_address(0));
	/* Under test the run must end now, as a failure; otherwise stay stopped
	 * so the message stays on screen. */
	if (cmdline_is_test_run())
		qemu_exit(QEMU_EXIT_FAILURE);
	for (;;)
		halt();
}
