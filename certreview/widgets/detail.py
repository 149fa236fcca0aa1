"""The detail view: full preview, the student's record and standard, other uploads, history."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from certreview.review.evidence import highlight
from certreview.review.service import Card, DecisionInfo, Detail
from certreview.rules.contract import REASON_LABELS
from certreview.widgets import html
from certreview.widgets.common import NO_REASON, Attempt, offer_conflict, placeholder
from certreview.widgets.evidence import detail_evidence
from certreview.widgets.keys import REASON_KEYS

AS_MATCHED = ""
ZOOMS = {"fit": "100%", "150%": "150%", "200%": "200%", "300%": "300%"}


def image_format(data: bytes) -> str:
    """Return the Image widget format of encoded bytes (previews may be PNG or JPEG)."""
    return "png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "jpeg"


class DetailView:
    """Everything about one submission, with the same decisions as on a card."""

    def __init__(
        self,
        preview: Callable[[str, int, int], bytes | None],
        on_decide: Callable[[str, str | None, str | None, str | None], None],
        on_resolve: Callable[[bool], None],
        on_back: Callable[[], None],
    ) -> None:
        self.detail: Detail | None = None
        # How to fetch another submission's detail (the workbench's service), for "Open".
        self.load: Callable[[int], Detail] | None = None
        self._preview = preview
        self.rotation = 0
        self.header = w.HTML()
        self.image = w.Image(format="jpeg", layout=w.Layout(width="100%", object_fit="contain"))
        self.image.add_class("certreview-zoomable")  # zoom past the page's max-width: 100%
        self.frame = w.Box(
            [self.image], layout=w.Layout(overflow="auto", max_height="70vh", width="100%")
        )
        self.rotate_left = w.Button(description="⟲", tooltip="Rotate left", layout=_auto())
        self.rotate_right = w.Button(description="⟳", tooltip="Rotate right", layout=_auto())
        self.zoom = w.ToggleButtons(
            options=list(ZOOMS), value="fit", style={"button_width": "auto"}
        )
        self.page = w.BoundedIntText(value=1, min=1, max=1, description="PDF page", layout=_auto())
        self.roster = w.HTML()
        self.standard = w.HTML()
        self.flags = w.HTML()
        self.evidence = w.HTML()  # what the image says beside what was typed
        self.history = w.HTML()
        self.others_label = w.HTML()
        self.others: list[_Mini] = []  # grown as needed: every other upload is reachable
        self.others_box = w.HBox(layout=w.Layout(overflow="auto", width="100%"))
        self.copies_label = w.HTML()
        self.copies: list[_Mini] = []
        self.copies_box = w.HBox(layout=w.Layout(overflow="auto", width="100%"))
        self.item = w.Dropdown(description="as item", layout=w.Layout(width="320px"))
        self.reason = w.Dropdown(
            options=[("reason…", NO_REASON)]
            + [(f"{k} {REASON_LABELS[c]}", c) for k, c in REASON_KEYS.items()],
            value=NO_REASON,
            layout=_auto(),
        )
        self.note = w.Text(
            placeholder="note (required for 'other')", layout=w.Layout(width="280px")
        )
        self.approve = w.Button(description="Approve", button_style="success", layout=_auto())
        self.reject = w.Button(description="Reject", button_style="danger", layout=_auto())
        self.send_back = w.Button(description="Return", button_style="warning", layout=_auto())
        self.back = w.Button(description="← Back to the grid", layout=_auto())
        self.message = w.HTML()
        self.keep = w.Button(description="Keep theirs", layout=_auto())
        self.override = w.Button(description="Override", button_style="danger", layout=_auto())
        self.conflict = w.HBox([self.keep, self.override], layout=w.Layout(display="none"))
        self.attempt: tuple[str, str | None, str | None, str | None] | None = None
        self.newer: DecisionInfo | None = None

        left = w.VBox(
            [w.HBox([self.rotate_left, self.rotate_right, self.zoom, self.page]), self.frame],
            layout=w.Layout(width="60%"),
        )
        right = w.VBox(
            [self.evidence, self.roster, self.standard, self.flags, self.history],
            layout=w.Layout(width="40%", padding="0 0 0 12px"),
        )
        self.box = w.VBox(
            [
                w.HBox([self.back, self.header]),
                w.HBox([self.approve, self.item]),
                w.HBox([self.reject, self.reason, self.note, self.send_back]),
                self.message,
                self.conflict,
                w.HBox([left, right]),
                self.copies_label,
                self.copies_box,
                self.others_label,
                self.others_box,
            ],
            layout=w.Layout(display="none", border="1px solid #d0d0d0", padding="6px"),
        )
        self.rotate_left.on_click(lambda _: self._turn(-90))
        self.rotate_right.on_click(lambda _: self._turn(90))
        self.zoom.observe(lambda _: self._zoom(), "value")
        self.page.observe(lambda _: self._load_preview(), "value")
        self.approve.on_click(
            lambda _: on_decide("approve", None, self.note.value, self.item.value)
        )
        self.reject.on_click(
            lambda _: on_decide("reject", self.reason.value or None, self.note.value, None)
        )
        self.send_back.on_click(
            lambda _: on_decide("return", self.reason.value or None, self.note.value, None)
        )
        self.keep.on_click(lambda _: on_resolve(False))
        self.override.on_click(lambda _: on_resolve(True))
        self.back.on_click(lambda _: on_back())

    @property
    def visible(self) -> bool:
        """Return True while the detail view is shown."""
        return self.box.layout.display != "none"

    def show(self, detail: Detail, *, keep_view: bool = False) -> None:
        """Show DETAIL; KEEP_VIEW keeps rotation, zoom and page (after a decision)."""
        same = self.detail is not None and self.detail.card.pk == detail.card.pk
        self.detail = detail
        card = detail.card
        self.header.value = (
            f'<div style="padding-left:12px">{html.card_info(card)}'
            f"{html.badges(card.flags)}<br>{html.state_line(card.decision)}</div>"
        )
        self.item.options = [
            ("as matched", AS_MATCHED),
            *((label, c) for c, label in detail.catalog),
        ]
        self.item.value = AS_MATCHED
        self.message.value = ""
        self.conflict.layout.display = "none"
        self.attempt = self.newer = None
        if not (keep_view and same):
            self.rotation = 0
            self.zoom.value = "fit"
            self.reason.value = NO_REASON
            self.note.value = ""
            self.page.max = max(card.pages, 1)
            self.page.value = 1
            # Only a PDF has pages to choose; a multi-frame TIFF shows its first frame.
            pdf = card.file_format == "PDF" and card.pages > 1
            self.page.layout.display = "flex" if pdf else "none"
            self._load_preview()
        self.evidence.value = detail_evidence(card)
        self.roster.value = _roster(detail)
        self.standard.value = _standard(detail)
        self.flags.value = (
            "<b>Flags</b><ul style='margin:0'>"
            + "".join(f"<li>{html.badge(f)} {html.esc(text)}</li>" for f, text in detail.flags)
            + "</ul>"
            if detail.flags
            else "<b>Flags</b>: none"
        ) + "".join(f"<div><i>{html.esc(note)}</i></div>" for note in detail.notes)
        self.history.value = "<b>History</b>: " + html.history(detail.history)
        self.others_label.value = (
            f"<b>Other submissions of this student</b> ({len(detail.others)}, this round's first;"
            " scroll for more)"
            if detail.others
            else "<b>Other submissions of this student</b>: none"
        )
        self._fill(self.others, self.others_box, detail.others)
        self.copies_label.value = (
            "<b>The same image, uploaded as</b> (this upload first)" if detail.partners else ""
        )
        self._fill(
            self.copies, self.copies_box, (card, *detail.partners) if detail.partners else ()
        )
        self.box.layout.display = "flex"

    def open(self, pk: int) -> None:
        """Show the detail of another submission (an "Open" button of a small card)."""
        if self.load is not None:
            self.show(self.load(pk))

    def _fill(self, minis: list[_Mini], box: w.Box, cards: tuple[Card, ...]) -> None:
        while len(minis) < len(cards):
            # The copies are compared by eye: twice the size of the student's other uploads.
            minis.append(_Mini(self.open, 2 if minis is self.copies else 1))
        for i, mini in enumerate(minis):
            mini.show(cards[i] if i < len(cards) else None)
        if len(box.children) != len(minis):
            box.children = [m.box for m in minis]

    def hide(self) -> None:
        """Hide the detail view."""
        self.box.layout.display = "none"

    def say(self, text: str, colour: str = "#c62828") -> None:
        """Show a short message (escaped)."""
        self.message.value = f'<span style="color:{colour}">{html.esc(text)}</span>' if text else ""

    def show_conflict(self, newer: DecisionInfo, attempt: Attempt) -> None:
        """Show that someone else decided meanwhile, and offer keep theirs / override."""
        offer_conflict(self, newer, attempt)

    def _turn(self, degrees: int) -> None:
        self.rotation = (self.rotation + degrees) % 360
        self._load_preview()

    def _zoom(self) -> None:
        self.image.layout.width = ZOOMS[self.zoom.value]

    def _load_preview(self) -> None:
        if self.detail is None:
            return
        sha = self.detail.card.image_sha256
        data = self._preview(sha, self.page.value - 1, self.rotation) if sha else None
        evidence = self.detail.card.evidence
        if data and evidence and evidence.boxes and self.page.value == 1 and not self.rotation:
            # The text that answered each question, outlined (name blue, certificate green, year orange).
            data = highlight(data, evidence.boxes)
        data = data or placeholder()
        self.image.format = image_format(data)
        self.image.value = data


class _Mini:
    """A small card of another submission, with a button that opens its detail."""

    def __init__(self, on_open: Callable[[int], None], scale: int = 1) -> None:
        self.card: Card | None = None
        width = f"{140 * scale}px"
        self.image = w.Image(
            format="jpeg",
            layout=w.Layout(width=width, height=f"{100 * scale}px", object_fit="contain"),
        )
        self.text = w.HTML(layout=w.Layout(width=width))
        self.open = w.Button(description="Open", tooltip="Show this submission", layout=_auto())
        self.open.on_click(lambda _: on_open(self.card.pk) if self.card else None)
        self.box = w.VBox(
            [self.image, self.text, self.open],
            layout=w.Layout(display="none", margin="2px", flex="0 0 auto"),
        )

    def show(self, card: Card | None) -> None:
        self.card = card
        if card is None:
            self.box.layout.display = "none"
            return
        self.image.value = card.thumbnail or placeholder()
        who = card.student_id or card.student_key
        self.text.value = (
            f'<div style="font-size:11px;overflow-wrap:anywhere">{html.esc(card.submission_id)} · '
            f"{html.esc(who)} {html.esc(card.roster_name or card.student_name_text)}<br>"
            f"{html.esc(card.certificate_name_text)}<br>{html.esc(card.round_name)} · "
            f"{html.state_line(card.decision)}</div>"
        )
        self.box.layout.display = "flex"


def _auto() -> w.Layout:
    return w.Layout(width="auto")


def _roster(detail: Detail) -> str:
    st = detail.student
    if st is None:
        return "<b>Roster</b>: <span style='color:#c62828'>no roster student with this ID</span>"
    return "<b>Roster</b>" + html.table(
        [
            ("Student ID", st.student_id),
            ("Name", st.name),
            ("Program", st.program or ""),
            ("Class", st.class_name or ""),
            ("Admitted (AY)", st.admission_year),
            ("Status", st.status),
            ("Left (AY)", st.exit_year or ""),
        ]
    )


def _standard(detail: Detail) -> str:
    rule = detail.standard
    if detail.student is None:
        return ""
    if rule is None:
        return (
            "<b>Standard</b>: <span style='color:#c62828'>no standard matches this student</span>"
        )
    per_cat = ", ".join(f"{k} ≥ {v}" for k, v in rule.min_per_category.items())
    text = (
        f"<b>Standard</b>: {html.esc(rule.name)} — at least {_certificates(rule.min_count)}, "
        f"{rule.min_points:g} points{'; ' + html.esc(per_cat) if per_cat else ''}"
        f"{'; earned during enrollment' if rule.during_enrollment else ''}"
    )
    standing = detail.standing
    if standing is not None:
        status = (
            "<span style='color:#2e7d32'>requirement met</span>"
            if standing.met
            else f"<span style='color:#c62828'>still {html.esc(standing.missing)}</span>"
        )
        text += (
            f"<br>Counting now: {_certificates(standing.approved)}, {standing.points:g} points, "
            f"{standing.pending} pending — {status}"
        )
    if detail.counts:
        text += f"<br>This submission {html.esc(detail.counts)}."
    return text


def _certificates(n: int) -> str:
    return f"{n} certificate{'' if n == 1 else 's'}"
