"""The workbench's side of the detail view: opening it, deciding in it, going back."""

from __future__ import annotations

from certreview.i18n import N_
from certreview.widgets import guard, html
from certreview.widgets.background import STANDING_AFTER
from certreview.widgets.cards import CardView
from certreview.widgets.common import Attempt

# Reads that fail leave the grid as it was; Refresh reloads whatever the controls show.
not_loaded = guard.reports_database_errors(N_("Not loaded"), N_("Press Refresh."))


class DetailActions:  # mixed into ReviewWorkbench, whose attributes it uses
    """Open the detail view of a card, decide there (buttons or keys) and go back."""

    @not_loaded
    def open_detail(self, view: CardView) -> None:
        """Show the detail view of VIEW's submission in place of the grid."""
        if view.card is None:
            return
        self.cursor = view.index
        self.show_detail(view.card.pk)

    def show_detail(self, pk: int, *, keep_view: bool = False) -> None:
        """Show submission PK in the detail view; its student's standing follows a moment later."""
        found = self.service.detail(pk, standing=False)
        # The grid goes first: a frame drawn with both on the page laid out the two of them.
        self.cards_row.layout.display = "none"
        self.detail.show(found, keep_view=keep_view)
        self.later.call("standing", STANDING_AFTER, lambda: self._show_standing(pk))

    @not_loaded
    def _show_standing(self, pk: int) -> None:
        if self.detail.visible and self.detail.detail and self.detail.detail.card.pk == pk:
            self.detail.show_standard(self.service.detail(pk))

    def close_detail(self) -> None:
        """Go back from the detail view to the grid."""
        self.detail.hide()
        self.cards_row.layout.display = "flex"
        self.highlight()

    def _decide_detail(
        self, verdict: str, reason: str | None, note: str | None, item: str | None
    ) -> None:
        detail = self.detail.detail
        if detail is None:
            return
        self._apply_detail((verdict, reason, note, item or None), detail.card.decision_id)

    def decide_in_detail(self, verdict: str, reason: str | None, note: str | None = None) -> None:
        """Decide the submission in the detail view by key (approving takes the item picked)."""
        item = self.detail.item.value if verdict == "approve" else None
        self._decide_detail(verdict, reason, note, item)

    @not_loaded
    def _resolve_detail(self, override: bool) -> None:
        detail, newer, attempt = self.detail.detail, self.detail.newer, self.detail.attempt
        if detail is None or newer is None or attempt is None:
            return
        if override:
            self._apply_detail(attempt, newer.id)
        else:
            self._set_decision(detail.card.pk, newer)
            self.show_detail(detail.card.pk, keep_view=True)

    @not_loaded
    def _apply_detail(self, attempt: Attempt, expected: int | None) -> None:
        detail = self.detail.detail
        assert detail is not None
        info = self._try_decide(self.detail, detail.card.pk, attempt, expected)
        if info is None:
            return
        self._set_decision(detail.card.pk, info)
        self.recount()
        self.detail.show(self.service.detail(detail.card.pk), keep_view=True)
        self.detail.say(html.decided_line(info.state, detail.card.submission_id), "#2e7d32")
