#include "mm/heap.h"
#include <stdbool.h>
#include "mm/pmm.h"
#include "mm/layout.h"
#include "lib/string.h"
#include "lib/assert.h"
#include "sched/spinlock.h"

#define SLAB_MAGIC   0x534c4142u   /* "SLAB" */
#define LARGE_MAGIC  0x4c415247u   /* "LARG" */
#define FREE_POISON  0xdeadbeefdeadbeefull
#define CLASS_COUNT  7              /* 16, 32, ..., 1024 bytes */
#define MIN_SHIFT    4

struct free_object {
	struct free_object *next;
	uint64_t poison;             /* FREE_POISON while free: catches double free */
};

struct slab {
	uint32_t magic;
	uint32_t class_index;
	uint32_t in_use;
	uint32_t capacity;
	struct free_object *free;
	struct slab *next;           /* next slab of the same class */
	/* objects follow, aligned to the object size (at least 16) */
};

struct large {
	uint32_t magic;
	uint32_t pages;
	size_t size;
	uint64_t pad;                /* keeps the payload 16-byte aligned... */
	uint64_t pad2;               /* ...at offset 32 */
};

static struct slab *classes[CLASS_COUNT];
static struct spinlock heap_lock = SPINLOCK_INIT("heap");
static struct heap_stats stats;

static size_t class_size(unsigned i)
{
	return (size_t)1 << (i + MIN_SHIFT);
}

static size_t first_object_offset(size_t size)
{
	size_t header = sizeof(struct slab);
	return (header + size - 1) & ~(size - 1);
}

static struct slab *slab_create(unsigned ci)
{
	uint64_t pa = pmm_alloc_page();
	if (pa == PMM_NONE)
		return NULL;
	struct slab *s = phys_to_virt(pa);
	size_t size = class_size(ci);
	size_t off = first_object_offset(size);
	s->magic = SLAB_MAGIC;
	s->class_index = ci;
	s->in_use = 0;
	s->capacity = (PAGE_SIZE - off) / size;
	s->free = NULL;
	for (size_t i = s->capacity; i-- > 0;) {
		struct free_object *o = (void *)((char *)s + off + i * size);
		o->next = s->free;
		o->poison = FREE_POISON;
		s->free = o;
	}
	s->next = classes[ci];
	classes[ci] = s;
	stats.slab_pages++;
	return s;
}

static void slab_unlink(struct slab *s)
{
	struct slab **link = &classes[s->class_index];
	while (*link != s)
		link = &(*link)->next;
	*link = s->next;
	stats.slab_pages--;
}

static void *alloc_small(unsigned ci)
{
	struct slab *s = classes[ci];
	while (s && !s->free)
		s = s->next;
	if (!s) {
		s = slab_create(ci);
		if (!s)
			return NULL;
	}
	struct free_object *o = s->free;
	if (o->poison != FREE_POISON)
		panic("heap: free object %p in a %zu-byte slab was overwritten", (void *)o,
		      class_size(ci));
	s->free = o->next;
	s->in_use++;
	return o;
}

void *kmalloc(size_t size)
{
	if (size == 0)
		size = 1;
	if (size <= class_size(CLASS_COUNT - 1)) {
		unsigned ci = 0;
		while (class_size(ci) < size)
			ci++;
		spin_lock(&heap_lock);
		void *p = alloc_small(ci);
		if (p) {
			stats.bytes_in_use += class_size(ci);
			stats.allocations++;
		}
		spin_unlock(&heap_lock);
		/* Zeroed outside the lock, and only what was asked for: the rest
		 * of the slot is never read. */
		if (p)
			memset(p, 0, size);
		return p;
	}
	if (size > (1ul << 30))
		return NULL;
	size_t pages = PAGE_ROUND_UP(size + sizeof(struct large)) / PAGE_SIZE;
	uint64_t pa = pmm_alloc_pages(pages);
	if (pa == PMM_NONE)
		return NULL;
	struct large *l = phys_to_virt(pa);
	l->magic = LARGE_MAGIC;
	l->pages = pages;
	l->size = size;
	spin_lock(&heap_lock);
	stats.bytes_in_use += size;
	stats.allocations++;
	stats.large_pages += pages;
	spin_unlock(&heap_lock);
	return l + 1;
}

void kfree(void *ptr)
{
	if (!ptr)
		return;
	void *page = (void *)((uint64_t)ptr & ~(PAGE_SIZE - 1));
	uint32_t magic = *(uint32_t *)page;
	if (magic == LARGE_MAGIC && ptr == (void *)((struct large *)page + 1)) {
		struct large *l = page;
		size_t pages = l->pages;
		spin_lock(&heap_lock);
		stats.bytes_in_use -= l->size;
		stats.allocations--;
		stats.large_pages -= pages;
		spin_unlock(&heap_lock);
		l->magic = 0;
		pmm_free_pages(virt_to_phys(page), pages);
		return;
	}
	if (magic != SLAB_MAGIC)
		panic("kfree: %p is not a heap pointer", ptr);
	struct slab *s = page;
	size_t size = class_size(s->class_index);
	size_t off = (char *)ptr - (char *)s;
	if (off < first_object_offset(size) || (off - first_object_offset(size)) % size)
		panic("kfree: %p is not the start of a %zu-byte object", ptr, size);
	struct free_object *o = ptr;
	spin_lock(&heap_lock);
	if (o->poison == FREE_POISON) {
		/* Could be a live object that happens to hold the pattern: confirm. */
		for (struct free_object *f = s->free; f; f = f->next) {
			if (f == o)
				panic("kfree: double free of %p", ptr);
		}
	}
	o->next = s->free;
	o->poison = FREE_POISON;
	s->free = o;
	s->in_use--;
	stats.allocations--;
	stats.bytes_in_use -= size;
	bool release = s->in_use == 0 && !(classes[s->class_index] == s && !s->next);
	if (release)
		slab_unlink(s);
	spin_unlock(&heap_lock);
	/* An empty slab goes back to the page allocator, unless it is the
	 * class's only one (keeps a steady alloc/free pair from churning pages). */
	if (release) {
		s->magic = 0;
		pmm_free_page(virt_to_phys(s));
	}
}

void heap_get_stats(struct heap_stats *out)
{
	spin_lock(&heap_lock);
	*out = stats;
	spin_unlock(&heap_lock);
}

size_t heap_check(void)
{
	size_t slabs = 0;
	spin_lock(&heap_lock);
	for (unsigned ci = 0; ci < CLASS_COUNT; ci++) {
		for (struct slab *s = classes[ci]; s; s = s->next) {
			if (s->magic != SLAB_MAGIC || s->class_index != ci)
				panic("heap_check: slab %p header corrupted", (void *)s);
			uint32_t free = 0;
			for (struct free_object *o = s->free; o; o = o->next) {
				if (o->poison != FREE_POISON)
					panic("heap_check: free object %p overwritten", (void *)o);
				if (++free > s->capacity)
					panic("heap_check: slab %p free list loops", (void *)s);
			}
			if (free + s->in_use != s->capacity)
				panic("heap_check: slab %p counts %u+%u != %u", (void *)s,
				      free, s->in_use, s->capacity);
			slabs++;
		}
	}
	spin_unlock(&heap_lock);
	return slabs;
}
