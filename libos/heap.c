#include "lightos/heap.h"

#define ALIGN        16
#define CHUNK_MIN    (64 * 1024)
#define MAGIC_USED   0x55534544u    /* "USED" */
#define MAGIC_FREE   0x46524545u    /* "FREE" */
#define MAX_CHUNKS   256

/* Every block starts with this header; sizes include the header. */
struct block {
	uint32_t magic;
	uint32_t chunk;          /* index of the chunk it lives in */
	size_t size;
	struct block *next_free; /* free blocks only, address order */
	struct block *prev_free;
};

#define HEADER ((sizeof(struct block) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

struct chunk {
	char *base;
	size_t size;
};

static lo_heap_grow_fn grow_fn;
static int heap_locked;   /* one lock for all threads of the process */

/* A spinlock: the heap's critical sections are short. */
static void lock(void)
{
	while (__atomic_exchange_n(&heap_locked, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&heap_locked, 0, __ATOMIC_RELEASE);
}
static struct block *free_list;
static struct chunk chunks[MAX_CHUNKS];
static size_t chunk_count;
static struct lo_heap_stats stats;

void lo_heap_init(lo_heap_grow_fn grow)
{
	grow_fn = grow;
	free_list = NULL;
	chunk_count = 0;
	stats = (struct lo_heap_stats){ 0, 0, 0, 0 };
}

static void unlink_free(struct block *b)
{
	if (b->prev_free)
		b->prev_free->next_free = b->next_free;
	else
		free_list = b->next_free;
	if (b->next_free)
		b->next_free->prev_free = b->prev_free;
	b->next_free = b->prev_free = NULL;
}

static struct block *block_end(struct block *b)
{
	return (struct block *)((char *)b + b->size);
}

/* Insert in address order and merge with neighbours in the same chunk. */
static void insert_free(struct block *b)
{
	b->magic = MAGIC_FREE;
	struct block *prev = NULL, *next = free_list;
	while (next && next < b) {
		prev = next;
		next = next->next_free;
	}
	b->prev_free = prev;
	b->next_free = next;
	if (prev)
		prev->next_free = b;
	else
		free_list = b;
	if (next)
		next->prev_free = b;
	if (next && block_end(b) == next && next->chunk == b->chunk) {
		b->size += next->size;
		unlink_free(next);
	}
	if (prev && block_end(prev) == b && prev->chunk == b->chunk) {
		prev->size += b->size;
		unlink_free(b);
	}
}

static int add_chunk(size_t need)
{
	if (!grow_fn || chunk_count == MAX_CHUNKS)
		return -1;
	size_t size = need < CHUNK_MIN ? CHUNK_MIN : (need + 4095) & ~(size_t)4095;
	char *base = grow_fn(size);
	if (!base)
		return -1;
	chunks[chunk_count].base = base;
	chunks[chunk_count].size = size;
	struct block *b = (struct block *)base;
	b->chunk = (uint32_t)chunk_count;
	b->size = size;
	chunk_count++;
	stats.chunks++;
	stats.chunk_bytes += size;
	insert_free(b);
	return 0;
}

static void *malloc_locked(size_t size);

void *lo_malloc(size_t size)
{
	lock();
	void *p = malloc_locked(size);
	unlock();
	return p;
}

static void *malloc_locked(size_t size)
{
	if (size == 0)
		size = 1;
	if (size > ((size_t)1 << 40))
		return NULL;
	size_t need = (size + HEADER + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	for (int attempt = 0; attempt < 2; attempt++) {
		for (struct block *b = free_list; b; b = b->next_free) {
			if (b->size < need)
				continue;
			unlink_free(b);
			if (b->size - need >= HEADER + ALIGN) {
				struct block *rest = (struct block *)((char *)b + need);
				rest->chunk = b->chunk;
				rest->size = b->size - need;
				b->size = need;
				insert_free(rest);
			}
			b->magic = MAGIC_USED;
			stats.used_bytes += b->size;
			stats.live_blocks++;
			return (char *)b + HEADER;
		}
		if (add_chunk(need) != 0)
			return NULL;
	}
	return NULL;
}

static struct block *header_of(void *ptr)
{
	return (struct block *)((char *)ptr - HEADER);
}

void lo_free(void *ptr)
{
	if (!ptr)
		return;
	lock();
	struct block *b = header_of(ptr);
	if (b->magic != MAGIC_USED) {
		/* A double free or a wild pointer: stop before corrupting more. */
		__builtin_trap();
	}
	stats.used_bytes -= b->size;
	stats.live_blocks--;
	insert_free(b);
	unlock();
}

void *lo_calloc(size_t count, size_t size)
{
	if (size && count > ((size_t)-1) / size)
		return NULL;
	char *p = lo_malloc(count * size);
	if (p) {
		for (size_t i = 0; i < count * size; i++)
			p[i] = 0;
	}
	return p;
}

void *lo_realloc(void *ptr, size_t size)
{
	if (!ptr)
		return lo_malloc(size);
	if (size == 0) {
		lo_free(ptr);
		return NULL;
	}
	lock();
	struct block *b = header_of(ptr);
	if (b->magic != MAGIC_USED)
		__builtin_trap();
	size_t have = b->size - HEADER;
	unlock();
	if (size <= have)
		return ptr;
	char *n = lo_malloc(size);
	if (!n)
		return NULL;
	for (size_t i = 0; i < have; i++)
		n[i] = ((char *)ptr)[i];
	lo_free(ptr);
	return n;
}

void lo_heap_stats(struct lo_heap_stats *out)
{
	lock();
	*out = stats;
	unlock();
}

int lo_heap_check(void)
{
	size_t used = 0, live = 0, free_seen = 0;
	for (size_t c = 0; c < chunk_count; c++) {
		char *p = chunks[c].base, *end = p + chunks[c].size;
		while (p < end) {
			struct block *b = (struct block *)p;
			if (b->chunk != c || b->size < HEADER || p + b->size > end)
				return -1;
			if (b->magic == MAGIC_USED) {
				used += b->size;
				live++;
			} else if (b->magic == MAGIC_FREE) {
				free_seen++;
			} else {
				return -2;
			}
			p += b->size;
		}
	}
	size_t listed = 0;
	for (struct block *b = free_list; b; b = b->next_free) {
		if (b->magic != MAGIC_FREE || (b->next_free && b->next_free <= b))
			return -3;
		listed++;
	}
	if (listed != free_seen || used != stats.used_bytes || live != stats.live_blocks)
		return -4;
	return 0;
}
