#include "obj/interrupt.h"
#include "obj/kernel_types.h"
#include "obj/syscall_support.h"
#include "arch/x86_64/trap.h"
#include "mm/heap.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */
#include "sched/spinlock.h"
#include "sched/wait.h"

#define IRQ_LINES 16

static struct interrupt *bound[IRQ_LINES];
static struct spinlock bound_lock = SPINLOCK_INIT("interrupts");

static void irq_fired(struct trap_frame *f)
{
	uint32_t line = (uint32_t)(f->vector - VEC_IRQ_BASE);
	spin_lock(&bound_lock);
	struct interrupt *i = bound[line];
	/* Masked until the driver acks: a level-triggered device would
	 * otherwise interrupt forever. */
	irq_mask(line);
	if (i) {
		i->count++;
		kobject_signal(&i->obj, 0, LO_SIG_INTERRUPT_SIGNALED);
	}
	spin_unlock(&bound_lock);
}

static void unbind(struct interrupt *i)
{
	spin_lock(&bound_lock);
	if (bound[i->line] == i) {
		irq_mask(i->line);
		bound[i->line] = NULL;
	}
	spin_unlock(&bound_lock);
}

static void interrupt_destroy(struct cap_object *obj)
{
	struct interrupt *i = (struct interrupt *)obj;
	unbind(i);
	kobject_count_destroyed(LO_TYPE_INTERRUPT);
	kfree(i);
}

/* No handle left: nobody can ack, so stop listening now. */
static void interrupt_on_zero_handles(struct cap_object *obj)
{
	unbind((struct interrupt *)obj);
}

static const struct cap_object_ops interrupt_ops = {
	.destroy = interrupt_destroy,
	.on_zero_handles = interrupt_on_zero_handles,
};

status_t interrupt_create(struct resource *resource, uint32_t line, struct interrupt **interrupt)
{
	if (line >= IRQ_LINES)
		return LO_ERR_OUT_OF_RANGE;
	if (resource->kind == LO_RESOURCE_ROOT || !resource_covers(resource, LO_RESOURCE_IRQ, line, 1))
		return LO_ERR_ACCESS_DENIED;
	struct interrupt *i = kmalloc(sizeof(*i));
	if (!i)
		return LO_ERR_NO_MEMORY;
	kobject_init(&i->obj, LO_TYPE_INTERRUPT, &interrupt_ops);
	i->line = line;
	spin_lock(&bound_lock);
	status_t st = bound[line] ? LO_ERR_ALREADY_EXISTS : LO_OK;
	if (st == LO_OK)
		bound[line] = i;
	spin_unlock(&bound_lock);
	if (st != LO_OK) {
		kobject_count_destroyed(LO_TYPE_INTERRUPT);
		kfree(i);
		return st;
	}
	irq_register(line, irq_fired);   /* unmasks the line */
	*interrupt = i;
	return LO_OK;
}

status_t interrupt_ack(struct interrupt *interrupt)
{
	spin_lock(&bound_lock);
	status_t st = bound[interrupt->line] == interrupt ? LO_OK : LO_ERR_BAD_STATE;
	if (st == LO_OK) {
		kobject_signal(&interrupt->obj, LO_SIG_INTERRUPT_SIGNALED, 0);
		irq_unmask(interrupt->line);
	}
	spin_unlock(&bound_lock);
	return st;
}

/* --- System calls (idl/interrupt.idl) --- */

status_t interrupt_wait(struct interrupt *interrupt, cap_handle_t interrupt_handle,
			rights_t interrupt_rights, uint64_t deadline)
{
	(void)interrupt_rights;
	struct wait_item item = { &interrupt->obj, LO_SIG_INTERRUPT_SIGNALED, 0,
				  current_handle_table(), interrupt_handle };
	return wait_signals(&item, 1, deadline);
}
