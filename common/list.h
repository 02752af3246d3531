/* SPDX-License-Identifier: ISC */
/* container_of and an intrusive doubly linked list with a head node. */
#ifndef FD_LIST_H
#define FD_LIST_H

#include <stddef.h>

/* The struct of type that holds member at ptr. */
#define container_of(ptr, type, member)                                        \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/*
 * A list is a head node linked in a ring with its entries; an entry that is
 * in no list points at itself (list_init), so list_remove of it is harmless.
 */
struct list {
	struct list *prev;
	struct list *next;
};

#define LIST_HEAD_INIT(name)                                                   \
	{                                                                      \
		&(name), &(name)                                               \
	}

static inline void
list_init(struct list *l)
{
	l->prev = l;
	l->next = l;
}

static inline int
list_empty(const struct list *l)
{
	return l->next == l;
}

/* Whether entry e is in a list (it was list_init-ed when taken out). */
static inline int
list_linked(const struct list *e)
{
	return e->next != e;
}

static inline void
list_insert_after(struct list *at, struct list *e)
{
	e->prev = at;
	e->next = at->next;
	at->next->prev = e;
	at->next = e;
}

static inline void
list_insert_head(struct list *head, struct list *e)
{
	list_insert_after(head, e);
}

static inline void
list_insert_tail(struct list *head, struct list *e)
{
	list_insert_after(head->prev, e);
}

/* Take e out of its list; e is left unlinked (list_linked is 0). */
static inline void
list_remove(struct list *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	list_init(e);
}

/* The first and last entries, or NULL when the list is empty. */
#define list_first(head, type, member)                                         \
	(list_empty(head) ? NULL : container_of((head)->next, type, member))
#define list_last(head, type, member)                                          \
	(list_empty(head) ? NULL : container_of((head)->prev, type, member))

/* Walk every node; n holds the next one, so the current may be removed. */
#define list_for_each_safe(pos, n, head)                                       \
	for ((pos) = (head)->next, (n) = (pos)->next; (pos) != (head);         \
	     (pos) = (n), (n) = (pos)->next)

#endif
