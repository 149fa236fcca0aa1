"""One card of the grid: a reusable set of widgets that shows whichever submission it is given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import ipywidgets as w

from certreview.i18n import _
from certreview.review.service import Card, DecisionInfo
from certreview.rules.contract import REASONS, reason_label, reason_meaning
from certreview.widgets import html
from certreview.widgets.common import NO_REASON, Attempt, data_url, offer_conflict, placeholder
from certreview.widgets.evidence import card_evidence
from certreview.widgets.keys import REASON_KEYS

BORDER = "1px solid #d0d0d0"
CURSOR_BORDER = "3px solid #1976d2"
CONFLICT_BORDER = "3px solid #c62828"


class CardView:
    """The widgets of one card; the workbench hands it cards and receives its clicks."""

    def __init__(
        self,
        index: int,
        on_decide: Callable[[CardView, str, str | None], None],
        on_detail: Callable[[CardView], None],
        on_resolve: Callable[[CardView, bool], None],
        on_select: Callable[[CardView], None],
    ) -> None:
        self.index = index
        self.card: Card | None = None
        # The decision this reviewer tried when a conflict was found, and the newer one.
        self.attempt: tuple[str, str | None, str | None, str | None] | None = None
        self.newer: DecisionInfo | None = None
        self.image = w.Image(
            format="url", layout=w.Layout(width="100%", height="150px", object_fit="contain")
        )
        # Who and what, the image's answers and the flags in one widget: one message and one
        # redraw per card when a page turns (three widgets made three of each).
        self.info = w.HTML()
        self.state = w.HTML()
        self.selected = w.Checkbox(
            value=False, description=_("select"), indent=False, layout=w.Layout(width="auto")
        )
        self.approve = _button(_("Approve"), "success", _("Approve (A)"))
        self.reject = _button(_("Reject"), "danger", _("Reject with the reason picked (keys 1–8)"))
        self.send_back = _button(_("Return"), "warning", _("Return to the student to correct (R)"))
        self.details = _button(_("Details"), "", _("Full preview, history and the student (D)"))
        self.reason = w.Dropdown(
            options=[(_("reason…"), NO_REASON)]
            + [(f"{k} {reason_label(code)}", code) for k, code in REASON_KEYS.items()],
            value=NO_REASON,
            layout=w.Layout(width="auto", flex="1 1 auto", min_width="0"),
            tooltip="; ".join(f"{reason_label(c)}: {reason_meaning(c)}" for c in REASONS),
        )
        self.message = w.HTML()
        self.keep = _button(_("Keep theirs"), "", _("Leave the other reviewer's decision"))
        self.override = _button(_("Override"), "danger", _("Record your decision after theirs"))
        self.conflict = w.HBox([self.keep, self.override], layout=w.Layout(display="none"))
        self.box = w.VBox(
            [
                self.image,
                self.info,
                self.state,
                w.HBox([self.approve, self.send_back, self.details]),
                w.HBox([self.reason, self.reject]),
                w.HBox([self.selected]),
                self.message,
                self.conflict,
            ],
            layout=w.Layout(border=BORDER, padding="4px", margin="2px", display="none"),
        )
        self.box.add_class("certreview-card")
        self.approve.on_click(lambda _: on_decide(self, "approve", None))
        self.send_back.on_click(lambda _: on_decide(self, "return", self.reason.value or None))
        self.reject.on_click(lambda _: on_decide(self, "reject", self.reason.value or None))
        self.details.on_click(lambda _: on_detail(self))
        self.keep.on_click(lambda _: on_resolve(self, False))
        self.override.on_click(lambda _: on_resolve(self, True))
        self.selected.observe(lambda _: on_select(self), "value")

    def show(self, card: Card | None) -> None:
        """Show CARD (or hide the card when None), clearing what belonged to the previous one."""
        self.card = card
        self.attempt = self.newer = None
        if card is None:
            self.box.layout.display = "none"
            return
        # Traitlets sends nothing when a value is unchanged, so an equal thumbnail costs nothing.
        self.image.value = data_url(card.thumbnail or placeholder())
        self.info.value = (
            f"{html.card_info(card)}{card_evidence(card)}<div>{html.badges(card.flags)}</div>"
        )
        self.state.value = html.state_line(card.decision)
        self.selected.value = False
        self.reason.value = NO_REASON
        self.message.value = ""
        self.conflict.layout.display = "none"
        self._frame(BORDER)
        self.box.layout.display = "flex"

    def update(self, decision: DecisionInfo | None) -> None:
        """Show a new current decision on the same submission."""
        if self.card is None:
            return
        self.card = replace(self.card, decision=decision)
        self.state.value = html.state_line(decision)
        if self.newer is not None:  # a resolved conflict loses its red frame
            self.conflict.layout.display = "none"
            self._frame(BORDER)
        self.attempt = self.newer = None

    def say(self, text: str, colour: str = "#c62828") -> None:
        """Show a short message on the card (escaped)."""
        self.message.value = (
            f'<span style="color:{colour};font-size:11px">{html.esc(text)}</span>' if text else ""
        )

    def show_conflict(self, newer: DecisionInfo, attempt: Attempt) -> None:
        """Show that someone else decided meanwhile, and offer keep theirs / override."""
        offer_conflict(self, newer, attempt)
        self._frame(CONFLICT_BORDER)

    def _frame(self, border: str) -> None:
        # `border` sets four traits; held together they reach the browser as one message.
        with self.box.layout.hold_sync():
            self.box.layout.border = border

    def highlight(self, on: bool) -> None:
        """Mark the card the keyboard acts on."""
        if self.newer is not None:
            return  # a conflict keeps its red frame until it is resolved
        self._frame(CURSOR_BORDER if on else BORDER)


def _button(text: str, style: str, tooltip: str) -> w.Button:
    return w.Button(
        description=text,
        button_style=style,
        tooltip=tooltip,
        # Never shrink below the label: "Reject" must not read "R…" in a narrow column.
        layout=w.Layout(width="auto", flex="0 0 auto"),
    )
