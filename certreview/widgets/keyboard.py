"""The workbench's key dispatch: decisions, moves, the note typed by keys, the detail view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from certreview.i18n import _
from certreview.rules.contract import state_label, verdict_label
from certreview.store.decisions import DecisionError, check_verdict
from certreview.widgets import html
from certreview.widgets.keys import action_for

if TYPE_CHECKING:
    from certreview.widgets.cards import CardView

DECISIONS = ("approve", "reject", "return")


class Keyboard:
    """Turn key events from the browser (keycatcher) into workbench actions (see keys.HELP)."""

    def __init__(self, bench: Any) -> None:  # the ReviewWorkbench (which imports this module)
        self.bench = bench
        # The card whose decision the reviewer asked to change with C (its pk), if any.
        self.changing: int | None = None
        # The card and the verdict a note is being typed for; the detail view's card has none.
        self.note_for: tuple[CardView | None, str] | None = None

    def handle(self, event: Mapping[str, Any]) -> None:
        """Act on one key event."""
        bench = self.bench
        if self.note_for is not None and event.get("type") == "keydown":
            self._type_note(event)
            return
        found = action_for(event)
        if found is None:
            return
        if bench.detail.visible:
            self._detail_key(*found)
            return
        cards = bench.visible_cards()
        if not cards:
            return
        action, reason = found
        bench.cursor = min(bench.cursor, len(cards) - 1)
        view = cards[bench.cursor]
        if action in DECISIONS:
            self._decide_key(view, action, reason)
        elif action == "change":
            self.changing = view.card.pk if view.card else None
            bench.say(_("Change this decision: press A, 1–8 or Shift+1–8."), "#555")
        elif action == "next":
            if bench.cursor < len(cards) - 1:
                bench.cursor += 1
            elif bench.page_number * bench.page_size + len(cards) < bench.total:
                bench.turn(1)
        elif action == "previous":
            bench.cursor = max(bench.cursor - 1, 0)
        elif action == "flagged":
            self._jump_to_flagged(cards)
        elif action == "next_page":
            bench.turn(1)
        elif action == "previous_page":
            bench.turn(-1)
        elif action == "undo":
            bench.undo()
        elif action == "detail":
            bench.open_detail(view)
        elif action == "select":
            view.select(not view.selected)
        bench.highlight()

    def _decide_key(self, view: CardView, verdict: str, reason: str | None) -> None:
        card = view.card
        if card is None:
            return
        # A second A on a decided card must not write a second decision: keys only decide
        # pending cards unless the reviewer pressed C (change) on this very card first.
        if card.state != "pending" and self.changing != card.pk:
            state = state_label(card.state).lower()
            view.say(
                _("Already {state}. Press C, then a key, to change it.").format(state=state), "#555"
            )
            self.bench.say(
                _("{submission} is already {state}: press C to change it.").format(
                    submission=card.submission_id, state=state
                ),
                "#555",
            )
            return
        self.changing = None
        if reason == "other":
            self.ask_note(view, verdict)
            return
        self.bench.decide_card(view, verdict, reason)

    def _jump_to_flagged(self, cards: list[CardView]) -> None:
        bench = self.bench
        order = cards[bench.cursor + 1 :] + cards[: bench.cursor + 1]
        for view in order:
            if view.card is not None and view.card.flags and view.card.state == "pending":
                bench.cursor = view.index
                return
        bench.say(_("No flagged pending card on this page: N for the next page."), "#555")

    def _detail_key(self, action: str, reason: str | None) -> None:
        bench = self.bench
        detail = bench.detail
        if action == "back":
            bench.close_detail()
        elif action in ("next", "previous"):
            self._step_other(1 if action == "next" else -1)
        elif action in DECISIONS and detail.detail is not None:
            card = detail.detail.card
            current = card.decision
            if current is not None and (current.verdict, current.reason) == (action, reason):
                detail.say(
                    _("Already {state}: nothing written.").format(
                        state=state_label(card.state).lower()
                    ),
                    "#555",
                )
            elif reason == "other":
                self.ask_note(None, action)
            else:
                bench.decide_in_detail(action, reason)

    def _step_other(self, delta: int) -> None:
        detail = self.bench.detail.detail
        if detail is None or not detail.others:
            self.bench.detail.say(_("This student has no other uploads."), "#555")
            return
        pks = sorted({detail.card.pk, *(c.pk for c in detail.others)})
        target = pks[(pks.index(detail.card.pk) + delta) % len(pks)]
        self.bench.show_detail(target)

    # -- the note for 'other' ------------------------------------------------------------

    def ask_note(self, view: CardView | None, verdict: str) -> None:
        """Open the note bar for VIEW's card (None: the detail view's) for keys to type in."""
        bench = self.bench
        self.note_for = (view, verdict)
        if view is not None and view.card is not None:
            sid = view.card.submission_id
        else:
            sid = bench.detail.detail.card.submission_id if bench.detail.detail else ""
        words = verdict_label(verdict)
        label = _("{verdict} {submission} (other):").format(
            verdict=words.capitalize(), submission=sid
        )
        bench.note_label.value = f"{html.esc(label)} &nbsp;"
        bench.note_ok.description = _("{verdict} with this note").format(verdict=words.capitalize())
        self._set_note("")
        # No focus() on the box: it would scroll the page away from under the pointer, and
        # the keys typed over the workbench come here anyway (see _type_note).
        bench.note_bar.layout.display = "flex"
        bench.say(_("Type the note: Enter saves, Esc cancels."), "#555")

    def _type_note(self, event: Mapping[str, Any]) -> None:
        # The workbench's keys come here, not to the text box (it is not focused):
        # build the note from them.
        key = str(event.get("key", ""))
        text = self.bench.note_text.value
        if key == "Enter":
            self.save_note()
        elif key == "Escape":
            self.hide_note()
            self.bench.say(_("No note: nothing written."), "#555")
        elif key == "Backspace":
            self._set_note(text[:-1])
        elif len(key) == 1 and not (event.get("ctrlKey") or event.get("metaKey")):
            self._set_note(text + key)

    def _set_note(self, text: str) -> None:
        self._typing = True
        try:
            self.bench.note_text.value = text
        finally:
            self._typing = False

    def note_submitted(self) -> None:
        """Save the note when the reviewer pressed Enter in the text box itself."""
        if not getattr(self, "_typing", False) and self.note_for is not None:
            self.save_note()

    def save_note(self) -> None:
        """Decide the card asked about as 'other' with the typed note."""
        if self.note_for is None:
            return
        view, verdict = self.note_for
        bench = self.bench
        note = bench.note_text.value.strip()
        try:
            check_verdict(verdict, "other", note, None)
        except DecisionError as exc:
            bench.say(str(exc))
            (view.say if view is not None else bench.detail.say)(str(exc))
            return
        self.hide_note()
        if view is None:
            bench.decide_in_detail(verdict, "other", note)
        elif view.card is not None:
            bench.decide_card(view, verdict, "other", note)

    def hide_note(self) -> None:
        """Close the note bar without deciding."""
        self.note_for = None
        self.bench.note_bar.layout.display = "none"
