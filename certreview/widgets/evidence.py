"""What the certificate's image says, shown beside the typed fields on cards and in the detail view."""

from __future__ import annotations

from certreview.i18n import N_, _
from certreview.review.evidence import EvidenceInfo
from certreview.review.service import Card
from certreview.rules.evidence import AGREES, DISAGREES
from certreview.widgets.html import esc

MARKS = {
    AGREES: ("✔", "#2e7d32", N_("agrees")),
    DISAGREES: ("✖", "#c62828", N_("disagrees")),
}
NOT_FOUND_MARK = ("?", "#757575", N_("not found"))
ASPECT_LABELS = {
    "name": N_("names this student"),
    "certificate": N_("shows this certificate"),
    "year": N_("dates in the typed year"),
}


def _mark(answer: str) -> str:
    symbol, colour, words = MARKS.get(answer, NOT_FOUND_MARK)
    return f'<span style="color:{colour};font-weight:bold" title="{esc(_(words))}">{symbol}</span>'


def _instead(evidence: EvidenceInfo, aspect: str) -> str:
    """Return what the image shows instead, when it disagrees (or shows something untyped)."""
    if aspect == "name" and evidence.named_student:
        who = f"{evidence.named_student} {evidence.named_name or ''}".strip()
        return _("image names {who}").format(who=esc(who))
    if aspect == "name" and evidence.name == DISAGREES and evidence.holder:
        return _("image names {who}").format(who=esc(evidence.holder))
    if aspect == "certificate" and evidence.shown_item:
        what = f"{evidence.shown_item} {evidence.shown_item_name or ''}".strip()
        return _("image shows {what}").format(what=esc(what))
    if aspect == "year" and evidence.shown_year is not None:
        return _("image dates AY {year}").format(year=evidence.shown_year)
    return ""


def card_evidence(card: Card) -> str:
    """Return the card's line of the three answers: ✔ agrees, ✖ disagrees, ? not found."""
    evidence = card.evidence
    if evidence is None:
        return '<div style="font-size:11px;color:#9e9e9e">{}</div>'.format(esc(_("image not read")))
    parts = []
    for aspect in ASPECT_LABELS:
        answer = getattr(evidence, aspect)
        extra = _instead(evidence, aspect) if answer == DISAGREES else ""
        label = {"name": _("name"), "certificate": _("certificate"), "year": _("year")}[aspect]
        parts.append(
            f"{_mark(answer)} {esc(label)}"
            + (f' <span style="color:#c62828">({extra})</span>' if extra else "")
        )
    frame = "#c62828" if evidence.disagrees else "#2e7d32" if evidence.all_agree else "#bdbdbd"
    image = esc(_("Image"))
    return (
        f'<div class="cr-evidence" style="font-size:11px;line-height:1.3;border-left:3px solid '
        f'{frame};padding-left:4px">{image}: ' + " · ".join(parts) + "</div>"
    )


def detail_evidence(card: Card) -> str:
    """Return the detail view's table: each answer beside what was typed, and what was read."""
    evidence = card.evidence
    if evidence is None:
        return "<b>{}</b>: {}".format(
            esc(_("Image")), esc(_("not read yet — run `certreview read`"))
        )
    typed = {
        "name": f"{card.student_id_text} {card.roster_name or card.student_name_text}",
        "certificate": f"{card.item_code or ''} {card.item_name or card.certificate_name_text}",
        "year": card.exam_year_text,
    }
    colours = {"name": "#1976d2", "certificate": "#2e7d32", "year": "#ed6c02"}
    rows = "".join(
        f"<tr><td>{_mark(getattr(evidence, a))}</td>"
        f'<td style="border-left:4px solid {colours[a]};padding-left:4px">{esc(_(label))}</td>'
        f"<td>{esc(typed[a])}</td><td>{_instead(evidence, a)}</td></tr>"
        for a, label in ASPECT_LABELS.items()
    )
    read = _("read on the image: holder {holder}, number {number}").format(
        holder=esc(evidence.holder or "?"), number=esc(evidence.number or "?")
    )
    image = esc(_("Image"))
    return (
        f"<b>{image}</b><table style='font-size:12px'>{rows}</table>"
        f"<div style='font-size:11px;color:#555'>{read}</div>"
    )
