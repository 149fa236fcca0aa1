"""The filter bar: one dropdown per filter with counts, and the search box."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as w

from certreview.i18n import N_, _
from certreview.review.service import ALL, Filters, Option
from certreview.rules.contract import flag_label

ANY = "*"  # the dropdowns' "all" choice (ipywidgets reads a None value as "nothing selected")
FIELDS = {
    "round": N_("Round"),
    "status": N_("Status"),
    "flag": N_("Flag"),
    "category": N_("Category"),
    "item": N_("Item"),
    "program": N_("Program"),
    "class_name": N_("Class"),
    "cohort": N_("Cohort"),
    "evidence": N_("Image"),
}
_ATTRIBUTE = {"round": "round_id"}


# Wrap rather than run off the right edge: Search must stay on screen at 1366 wide.
_WRAP = w.Layout(flex_flow="row wrap")


class FilterBar:
    """Dropdowns for every filter; CHANGE is called once per change the reviewer makes."""

    def __init__(
        self,
        on_change: Callable[[], None],
        serial: Callable[[Callable[[Any], None]], Callable[[Any], None]] = lambda f: f,
    ) -> None:
        self._on_change = on_change
        self._quiet = False
        # A change the reviewer makes waits while the program sets values quietly on another
        # thread (see Later.serial): checked during `quiet`, it was dropped.
        changed = serial(self._changed)
        self.dropdowns = {
            name: w.Dropdown(
                description=_(label),
                options=[(_("All"), ALL)] if name == "status" else [(_("All"), ANY)],
                style={"description_width": "60px"},
                layout=w.Layout(width="240px"),
            )
            for name, label in FIELDS.items()
        }
        self.search = w.Text(
            description=_("Search"),
            placeholder=_("student ID, name or certificate, then Enter"),
            continuous_update=False,
            style={"description_width": "60px"},
            layout=w.Layout(width="300px"),
        )
        for widget in [*self.dropdowns.values(), self.search]:
            widget.observe(changed, "value")
            if widget.comm is not None:
                # The browser's new value is set under the same lock: the counts, shown
                # quietly on another thread, wrote the old search back over it.
                widget.comm.on_msg(serial(widget._handle_msg))
        names = list(self.dropdowns)
        self.box = w.VBox(
            [
                w.HBox([self.dropdowns[n] for n in names[:4]], layout=_WRAP),
                w.HBox([*(self.dropdowns[n] for n in names[4:]), self.search], layout=_WRAP),
            ]
        )

    def filters(self) -> Filters:
        """Return the filters the bar shows (not yet stamped as a view)."""
        values: dict[str, Any] = {
            _ATTRIBUTE.get(name, name): (None if d.value == ANY else d.value)
            for name, d in self.dropdowns.items()
        }
        values["status"] = values["status"] or ALL
        return Filters(**values, search=self.search.value)

    def show(self, filters: Filters, options: dict[str, list[Option]]) -> None:
        """Show OPTIONS with counts and select what FILTERS say, without reporting a change."""
        with self.quiet():
            for name, dropdown in self.dropdowns.items():
                current = getattr(filters, _ATTRIBUTE.get(name, name))
                current = ANY if current is None else current
                choices = [
                    (f"{o.label} ({o.count})", ANY if o.value is None else o.value)
                    for o in options.get(name, [])
                ]
                # Keep the selected choice even when nothing matches it any more.
                if current not in [v for _, v in choices]:
                    choices.append((f"{flag_label(str(current))} (0)", current))
                dropdown.options = choices
                dropdown.value = current
            self.search.value = filters.search

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Silence change reports while the program (not the reviewer) sets values."""
        self._quiet, before = True, self._quiet
        try:
            yield
        finally:
            self._quiet = before

    def _changed(self, _change: object) -> None:
        if not self._quiet:
            self._on_change()
