"""The detail view: full preview, the student's record and standard, other uploads, history."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from certreview.i18n import N_, _, ngettext
from certreview.review.evidence import highlight
from certreview.review.service import Card, DecisionInfo, Detail
from certreview.rules import contract
from certreview.widgets import html
from certreview.widgets.common import NO_REASON, Attempt, data_url, offer_conflict, placeholder
from certreview.widgets.evidence import detail_evidence
from certreview.widgets.keys import REASON_KEYS

AS_MATCHED = ""
ZOOMS = {"fit": "100%", "150%": "150%", "200%": "200%", "300%": "300%"}
FIT = N_("fit")  # the label of the "fit" zoom; the other zooms are numbers


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
        # How to show another submission (the workbench's show_detail), for "Open".
        self.load: Callable[[int], None] | None = None
        self._preview = preview
        self.rotation = 0
        self.header = w.HTML()
        self.image = w.Image(format="url", layout=w.Layout(width="100%", object_fit="contain"))
        self.image.add_class("certreview-zoomable")  # zoom past the page's max-width: 100%
        self.frame = w.Box(
            [self.image], layout=w.Layout(overflow="auto", max_height="70vh", width="100%")
        )
        self.rotate_left = w.Button(description="⟲", tooltip=_("Rotate left"), layout=_auto())
        self.rotate_right = w.Button(description="⟳", tooltip=_("Rotate right"), layout=_auto())
        self.zoom = w.ToggleButtons(
            options=zoom_options(), value="fit", style={"button_width": "auto"}
        )
        self.page = w.BoundedIntText(
            value=1, min=1, max=1, description=_("PDF page"), layout=_auto()
        )
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
        self.item = w.Dropdown(description=_("as item"), layout=w.Layout(width="320px"))
        self.reason = w.Dropdown(
            options=[(_("reason…"), NO_REASON)]
            + [(f"{k} {contract.reason_label(c)}", c) for k, c in REASON_KEYS.items()],
            value=NO_REASON,
            layout=_auto(),
        )
        self.note = w.Text(
            placeholder=_("note (required for 'other')"), layout=w.Layout(width="280px")
        )
        self.approve = w.Button(description=_("Approve"), button_style="success", layout=_auto())
        self.reject = w.Button(description=_("Reject"), button_style="danger", layout=_auto())
        self.send_back = w.Button(description=_("Return"), button_style="warning", layout=_auto())
        self.back = w.Button(description=_("← Back to the grid"), layout=_auto())
        self.message = w.HTML()
        self.keep = w.Button(description=_("Keep theirs"), layout=_auto())
        self.override = w.Button(description=_("Override"), button_style="danger", layout=_auto())
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
            (_("as matched"), AS_MATCHED),
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
        flags = html.esc(_("Flags"))
        self.flags.value = (
            f"<b>{flags}</b><ul style='margin:0'>"
            + "".join(f"<li>{html.badge(f)} {html.esc(text)}</li>" for f, text in detail.flags)
            + "</ul>"
            if detail.flags
            else f"<b>{flags}</b>: " + html.esc(_("none"))
        ) + "".join(f"<div><i>{html.esc(note)}</i></div>" for note in detail.notes)
        history = html.esc(_("History"))
        self.history.value = f"<b>{history}</b>: " + html.history(detail.history)
        others = html.esc(_("Other submissions of this student"))
        self.others_label.value = (
            f"<b>{others}</b> "
            + html.esc(_("({n}, this round's first; scroll for more)").format(n=len(detail.others)))
            if detail.others
            else f"<b>{others}</b>: " + html.esc(_("none"))
        )
        self._fill(self.others, self.others_box, detail.others)
        self.copies_label.value = (
            "<b>"
            + html.esc(_("The same image, uploaded as"))
            + "</b> "
            + html.esc(_("(this upload first)"))
            if detail.partners
            else ""
        )
        self._fill(
            self.copies, self.copies_box, (card, *detail.partners) if detail.partners else ()
        )
        self.box.layout.display = "flex"

    def show_standard(self, detail: Detail) -> None:
        """Show the standard and standing of DETAIL, the submission already shown."""
        if self.detail is not None and self.detail.card.pk == detail.card.pk:
            self.detail = detail
            self.standard.value = _standard(detail)

    def open(self, pk: int) -> None:
        """Show the detail of another submission (an "Open" button of a small card)."""
        if self.load is not None:
            self.load(pk)

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
        self.image.value = data_url(data or placeholder())


class _Mini:
    """A small card of another submission, with a button that opens its detail."""

    def __init__(self, on_open: Callable[[int], None], scale: int = 1) -> None:
        self.card: Card | None = None
        width = f"{140 * scale}px"
        self.image = w.Image(
            format="url",
            layout=w.Layout(width=width, height=f"{100 * scale}px", object_fit="contain"),
        )
        self.text = w.HTML(layout=w.Layout(width=width))
        self.open = w.Button(
            description=_("Open"), tooltip=_("Show this submission"), layout=_auto()
        )
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
        self.image.value = data_url(card.thumbnail or placeholder())
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


def zoom_options() -> list[tuple[str, str]]:
    """Return the zoom choices as (label, value): "fit" in words, the others as they are."""
    return [(_(FIT) if z == "fit" else z, z) for z in ZOOMS]


def _roster(detail: Detail) -> str:
    st = detail.student
    roster = html.esc(_("Roster"))
    if st is None:
        missing = html.esc(_("no roster student with this ID"))
        return f"<b>{roster}</b>: <span style='color:#c62828'>{missing}</span>"
    label = contract.column_label
    return f"<b>{roster}</b>" + html.table(
        [
            (label("student_id"), st.student_id),
            (label("name"), st.name),
            (label("program"), st.program or ""),
            (label("class_name"), st.class_name or ""),
            (label("admission_year"), st.admission_year),
            (label("status"), contract.student_status_label(st.status)),
            (label("exit_year"), st.exit_year or ""),
        ]
    )


def _standard(detail: Detail) -> str:
    rule = detail.standard
    if detail.student is None:
        return ""
    standard = html.esc(_("Standard"))
    if detail.standing is None:  # read a moment later (see DetailActions.show_detail)
        return f"<b>{standard}</b>: …"
    if rule is None:
        nothing = html.esc(_("no standard matches this student"))
        return f"<b>{standard}</b>: <span style='color:#c62828'>{nothing}</span>"
    per_cat = ", ".join(f"{k} ≥ {v}" for k, v in rule.min_per_category.items())
    needs = _("at least {certificates}, {points} points").format(
        certificates=_certificates(rule.min_count), points=f"{rule.min_points:g}"
    )
    text = (
        f"<b>{standard}</b>: {html.esc(rule.name)} — {html.esc(needs)}"
        f"{'; ' + html.esc(per_cat) if per_cat else ''}"
        + ("; " + html.esc(_("earned during enrollment")) if rule.during_enrollment else "")
    )
    standing = detail.standing
    if standing is not None:
        status = (
            "<span style='color:#2e7d32'>" + html.esc(_("requirement met")) + "</span>"
            if standing.met
            else "<span style='color:#c62828'>"
            + html.esc(_("still {missing}").format(missing=standing.missing))
            + "</span>"
        )
        now = _("Counting now: {certificates}, {points} points, {pending} pending").format(
            certificates=_certificates(standing.approved),
            points=f"{standing.points:g}",
            pending=standing.pending,
        )
        text += f"<br>{html.esc(now)} — {status}"
    if detail.counts:
        text += "<br>" + html.esc(_("This submission {counts}.").format(counts=detail.counts))
    return text


def _certificates(n: int) -> str:
    return ngettext("{n} certificate", "{n} certificates", n).format(n=n)
