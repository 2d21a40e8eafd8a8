/* Intrusive circular doubly-linked lists. A `struct list` is a head whose
 * prev/next point to itself when empty; elements embed a `struct list`. */
#ifndef KERN_LIB_LIST_H
#define KERN_LIB_LIST_H

#include <stddef.h>
#include <stdbool.h>

struct list {
	struct list *prev, *next;
};

/* The structure that contains `ptr`, a pointer to its `member`. */
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

static inline void list_init(struct list *l)
{
	l->prev = l->next = l;
}

static inline bool list_empty(const struct list *l)
{
	return l->next == l;
}

static inline void list_insert_after(struct list *pos, struct list *node)
{
	node->prev = pos;
	node->next = pos->next;
	pos->next->prev = node;
	pos->next = node;
}

static inline void list_push_back(struct list *head, struct list *node)
{
	list_insert_after(head->prev, node);
}

static inline void list_remove(struct list *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	node->prev = node->next = node;
}

static inline struct list *list_pop_front(struct list *head)
{
	if (list_empty(head))
		return NULL;
	struct list *n = head->next;
	list_remove(n);
	return n;
}

/* True while `node` is linked into some list (after list_init or removal it is not). */
static inline bool list_linked(const struct list *node)
{
	return node->next != node;
}

#endif
