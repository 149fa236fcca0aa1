"""One card of the grid: what it shows of whichever submission it is given, and its buttons.

A card holds plain values (escaped HTML, the reason picked, the selection, its frame); the
grid (grid.py) draws every card of the page in the browser at once. Its buttons are
`CardButton`s: a click in the browser, a key or a test calls `click()`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from hashlib import sha256
from typing import Any, Protocol

from certreview.i18n import _
from certreview.review.service import Card, DecisionInfo
from certreview.rules.contract import REASONS, reason_label, reason_meaning
from certreview.widgets import html
from certreview.widgets.common import NO_REASON, Attempt, conflict_words, data_url, placeholder
from certreview.widgets.evidence import card_evidence
from certreview.widgets.keys import REASON_KEYS

REASON_CODES = {NO_REASON, *REASON_KEYS.values()}
BORDER = "1px solid #d0d0d0"
CURSOR_BORDER = "3px solid #1976d2"
CONFLICT_BORDER = "3px solid #c62828"


class CardButton:
    """A button drawn on a card: its label, its tooltip and what a click does."""

    def __init__(self, description: str, tooltip: str, on_click: Callable[[], None]) -> None:
        self.description = description
        self.tooltip = tooltip
        self._on_click = on_click

    def click(self) -> None:
        """Do what the button does (a click in the browser arrives here)."""
        self._on_click()


def reason_options() -> list[tuple[str, str]]:
    """Return the (label, code) choices of a card's reason list, the blank one first."""
    return [(_("reason…"), NO_REASON)] + [
        (f"{k} {reason_label(code)}", code) for k, code in REASON_KEYS.items()
    ]


def card_labels() -> dict[str, Any]:
    """Return the words every card shows (translated once, sent to the browser once)."""
    return {
        "buttons": {
            "approve": [_("Approve"), _("Approve (A)")],
            "return": [_("Return"), _("Return to the student to correct (R)")],
            "details": [_("Details"), _("Full preview, history and the student (D)")],
            "reject": [_("Reject"), _("Reject with the reason picked (keys 1–8)")],
            "keep": [_("Keep theirs"), _("Leave the other reviewer's decision")],
        },
        "override_tooltip": _("Record your decision after theirs"),
        "select": _("select"),
        "reasons": [list(option) for option in reason_options()],
        "reason_tooltip": "; ".join(f"{reason_label(c)}: {reason_meaning(c)}" for c in REASONS),
    }


class Drawing(Protocol):
    """Where a card is drawn (the grid, grid.py)."""

    def put(self, view: CardView) -> None: ...


