/* SPDX-License-Identifier: ISC */
/* The chain of body filters. */

#include "filter.h"

void
body_chain_add(struct body_filter **head, struct body_filter *f)
{
	while (*head != NULL)
		head = &(*head)->next;
	f->next = NULL;
	*head = f;
}

int
body_chain_run(struct body_filter *head, char **data, size_t *n, int last)
{
	struct body_filter *f;

	for (f = head; f != NULL; f = f->next) {
		if (f->ops->data(f, data, n, last) != 0)
			return -1;
	}
	return 0;
}

void
body_chain_stop(struct body_filter *head)
{
	struct body_filter *f;

	for (f = head; f != NULL; f = f->next) {
		if (f->ops->stop != NULL)
			f->ops->stop(f);
	}
}

void
body_chain_free(struct body_filter **head)
{
	struct body_filter *f;

	while ((f = *head) != NULL) {
		*head = f->next;
		f->ops->free(f);
	}
}
