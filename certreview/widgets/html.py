"""HTML fragments for cards, tables and the detail view; every outside string goes through `esc`."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from certreview.i18n import N_, _
from certreview.review.service import Card, DecisionInfo
from certreview.rules import contract
from certreview.rules.contract import STATE_COLOURS, column_label, decision_label
from certreview.rules.normalise import name_key

# Red: the certificate cannot count as it stands; amber: look closer; grey: informational.
SEVERITY = {
    "unknown_student": "#c62828",
    "missing_image": "#c62828",
    "unreadable_image": "#c62828",
    "unsafe_path": "#c62828",
    "image_too_large": "#c62828",
    "before_enrollment": "#c62828",
    "after_enrollment": "#c62828",
    "shared_image": "#c62828",
    "missing_field": "#e65100",
    "name_mismatch": "#e65100",
    "unknown_certificate": "#e65100",
    "duplicate_image": "#e65100",
    "future_year": "#e65100",
    "ambiguous_year": "#8d6e00",
    "late": "#546e7a",
}


# Room between columns: without it, headers and cells of a table run into each other
# ("入學學年度課程標準"). Chinese words break at spaces and punctuation, not between any two
# characters ("在\n學" in a narrow notebook). One rule per table, not a style on every cell.
TABLE_CSS = (
    "<style>.cr-table th,.cr-table td"
    "{padding:1px 12px 1px 0;vertical-align:top;word-break:keep-all}</style>"
)


def esc(value: object) -> str:
    """Return VALUE as text that HTML shows literally (None as an empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


def badge(flag: str) -> str:
    """Return one flag as a coloured badge whose tooltip says what it means."""
    colour = SEVERITY.get(flag, "#546e7a")
    return (
        f'<span title="{esc(contract.flag_meaning(flag))}" style="background:{colour};color:#fff;'
        f'border-radius:8px;padding:0 6px;margin:1px;font-size:11px;display:inline-block">'
        f"{esc(flag_label(flag))}</span>"
    )


def flag_label(flag: str) -> str:
    """Return the words a reviewer reads for a flag code."""
    return contract.flag_label(flag)


def badges(flags: Iterable[str]) -> str:
    """Return the badges of FLAGS, or a quiet 'no flags' note."""
    out = "".join(badge(f) for f in flags)
    return out or '<span style="color:#2e7d32;font-size:11px">' + esc(_("no flags")) + "</span>"


def state_line(decision: DecisionInfo | None) -> str:
    """Return the current decision as a coloured line with who and when."""
    if decision is None:
        pending = esc(_("Pending"))
        return f'<span style="color:{STATE_COLOURS["pending"]}">● {pending}</span>'
    colour = STATE_COLOURS[decision.state]
    note = f" — {esc(decision.note)}" if decision.note else ""
    return (
        f'<span style="color:{colour};font-weight:bold">'
        f"● {esc(decision_label(decision.state, decision.reason))}</span>"
        '<span style="font-size:11px"> '
        + esc(_("by {reviewer}").format(reviewer=decision.reviewer))
        + f" {decision.decided_at:%Y-%m-%d %H:%M}{note}</span>"
    )


def decided_line(state: str, submission: str) -> str:
    """Return the message after a decision, e.g. "Approved: S0001" (plain text)."""
    return _("{state}: {submission}").format(
        state=contract.state_label(state), submission=submission
    )


def page_line(page: int, pages: int, first: int, last: int, total: int) -> str:
    """Return where the grid is, e.g. "Page 1 of 3 · cards 1–24 of 60" (plain text)."""
    return _("Page {page} of {pages} · cards {first}–{last} of {total}").format(
        page=page, pages=pages, first=first, last=last, total=total
    )


def card_info(card: Card) -> str:
    """Return the text part of a card: who, what as typed and as matched, and the exam year."""
    name = esc(card.student_name_text)
    # Only a real difference: spaces, full-width forms and 台/臺 are not a different name.
    if card.roster_name is not None and name_key(card.roster_name) != name_key(
        card.student_name_text
    ):
        roster = _("(roster: {name})").format(name=card.roster_name)
        name += f' <span style="color:#757575">{esc(roster)}</span>'
    matched = (
        f"→ {esc(card.item_code)} {esc(card.item_name)}"
        if card.item_code
        else '<span style="color:#e65100">→ ' + esc(_("no catalog match")) + "</span>"
    )
    return (
        '<div style="line-height:1.3;font-size:12px;overflow-wrap:anywhere">'
        f"<b>{esc(card.student_id_text)}</b> {name}<br>"
        f"{esc(card.category_text)} / {esc(card.certificate_name_text)}<br>"
        f'<span style="font-size:11px">{matched}</span><br>'
        + esc(_("exam year"))
        + f" {esc(card.exam_year_text)}"
        ' · <span class="cr-sid" style="color:#757575;font-size:11px">'
        f"{esc(card.submission_id)}</span>"
        f"{partners_line(card)}</div>"
    )


def table(rows: Iterable[tuple[str, object]]) -> str:
    """Return a two-column table of (label, value), values escaped."""
    body = "".join(
        f'<tr><th style="text-align:left;padding-right:8px">{esc(k)}</th><td>{esc(v)}</td></tr>'
        for k, v in rows
    )
    return f'<table style="font-size:12px">{body}</table>'


def cell_text(value: object) -> str:
    """Return a table cell as text: whole numbers without .0, missing as blank."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):  # NaN, NA, NaT
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def frame_table(
    frame: pd.DataFrame,
    row_style: Callable[[Any], str] | None = None,
    limit: int | None = None,
) -> str:
    """Return FRAME (its first LIMIT rows) as an HTML table, every header and cell escaped.

    ROW_STYLE maps a row (a named tuple) to its CSS style. This is the one way a widget
    shows a table: pandas' Styler does not escape what students typed. Headers are words.

    >>> frame_table(pd.DataFrame({"student_id": ["<b>"]})).removeprefix(TABLE_CSS)
    "<table class='cr-table' style='border-collapse:collapse;font-size:12px'><thead><tr><th style='text-align:left'>Student ID</th></tr></thead><tbody><tr><td>&lt;b&gt;</td></tr></tbody></table>"
    """
    head = "".join(
        f"<th style='text-align:left'>{esc(column_label(str(c)))}</th>" for c in frame.columns
    )
    rows = []
    shown = frame if limit is None else frame.head(limit)
    for record in shown.itertuples(index=False):
        style = row_style(record) if row_style else ""
        cells = "".join(f"<td>{esc(cell_text(v))}</td>" for v in record)
        rows.append(f"<tr style='{esc(style)}'>{cells}</tr>" if style else f"<tr>{cells}</tr>")
    return (
        TABLE_CSS + "<table class='cr-table' style='border-collapse:collapse;font-size:12px'>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def history(decisions: Iterable[DecisionInfo]) -> str:
    """Return the decision history, oldest first, as a small table."""
    rows = "".join(
        f"<tr><td>#{d.id}</td><td>{d.decided_at:%Y-%m-%d %H:%M}</td><td>{esc(d.reviewer)}</td>"
        f'<td style="color:{STATE_COLOURS[d.state]}">{esc(contract.state_label(d.state))}'
        f"{_undo_mark(d)}</td>"
        f"<td>{esc(contract.reason_label(d.reason) if d.reason else '')}</td>"
        f"<td>{esc(d.item_code or '')}</td>"
        f"<td>{esc(d.note or '')}</td></tr>"
        for d in decisions
    )
    if not rows:
        return "<i>" + esc(_("No decision yet.")) + "</i>"
    words = (N_("When"), N_("Who"), N_("Decision"), N_("Reason"), N_("Catalog item"), N_("Note"))
    head = "<tr><th>#</th>" + "".join(f"<th>{esc(_(w))}</th>" for w in words) + "</tr>"
    return f'{TABLE_CSS}<table class="cr-table" style="font-size:12px">{head}{rows}</table>'


def _undo_mark(d: DecisionInfo) -> str:
    return " " + _("(undo of #{id})").format(id=d.undoes_id) if d.undoes_id else ""


def reason_label(code: str) -> str:
    """Return the plain meaning of a reject reason."""
    return contract.reason_meaning(code)


def partners_line(card: Card) -> str:
    """Return who else uploaded the same image, e.g. "Same image as B11200002 林雅婷 (S0004)"."""
    if not card.partners:
        return ""
    who = ", ".join(
        f"{esc(p.student_id)} {esc(p.name)} ({esc(p.submission_id)})" for p in card.partners
    )
    same = esc(_("Same image as"))
    return f'<div style="color:#c62828;font-size:11px">{same} {who}</div>'
