"""The unified review workbench: filters, a grid of cards, the detail view and the keyboard."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w

from certreview.config import login_name
from certreview.i18n import _
from certreview.review.service import DecisionInfo, Filters, Progress, ReviewService
from certreview.store.decisions import DecisionConflict, DecisionError, check_verdict
from certreview.widgets import guard, html
from certreview.widgets.background import COUNTS_AFTER_VIEW, Background
from certreview.widgets.bulk import BulkApproval
from certreview.widgets.cards import CardView
from certreview.widgets.common import Attempt
from certreview.widgets.detail import AS_MATCHED, DetailView
from certreview.widgets.detail_actions import DetailActions, not_loaded
from certreview.widgets.filters import FilterBar
from certreview.widgets.grid import CardGrid
from certreview.widgets.keyboard import Keyboard
from certreview.widgets.keycatcher import KeyCatcher
from certreview.widgets.keys import help_html
from certreview.widgets.later import Later
from certreview.widgets.preview import STYLE, PreviewPane, Previews

PAGE_SIZES = (12, 24, 48, 96)


def default_reviewer() -> str:
    """Return the logged-in person (JupyterHub login, else the system user), or ''."""
    return login_name()


class ReviewWorkbench(Background, BulkApproval, DetailActions, w.VBox):
    """Review submissions with filters, cards, a detail view and keys, through a ReviewService."""

    def __init__(self, service: ReviewService, *, page_size: int = 24) -> None:
        self.service = service
        self.view_filters = Filters()
        self.page_number = 0
        self.page_size = page_size
        self.cursor = 0
        self.total = 0
        self.decided = 0
        self._pages = {}  # pages at hand (see Background)
        self._pending: list[CardView] = []  # cards waiting for the bulk confirmation
        self.key_dispatch = Keyboard(self)
        self.later = Later()  # counts and read-ahead wait until the reviewer pauses
        self.previews = Previews(service.preview)
        self._focused = -1  # the card whose button has the focus (focusing again would jump)
        self.grid = CardGrid(self._make_card, self.serial)
        self.views = self.grid.views

        # Who is reviewing: asked once, before anything else.
        self.reviewer = w.Text(
            value=service.reviewer or default_reviewer(),
            description=_("Your name"),
            layout=w.Layout(width="320px"),
        )
        self.start_button = w.Button(description=_("Start reviewing"), button_style="primary")
        self.reviewer_bar = w.HBox([self.reviewer, self.start_button])
        self.who = w.HTML()

        # Every handler holds off the deferred jobs (see Later.serial).
        serial = self.serial
        self.filter_bar = FilterBar(self.apply_filters, serial)
        self.approve_clean = w.Button(
            description=_("Approve clean on this page"), icon="check", layout=_auto()
        )
        self.approve_selected = w.Button(
            description=_("Approve selected ({n})").format(n=0), icon="check-square", layout=_auto()
        )
        self.approve_agreeing = self.agreeing_button()
        self.undo_button = w.Button(
            description=_("Undo last"), icon="undo", disabled=True, layout=_auto()
        )
        self.refresh_button = w.Button(description=_("Refresh"), icon="refresh", layout=_auto())
        self.size = w.Dropdown(
            options=list(PAGE_SIZES) if page_size in PAGE_SIZES else [*PAGE_SIZES, page_size],
            value=page_size,
            description=_("Per page"),
            style={"description_width": "60px"},
            layout=w.Layout(width="150px"),
        )
        self.previous_button = w.Button(description=_("◀ Previous"), layout=w.Layout(width="auto"))
        self.next_button = w.Button(description=_("Next ▶"), layout=w.Layout(width="auto"))
        self.page_label = w.Label()
        self.confirm_text = w.HTML()
        self.confirm_yes = w.Button(description=_("Yes, approve"), button_style="success")
        self.confirm_no = w.Button(description=_("Cancel"))
        self.confirm_bar = w.HBox(
            [self.confirm_text, self.confirm_yes, self.confirm_no],
            layout=w.Layout(display="none"),
        )
        # Keys typed over the workbench fill it; Enter in the box itself saves too.
        self.note_text = w.Text(
            placeholder=_("what is wrong (required for 'other')"), continuous_update=False
        )
        self.note_label = w.HTML()
        self.note_ok = w.Button(description=_("Reject with this note"), button_style="danger")
        self.note_cancel = w.Button(description=_("Cancel"))
        self.note_bar = w.HBox(
            [self.note_label, self.note_text, self.note_ok, self.note_cancel],
            layout=w.Layout(display="none"),
        )
        self.progress_bar = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="300px"))
        self.progress_label = w.Label()
        # A fixed height: a message appearing or going must not make the grid jump.
        self.status = w.HTML(layout=w.Layout(height="24px", overflow="hidden", flex="1 1 auto"))
        self.help = w.HTML(STYLE + help_html())
        # The grid scrolls in its own box beside the large preview, so both stay on screen;
        # highlighting a card focuses it, which scrolls it into view.
        self.preview = PreviewPane(self.previews, self.later)
        self.grid_frame = w.Box(
            [self.grid],
            # A block, not a flex box: a stretched grid would squeeze its rows to the frame.
            layout=w.Layout(
                display="block",
                overflow="auto",
                height="calc(100vh - 250px)",
                min_height="300px",
                flex="1 1 0",
            ),
        )
        self.grid_frame.add_class("certreview-grid-frame")
        self.cards_row = w.HBox([self.grid_frame, self.preview.box], layout=w.Layout(width="100%"))
        self.detail = DetailView(
            self.previews,
            serial(self._decide_detail),
            serial(self._resolve_detail),
            serial(self.close_detail),
        )
        self.detail.load = serial(self.show_detail)  # "Open" on another upload in the detail view
        toolbar = w.HBox(
            [
                self.approve_clean,
                self.approve_agreeing,
                self.approve_selected,
                self.undo_button,
                self.refresh_button,
                self.size,
                self.previous_button,
                self.page_label,
                self.next_button,
            ],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.key_area = w.VBox(
            [
                toolbar,
                self.confirm_bar,
                self.note_bar,
                w.HBox([self.progress_bar, self.progress_label, self.status]),
                self.cards_row,
                self.detail.box,
            ]
        )
        # Keys come while the focus is in the workbench or the pointer rests over it, wherever
        # the other is, and never reach JupyterLab (no X cutting the cell, no A inserting one).
        self.key_catcher = KeyCatcher(serial(self.handle_key), ".certreview-workbench")
        self.main = w.VBox(
            [self.who, self.filter_bar.box, self.help, self.key_area],
            layout=w.Layout(display="none"),
        )
        super().__init__([self.reviewer_bar, self.main, self.key_catcher])
        self.add_class("certreview-workbench")

        self.start_button.on_click(serial(lambda _: self.start()))
        self.approve_clean.on_click(serial(lambda _: self.ask_bulk(clean=True)))
        self.approve_selected.on_click(serial(lambda _: self.ask_bulk(clean=False)))
        self.confirm_yes.on_click(serial(lambda _: self.confirm_bulk()))
        self.confirm_no.on_click(serial(lambda _: self._hide_confirm()))
        self.note_ok.on_click(serial(lambda _: self.key_dispatch.save_note()))
        self.note_cancel.on_click(serial(lambda _: self.key_dispatch.hide_note()))
        self.note_text.observe(serial(lambda _: self.key_dispatch.note_submitted()), "value")
        self.undo_button.on_click(serial(lambda _: self.undo()))
        self.refresh_button.on_click(serial(lambda _: self.refresh()))
        self.previous_button.on_click(serial(lambda _: self.turn(-1)))
        self.next_button.on_click(serial(lambda _: self.turn(1)))
        self.size.observe(serial(lambda ch: self.set_page_size(ch["new"])), "value")
        if service.reviewer:
            self.start()

    # -- loading -------------------------------------------------------------------------

    def start(self) -> None:
        """Take the reviewer's name and show the pending cards of the newest round."""
        name = self.reviewer.value.strip()
        if not name:
            self.reviewer.placeholder = _("type your name first")
            return
        self.service.reviewer = name
        self.who.value = html.esc(_("Reviewing as {name}")).format(name=f"<b>{html.esc(name)}</b>")
        self.reviewer_bar.layout.display = "none"
        self.main.layout.display = "flex"
        self.view_filters = self.service.default_filters()
        self.page_number = 0
        self.load(counts=True)

    @not_loaded
    def apply_filters(self) -> None:
        """Open a new view from the filter bar and show its first page."""
        self.view_filters = self.service.open_view(self.filter_bar.filters())
        self.page_number = 0
        self.load(counts=True)

    @not_loaded
    def refresh(self) -> None:
        """Reload the view as it stands now (others' decisions included), on the same page."""
        self.view_filters = self.service.open_view(self.view_filters)
        self.load(counts=True)

    @not_loaded
    def load(self, *, counts: bool = False, number: int | None = None, turn: bool = False) -> None:
        """Show page NUMBER (default: the current one); with COUNTS, refresh the filter counts.

        A TURN in the same view keeps its total and progress (counted as the reviewer decides).
        """
        self.later.cancel("page")
        progress = (
            Progress(self.decided, self.total) if turn else self.service.progress(self.view_filters)
        )
        pages = max(1, math.ceil(progress.total / self.page_size))
        number = min(max(self.page_number if number is None else number, 0), pages - 1)
        cards = (
            self.page_cards(number)
            if turn
            else self.service.page(self.view_filters, number, self.page_size)
        )
        # Only once both reads worked: a busy database leaves the page as it was.
        self.total, self.decided, self.page_number = progress.total, progress.decided, number
        self.grid.ensure(self.page_size)
        for i, view in enumerate(self.views):
            view.show(cards[i] if i < len(cards) else None)
        self.cursor, self._focused = 0, -1
        self.highlight()
        self.grid.flush()  # the cards first: the labels and counts below can follow
        first = self.page_number * self.page_size
        shown = (first + 1 if cards else 0, first + len(cards))
        self.page_label.value = html.page_line(self.page_number + 1, pages, *shown, self.total)
        self.previous_button.disabled = self.page_number == 0
        self.next_button.disabled = self.page_number >= pages - 1
        self._hide_confirm()
        self.key_dispatch.hide_note()
        self._show_progress()
        self._count_selected()
        self.say("" if cards else _("Nothing to review in this view."), "#555")
        if counts:  # the page first: the counts follow in the next quiet moment
            self.recount(COUNTS_AFTER_VIEW)
        self.read_ahead()

    def turn(self, delta: int) -> None:
        """Go DELTA pages forward (or back) in the same view."""
        pages = max(1, math.ceil(self.total / self.page_size))
        target = min(max(self.page_number + delta, 0), pages - 1)
        if target != self.page_number:
            self.keep_page()
            self.load(number=target, turn=True)

    def set_page_size(self, size: int) -> None:
        """Show SIZE cards per page, keeping the first card of the page in view."""
        first = self.page_number * self.page_size
        self.page_size = size
        self.load(number=first // size)

    def _make_card(self, index: int) -> CardView:
        return CardView(
            index,
            self.grid,
            self.serial(self.decide_card),
            self.serial(self.open_detail),
            self.serial(self.resolve_conflict),
            self.serial(lambda _v: self._count_selected()),
        )

    def visible_cards(self) -> list[CardView]:
        """Return the card views holding a submission on this page."""
        return [v for v in self.views[: self.page_size] if v.card is not None]

    # -- deciding ------------------------------------------------------------------------

    def decide_card(
        self, view: CardView, verdict: str, reason: str | None, note: str | None = None
    ) -> None:
        """Decide the submission on VIEW (a card click or a key)."""
        if view.card is None:
            return
        if verdict in ("reject", "return") and reason is None:
            reason = view.reason or None  # the reason picked on the card, if any
        try:
            check_verdict(verdict, reason, note, None)  # the rules of a decision live there
        except DecisionError as exc:
            if reason == "other" and not (note or "").strip():
                # Cards have no note field: ask above them.
                self.key_dispatch.ask_note(view, verdict)
            else:
                view.say(str(exc))
            return
        self.cursor = view.index
        before = view.card.decision_id
        self._apply(view, (verdict, reason, note, None), before)
        # Decided: the next pending card becomes the one the keys act on, as in a paper pile.
        cards = self.visible_cards()
        if view.card.decision_id != before and self.cursor < len(cards) - 1:
            later = [
                v.index for v in cards[self.cursor + 1 :] if v.card and v.card.state == "pending"
            ]
            self.cursor = later[0] if later else self.cursor + 1
        self.highlight()

    def resolve_conflict(self, view: CardView, override: bool) -> None:
        """Keep the other reviewer's decision, or record ours after it."""
        if view.newer is None or view.attempt is None:
            return
        if override:
            self._apply(view, view.attempt, view.newer.id)
        else:
            self._set_decision(view.card.pk if view.card else -1, view.newer)
            self.say(_("Kept the other reviewer's decision."), "#555")

    def _apply(self, view: CardView, attempt: Attempt, expected: int | None) -> None:
        assert view.card is not None
        info = self._try_decide(view, view.card.pk, attempt, expected)
        if info is None:
            return
        view.say("")  # an earlier "Not saved" is no longer true
        self._set_decision(view.card.pk, info)
        self.recount()
        self.say(html.decided_line(info.state, view.card.submission_id), "#2e7d32")

    def _try_decide(
        self, where: CardView | DetailView, pk: int, attempt: Attempt, expected: int | None
    ) -> DecisionInfo | None:
        """Write ATTEMPT; on a conflict, a broken rule or a busy database tell WHERE; None."""
        verdict, reason, note, item = attempt
        says = [where.say] if where is self.detail else [where.say, self.say]
        try:
            # Nothing was written when the database was busy: the card keeps its true state.
            return guard.attempt(
                says,
                _("Not saved"),
                lambda: self.service.decide(
                    pk,
                    verdict,
                    reason=reason,
                    note=note,
                    item=None if item == AS_MATCHED else item,
                    expected_latest=expected,
                ),
            )
        except DecisionConflict as exc:
            where.show_conflict(exc.newer, attempt)
            if where is not self.detail:
                self.say(str(exc))
        except DecisionError as exc:
            where.say(str(exc))
        return None

    def _set_decision(self, pk: int, info: DecisionInfo | None) -> None:
        """Show a new current decision wherever PK is on screen and move the progress bar."""
        for view in self.visible_cards():
            if view.card is not None and view.card.pk == pk:
                before = view.card.state
                view.update(info)
                after = view.card.state
                self.decided += (after != "pending") - (before != "pending")
        self.forget_pages()  # a page kept may show this card's old state
        self._show_progress()  # first: what the reviewer waits for
        self.highlight()
        self.undo_button.disabled = not self.service.can_undo()

    # -- keyboard ------------------------------------------------------------------------

    def handle_key(self, event: Mapping[str, Any]) -> None:
        """Act on one key event from the browser (see keys.HELP)."""
        self.key_dispatch.handle(event)

    def highlight(self) -> None:
        """Frame the card the keys act on, show it large and scroll it into view."""
        cards = self.visible_cards()
        for view in cards:
            view.highlight(view.index == self.cursor)
        current = next((v for v in cards if v.index == self.cursor), None)
        if current is not None and current.index != self._focused:
            # Focus scrolls the card into view and keeps the keys in the workbench.
            self.grid.focus_card(current.index)
            self._focused = current.index
        self.preview.show(current.card if current else None)
        self.read_ahead()

    # -- small things --------------------------------------------------------------------

    def serial(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        """Return HANDLER holding off the deferred jobs (Later.serial), its cards one message."""

        @functools.wraps(handler)
        def held(*args: Any, **kwargs: Any) -> Any:
            with self.grid.batch():
                return handler(*args, **kwargs)

        return self.later.serial(held)

    def _show_progress(self) -> None:
        self.progress_bar.max = max(self.total, 1)
        self.progress_bar.value = min(self.decided, self.total)
        self.progress_label.value = str(Progress(self.decided, self.total))

    def say(self, text: str, colour: str = "#c62828") -> None:
        """Show a one-line message above the grid (escaped)."""
        self.status.value = f'<span style="color:{colour}">{html.esc(text)}</span>' if text else ""


def _auto() -> w.Layout:
    return w.Layout(width="auto")
