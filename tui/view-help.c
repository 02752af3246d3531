/* SPDX-License-Identifier: ISC */
/* The Help screen: every key of the screen it was opened from. */

#include <curses.h>
#include <stdio.h>

#include "view.h"

void
view_help_draw(struct view *v, int y, int h)
{
	const struct input_binding *b;
	int                         end = y + h, row = y;
	unsigned                    on = INPUT_ON(v->help_for);

	view_printf(v, row++, 1, v->cols - 1, view_attr(v, VC_TITLE),
	    "Keys on the %s screen%s", input_screen_names[v->help_for],
	    v->readonly ? " (read-only: keys that change things are off)" : "");
	row++;
	for (b = input_bindings; b->key != 0 && row < end; b++) {
		if (b->keyname == NULL || (b->screens & on) == 0)
			continue;
		if (v->readonly && input_changes(b->action))
			continue;
		view_str(v, row, 2, 14, b->keyname, (int)A_BOLD);
		view_str(v, row, 17, v->cols - 18, b->help, A_NORMAL);
		row++;
	}
	if (!v->readonly && row + 1 < end)
		view_str(v, ++row, 2, v->cols - 3,
		    "Every change asks y/N first; U takes back the last one.",
		    view_attr(v, VC_DIM));
	if (row + 1 < end)
		view_str(v, ++row, 2, v->cols - 3, "Esc or ? closes this help.",
		    view_attr(v, VC_DIM));
}
