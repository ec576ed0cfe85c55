"""Two names Material's search leaves out, added to every page so screen readers can say them.

Material renders the search panel as `role="dialog"` without an accessible name, and its
open/close checkbox `#__search` is labelled only by icon-only labels; axe-core reports both as
serious. Overriding Material's search partial would mean copying it, and keeping the copy in step
with every Material release; adding two attributes to the rendered page does not.
"""

from __future__ import annotations

_NAMES = (
    ('class="md-search" data-md-component="search" role="dialog">',
     'class="md-search" data-md-component="search" role="dialog" aria-label="Search">'),
    ('data-md-toggle="search" type="checkbox" id="__search"',
     'data-md-toggle="search" type="checkbox" id="__search" aria-label="Search"'),
)


def name_search_controls(output: str) -> str:
    """The page with Material's search dialog and toggle named (unchanged when they are absent)."""
    for old, new in _NAMES:
        output = output.replace(old, new, 1)
    return output
