"""Approving many cards at once (clean or selected, confirmed) and undoing the last action."""

from __future__ import annotations

import ipywidgets as w

from certreview.i18n import N_, _
from certreview.store.decisions import DecisionError
from certreview.widgets import guard, html
from certreview.widgets.detail_actions import not_loaded

NOTHING = {
    "clean": N_("No clean pending cards to approve on this page."),
    "selected": N_("No selected cards to approve on this page."),
}
ASK = {
    "clean": N_("Approve {n} clean pending card(s) on this page?"),
    "selected": N_("Approve {n} selected card(s) on this page?"),
}


class BulkApproval:  # mixed into ReviewWorkbench, whose attributes it uses
    """The workbench's bulk approval, with its confirmation bar and selection count."""

    def agreeing_button(self) -> w.Button:
        """Return the button that approves the pending cards whose image agrees on all three."""
        button = w.Button(
            description=_("Approve where the image agrees"),
            tooltip=_("Approve the pending cards on this page whose image agrees on all three"),
            icon="check-circle",
            layout=w.Layout(width="auto"),
        )
        button.on_click(self.serial(lambda _b: self.ask_bulk(clean=False, agreeing=True)))
        return button

    def ask_bulk(self, *, clean: bool, agreeing: bool = False) -> None:
        """Ask to approve the clean pending cards of this page, the selected cards, or the
        pending cards whose image agrees on all three (name, certificate, year)."""
        cards = self.visible_cards()
        if agreeing:
            chosen = [
                v
                for v in cards
                if v.card
                and v.card.state == "pending"
                and v.card.evidence is not None
                and v.card.evidence.all_agree
            ]
            if not chosen:
                self.say(
                    _("No pending cards on this page whose image agrees on all three."), "#555"
                )
                return
            self._pending = chosen
            self.confirm_text.value = (
                html.esc(
                    _(
                        "Approve {n} pending card(s) on this page whose image agrees on all three?"
                    ).format(n=len(chosen))
                )
                + "&nbsp;"
            )
            self.confirm_yes.description = _("Yes, approve {n}").format(n=len(chosen))
            self.confirm_bar.layout.display = "flex"
            return
        if clean:
            chosen = [v for v in cards if v.card and v.card.clean and v.card.state == "pending"]
            what = "clean"
        else:
            chosen = [v for v in cards if v.selected and v.card and v.card.state != "approved"]
            what = "selected"
        if not chosen:
            self.say(_(NOTHING[what]), "#555")
            return
        self._pending = chosen
        n = len(chosen)
        ask = _(ASK[what]).format(n=n)
        self.confirm_text.value = f"{html.esc(ask)}&nbsp;"
        self.confirm_yes.description = _("Yes, approve {n}").format(n=n)
        self.confirm_bar.layout.display = "flex"

    def confirm_bulk(self) -> None:
        """Approve the cards asked about, in one transaction."""
        chosen = [v for v in self._pending if v.card is not None]
        self._hide_confirm()
        expected = {v.card.pk: v.card.decision_id for v in chosen if v.card}
        try:
            done = guard.attempt(
                [self.say],
                _("Not saved"),
                lambda: self.service.approve_many(expected),
                _("Press the approve button again."),
            )
        except DecisionError as exc:
            self.say(str(exc))
            return
        if done is None:
            return
        approved, conflicts = done
        for pk, info in approved.items():
            self._set_decision(pk, info)
        for view in chosen:
            if view.card is not None and view.card.pk in conflicts:
                view.show_conflict(conflicts[view.card.pk], ("approve", None, None, None))
        for view in chosen:
            view.select(False)
        self.recount()
        extra = (
            _("; {n} decided meanwhile by others (see red cards)").format(n=len(conflicts))
            if conflicts
            else ""
        )
        self.say(_("Approved {n} card(s){extra}.").format(n=len(approved), extra=extra), "#2e7d32")

    def _hide_confirm(self) -> None:
        self._pending = []
        self.confirm_bar.layout.display = "none"

    def _count_selected(self) -> None:
        n = sum(1 for v in self.visible_cards() if v.selected)
        self.approve_selected.description = _("Approve selected ({n})").format(n=n)

    @not_loaded
    def undo(self) -> None:
        """Undo this reviewer's last action (a new history entry; nothing is deleted)."""
        try:
            undone = guard.attempt(
                [self.say], _("Not undone"), self.service.undo_last, _("Press Undo (U) again.")
            )
        except DecisionError as exc:
            self.say(str(exc))
            return
        if undone is None:
            return
        restored = undone.restored
        self.forget_pages()  # an undone card may be on a page kept
        for pk, info in restored.items():
            for view in self.visible_cards():
                if view.card is not None and view.card.pk == pk:
                    view.update(info)
                    self.cursor = view.index  # the highlight goes back to the undone card
        if self.detail.visible and self.detail.detail and self.detail.detail.card.pk in restored:
            self.show_detail(self.detail.detail.card.pk, keep_view=True)
        # The undone cards may be on another page: count again rather than guess.
        progress = self.service.progress(self.view_filters)
        self.total, self.decided = progress.total, progress.decided
        self.highlight()
        self._show_progress()
        self.recount()
        self.undo_button.disabled = not self.service.can_undo()
        if undone.refused:
            self.say(_("Not undone") + ": " + "; ".join(undone.refused.values()))
        else:
            text = _("Undone: {n} decision(s) restored to what stood before.")
            self.say(text.format(n=len(restored)), "#555")
