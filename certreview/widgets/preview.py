"""The large preview beside the grid: the highlighted card's certificate, zoomable and panned."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import ipywidgets as w

from certreview.review.service import Card
from certreview.widgets import html
from certreview.widgets.common import data_url, placeholder
from certreview.widgets.detail import ZOOMS, zoom_options
from certreview.widgets.later import Later

KEPT = 64  # previews kept in memory (~100 KB each): a page and a half
SETTLE = 0.12  # seconds the highlight rests on a card before its large preview is sent

# The page's own styles cap images at their box (max-width: 100%), which made zoom a no-op;
# hovering a thumbnail enlarges it in place; long labels wrap instead of ending in "…";
# the grid's frame (a fixed box that scrolls) is laid out and painted on its own, so a page
# of new cards never makes the browser lay out the notebook around it.
STYLE = """<style>
.certreview-zoomable img, img.certreview-zoomable { max-width: none !important; }
.certreview-card .cr-thumb { transition: transform .12s; }
.certreview-card .cr-thumb:hover { transform: scale(1.8); z-index: 20;
  position: relative; box-shadow: 0 2px 12px rgba(0,0,0,.35); background: #fff; }
.certreview-workbench .widget-button { overflow: visible; text-overflow: clip; }
.certreview-grid-frame { contain: strict; }
</style>"""


class Previews:
    """Full-size previews kept in memory: the first page of the last few images shown."""

    def __init__(self, preview: Callable[[str, int, int], bytes | None]) -> None:
        self._preview = preview
        self._kept: OrderedDict[str, bytes | None] = OrderedDict()

    def __call__(self, sha: str, page: int = 0, rotate: int = 0) -> bytes | None:
        """Return the preview of SHA's PAGE turned ROTATE degrees (the plain one from memory)."""
        if page or rotate % 360:
            return self._preview(sha, page, rotate)
        if sha in self._kept:
            self._kept.move_to_end(sha)
            return self._kept[sha]
        data = self._kept[sha] = self._preview(sha, 0, 0)
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)
        return data

    def has(self, sha: str) -> bool:
        """Return True when SHA's preview is in memory."""
        return sha in self._kept


class PreviewPane:
    """Show one card's full preview with zoom (150/200/300 %) and scrollbars to pan."""

    def __init__(self, previews: Previews, later: Later | None = None) -> None:
        self._preview = previews
        self._later = later
        self.sha: str | None = None
        self.caption = w.HTML(layout=w.Layout(min_height="40px"))
        self.zoom = w.ToggleButtons(
            options=zoom_options(), value="fit", style={"button_width": "64px"}
        )
        self.image = w.Image(format="url", layout=w.Layout(width="100%", object_fit="contain"))
        self.image.add_class("certreview-zoomable")
        self.frame = w.Box(
            [self.image],
            layout=w.Layout(
                display="block", overflow="auto", height="calc(100vh - 300px)", min_height="260px"
            ),
        )
        self.box = w.VBox(
            [self.zoom, self.caption, self.frame],
            layout=w.Layout(width="46%", min_width="420px", padding="0 0 0 8px"),
        )
        self.box.add_class("certreview-preview")
        self.zoom.observe(lambda _: self._zoom(), "value")

    def show(self, card: Card | None) -> None:
        """Show CARD's first page (nothing is read again when it is already shown).

        The picture follows once the highlight rests: stepping over cards (or deciding them
        one key each) never waits for pictures the reviewer passes by.
        """
        if card is None:
            self.sha = None
            self.caption.value = ""
            self._set(placeholder())
            return
        self.caption.value = html.card_info(card)
        if card.image_sha256 == self.sha and self.image.value:
            return
        self.sha = card.image_sha256
        if self._later is None or self.sha is None:
            self._load()
        else:  # even from memory: ~100 KB per card is too much to send for every key
            self._later.call("preview", SETTLE, self._load)

    def _load(self) -> None:
        self._set((self._preview(self.sha, 0, 0) if self.sha else None) or placeholder())

    def _set(self, data: bytes) -> None:
        self.image.value = data_url(data)

    def _zoom(self) -> None:
        self.image.layout.width = ZOOMS[self.zoom.value]
