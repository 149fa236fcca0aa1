"""Work the workbench does while the reviewer looks: filter counts, next previews, next page.

It also keeps the page the reviewer leaves: going back to it shows it without reading it again.
"""

from __future__ import annotations

import math
import time
from typing import Any

from certreview.review.service import Card, Filters

COUNTS_AFTER_DECISION = 0.8  # seconds of quiet before the filter counts are recomputed
# After a new view (filter, search): once its cards are on screen. Sooner, the counts (a
# grouped query, then every dropdown's options) competed with drawing the cards.
COUNTS_AFTER_VIEW = 0.4
STANDING_AFTER = 0.3  # the detail view's standard and standing, once the view is drawn
PAGE_AFTER = 0.5  # seconds on a page before the next one is read (flipping fast reads none)
PREVIEWS_AFTER = 1.0  # seconds of rest before previews are made ahead (one takes ~0.2 s)
PREVIEWS_AHEAD = 4  # previews read ahead of the highlight
FRESH = 60.0  # seconds a page read ahead may wait before it is read again


class Background:  # mixed into ReviewWorkbench, whose attributes it uses
    """Recount filters, read previews ahead of the highlight and the next page ahead of N."""

    # Pages at hand, by (view, number, size): the one read ahead and the one last left.
    _pages: dict[tuple[Filters, int, int], tuple[float, list[Card]]]

    def recount(self: Any, delay: float = COUNTS_AFTER_DECISION) -> None:
        """Refresh the filter counts ("pending (564)") once the reviewer pauses."""
        self.later.call("counts", delay, self.recount_now)

    def recount_now(self: Any) -> None:
        """Refresh the filter counts now."""
        self.filter_bar.show(self.view_filters, self.service.options(self.view_filters))

    def read_ahead(self: Any) -> None:
        """Read the next page soon, and the previews after the highlight once it rests."""
        cards = self.visible_cards()
        shas = [v.card.image_sha256 for v in cards[self.cursor : self.cursor + PREVIEWS_AHEAD]]
        todo: list[Any] = [sha for sha in shas if sha and not self.previews.has(sha)]
        self.later.call("previews", PREVIEWS_AFTER, lambda: self._next_piece(todo), optional=True)
        pages = max(1, math.ceil(self.total / self.page_size))
        key = (self.view_filters, self.page_number + 1, self.page_size)
        if self.page_number + 1 < pages and key not in self._pages:
            self.later.call("page", PAGE_AFTER, lambda: self._read_page(key), optional=True)

    def _next_piece(self: Any, todo: list[str]) -> None:
        # One preview per quiet moment: a key pressed meanwhile waits for one at most.
        if todo:
            self.previews(todo.pop(0))
        if todo:
            self.later.call("previews", 0, lambda: self._next_piece(todo), optional=True)

    def _read_page(self: Any, key: tuple[Filters, int, int]) -> None:
        self._keep(key, self.service.page(*key))

    def _keep(self: Any, key: tuple[Filters, int, int], cards: list[Card]) -> None:
        # Two pages at most: the next one and the one left (a third is rarely asked for).
        self._pages = {k: v for k, v in self._pages.items() if k[1] != key[1]}
        self._pages[key] = (time.monotonic(), cards)
        while len(self._pages) > 2:
            del self._pages[next(iter(self._pages))]

    def keep_page(self: Any) -> None:
        """Keep the page on screen (as it shows now) for going back to it."""
        cards = [v.card for v in self.visible_cards()]
        if cards:
            self._keep((self.view_filters, self.page_number, self.page_size), cards)

    def forget_pages(self: Any) -> None:
        """Forget the pages kept: a decision makes one of them show an old state."""
        self._pages = {}

    def page_cards(self: Any, number: int) -> list[Card]:
        """Return the cards of page NUMBER of the view: read ahead when fresh, else now."""
        key = (self.view_filters, number, self.page_size)
        kept = self._pages.pop(key, None)
        if kept is not None and time.monotonic() - kept[0] < FRESH:
            return kept[1]
        return self.service.page(self.view_filters, number, self.page_size)
