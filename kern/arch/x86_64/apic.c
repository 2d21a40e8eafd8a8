/* Local APIC and I/O APIC, through their MMIO registers (xAPIC mode). */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/trap.h"
#include "mm/paging.h"
#include "mm/layout.h"
#include "sched/spinlock.h"
#include "lib/assert.h"
#include "lib/printf.h"

#define LAPIC_ID       0x020
#define LAPIC_TPR      0x080
#define LAPIC_EOI      0x0b0
#define LAPIC_SVR      0x0f0
#define LAPIC_ESR      0x280
#define LAPIC_ICR_LO   0x300
#define LAPIC_ICR_HI   0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0

#define SVR_ENABLE        (1u << 8)
#define LVT_MASKED        (1u << 16)
#define LVT_PERIODIC      (1u << 17)
#define ICR_PENDING       (1u << 12)
#define ICR_LEVEL_ASSERT  (1u << 14)
#define ICR_INIT          (5u << 8)
#define ICR_STARTUP       (6u << 8)
#define ICR_ALL_BUT_SELF  (3u << 18)

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN    0x10
#define IOAPIC_REDTBL 0x10
#define RED_MASKED    (1u << 16)
#define RED_LEVEL     (1u << 15)
#define RED_ACTIVE_LOW (1u << 13)

static volatile uint32_t *lapic;
static volatile uint32_t *ioapic;
static uint32_t ioapic_gsi_base;
static uint32_t timer_count;          /* initial count for one tick */
static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic");
bool ioapic_active;

static void *map_mmio(uint64_t pa)
{
	uint64_t va = DIRECT_MAP_BASE + pa;
	/* The direct map covers RAM only; device pages get their own, uncached. */
	status_t st = vm_map(&kernel_as, va, pa, VM_WRITE | VM_NOCACHE);
	if (st != LO_OK && st != LO_ERR_ALREADY_EXISTS)
		panic("apic: cannot map MMIO at 0x%lx (%d)", pa, st);
	return (void *)va;
}

static uint32_t lapic_read(uint32_t reg)
{
	return lapic[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
	(void)lapic[LAPIC_ID / 4];   /* wait for the write to land */
}

void lapic_map(uint64_t pa)
{
	lapic = map_mmio(pa);
}

bool lapic_present(void)
{
	return lapic != NULL;
}

void lapic_cpu_init(void)
{
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static void send_icr(uint32_t apic_id, uint32_t low)
{
	int were = irq_save();
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		cpu_relax();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, low);
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		cpu_relax();
	irq_restore(were);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	send_icr(apic_id, vector);
}

void lapic_send_ipi_others(uint8_t vector)
{
	send_icr(0, ICR_ALL_BUT_SELF | vector);
}

void lapic_send_init(uint32_t apic_id)
{
	send_icr(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_startup(uint32_t apic_id, uint32_t page)
{
	send_icr(apic_id, ICR_STARTUP | (page & 0xff));
}

#define CALIBRATE_US 10000

void lapic_timer_calibrate(void)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3);          /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	pit_delay_us(CALIBRATE_US);
	uint32_t elapsed = 0xffffffffu - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	uint64_t per_second = (uint64_t)elapsed * (1000000 / CALIBRATE_US);
	timer_count = (uint32_t)(per_second / TICK_HZ);
	if (timer_count == 0)
		timer_count = 1;
	kprintf("lapic: timer %lu kHz (bus / 16), %u per tick\n", per_second / 1000, timer_count);
}

void lapic_timer_start(void)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER | LVT_PERIODIC);
	lapic_write(LAPIC_TIMER_INIT, timer_count);
}

static uint32_t ioapic_read(uint32_t reg)
{
	ioapic[IOAPIC_REGSEL / 4] = reg;
	return ioapic[IOAPIC_WIN / 4];
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	ioapic[IOAPIC_REGSEL / 4] = reg;
	ioapic[IOAPIC_WIN / 4] = v;
}

/* The redirection entry of an ISA line: its pin, and polarity and trigger
 * from the MADT's overrides. ISA lines are level-triggered here, active
 * high by default: the interrupt object keeps a line masked until the
 * driver acks, and an edge that comes while masked would be lost (a
 * level line is seen again when unmasked). */
static unsigned pin_of(unsigned isa_irq, uint32_t *low)
{
	uint32_t gsi = acpi_info.isa_gsi[isa_irq];
	uint16_t flags = acpi_info.isa_flags[isa_irq];
	*low = (VEC_IRQ_BASE + isa_irq) | RED_LEVEL;
	if ((flags & 3) == 3)
		*low |= RED_ACTIVE_LOW;
	return gsi - ioapic_gsi_base;
}

static void set_entry(unsigned isa_irq, bool masked)
{
	uint32_t low;
	unsigned pin = pin_of(isa_irq, &low);
	if (masked)
		low |= RED_MASKED;
	spin_lock(&ioapic_lock);
	ioapic_write(IOAPIC_REDTBL + 2 * pin + 1, cpus[0].apic_id << 24);
	ioapic_write(IOAPIC_REDTBL + 2 * pin, low);
	spin_unlock(&ioapic_lock);
}

void ioapic_init(uint64_t pa, uint32_t gsi_base)
{
	ioapic = map_mmio(pa);
	ioapic_gsi_base = gsi_base;
	unsigned pins = ((ioapic_read(1) >> 16) & 0xff) + 1;
	for (unsigned pin = 0; pin < pins; pin++)
		ioapic_write(IOAPIC_REDTBL + 2 * pin, RED_MASKED);
	for (unsigned irq = 0; irq < 16; irq++)
		set_entry(irq, true);
	pic_mask_all();
	ioapic_active = true;
}

void ioapic_mask(unsigned isa_irq)
{
	set_entry(isa_irq, true);
}

void ioapic_unmask(unsigned isa_irq)
{
	set_entry(isa_irq, false);
}