class CardView:
    """One card of the grid; the workbench hands it cards and receives its clicks."""

    def __init__(
        self,
        index: int,
        grid: Drawing,
        on_decide: Callable[[CardView, str, str | None], None],
        on_detail: Callable[[CardView], None],
        on_resolve: Callable[[CardView, bool], None],
        on_select: Callable[[CardView], None],
    ) -> None:
        self.index = index
        self.grid = grid
        self.card: Card | None = None
        # The decision this reviewer tried when a conflict was found, and the newer one.
        self.attempt: Attempt | None = None
        self.newer: DecisionInfo | None = None
        self._on_select = on_select
        self.thumbnail = ""  # a data: URL
        self.thumbnail_key = ""  # the same for the same picture (its SHA-256)
        self.info = ""  # who and what, the image's answers and the flags (escaped HTML)
        self.state = ""  # the current decision (escaped HTML)
        self.message = ""  # a short message on the card (escaped HTML)
        self.reason = NO_REASON  # the reason picked on the card
        self.selected = False
        self.border = BORDER
        self.conflict_shown = False
        labels = card_labels()["buttons"]
        self.approve = CardButton(*labels["approve"], lambda: on_decide(self, "approve", None))
        self.send_back = CardButton(
            *labels["return"], lambda: on_decide(self, "return", self.reason or None)
        )
        self.reject = CardButton(
            *labels["reject"], lambda: on_decide(self, "reject", self.reason or None)
        )
        self.details = CardButton(*labels["details"], lambda: on_detail(self))
        self.keep = CardButton(*labels["keep"], lambda: on_resolve(self, False))
        self.override = CardButton(
            _("Override"), _("Record your decision after theirs"), lambda: on_resolve(self, True)
        )

    def data(self) -> dict[str, Any] | None:
        """Return what the browser draws of this card (None: the card is hidden)."""
        if self.card is None:
            return None
        return {
            "info": self.info,
            "state": self.state,
            "message": self.message,
            "reason": self.reason,
            "selected": self.selected,
            "border": self.border,
            "override": self.override.description if self.conflict_shown else "",
        }

    def receive(self, event: Mapping[str, Any]) -> None:
        """Act on a message from the card in the browser: a click, a reason picked, a box ticked."""
        kind = event.get("type")
        if kind == "select":
            self.select(bool(event.get("value")))
            return
        reason = event.get("value" if kind == "reason" else "reason")  # a click says it too
        if isinstance(reason, str) and reason in REASON_CODES:
            self.pick(reason)
        buttons = {
            "approve": self.approve,
            "return": self.send_back,
            "reject": self.reject,
            "details": self.details,
            "keep": self.keep,
            "override": self.override,
        }
        button = buttons.get(str(event.get("button")))
        if kind == "click" and button is not None:
            button.click()

    def show(self, card: Card | None) -> None:
        """Show CARD (or hide the card when None), clearing what belonged to the previous one."""
        self.card = card
        self.attempt = self.newer = None
        if card is not None:
            picture = card.thumbnail or placeholder()  # the no-image picture speaks a language
            shown = card.image_sha256 if card.thumbnail else None
            self.thumbnail_key = shown or sha256(picture).hexdigest()
            self.thumbnail = data_url(picture).decode("ascii")
            self.info = (
                f"{html.card_info(card)}{card_evidence(card)}<div>{html.badges(card.flags)}</div>"
            )
            self.state = html.state_line(card.decision)
            self.selected = False
            self.reason = NO_REASON
            self.message = ""
            self.conflict_shown = False
            self.border = BORDER
        self.grid.put(self)

    def update(self, decision: DecisionInfo | None) -> None:
        """Show a new current decision on the same submission."""
        if self.card is None:
            return
        self.card = replace(self.card, decision=decision)
        self.state = html.state_line(decision)
        if self.newer is not None:  # a resolved conflict loses its red frame
            self.conflict_shown = False
            self.border = BORDER
        self.attempt = self.newer = None
        self.grid.put(self)

    def say(self, text: str, colour: str = "#c62828") -> None:
        """Show a short message on the card (escaped)."""
        self.message = (
            f'<span style="color:{colour};font-size:11px">{html.esc(text)}</span>' if text else ""
        )
        self.grid.put(self)

    def pick(self, reason: str) -> None:
        """Take the reason picked on the card (in the browser or by a test)."""
        self.reason = reason
        self.grid.put(self)

    def select(self, on: bool) -> None:
        """Tick (or clear) the card's "select" box and let the workbench count the selection."""
        changed = on != self.selected
        self.selected = on
        self.grid.put(self)
        if changed:
            self._on_select(self)

    def show_conflict(self, newer: DecisionInfo, attempt: Attempt) -> None:
        """Show that someone else decided meanwhile, and offer keep theirs / override."""
        self.attempt, self.newer = attempt, newer
        message, self.override.description = conflict_words(newer, attempt)
        self.conflict_shown = True
        self.border = CONFLICT_BORDER
        self.say(message)

    def highlight(self, on: bool) -> None:
        """Mark the card the keyboard acts on."""
        if self.newer is not None:
            return  # a conflict keeps its red frame until it is resolved
        self.border = CURSOR_BORDER if on else BORDER
        self.grid.put(self)
