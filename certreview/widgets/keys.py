"""The workbench's keyboard: which key does what, as a table the README can show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certreview.i18n import N_, _
from certreview.rules.contract import REASONS, reason_label
from certreview.widgets import html

# Number keys pick the reject reason in the contract's order: 1 incomplete ... 8 other.
REASON_KEYS = {str(i): code for i, code in enumerate(REASONS, start=1)}

KEYS: dict[str, str] = {
    "a": "approve",
    "r": "return",
    "c": "change",
    "u": "undo",
    "f": "flagged",
    "ArrowRight": "next",
    "j": "next",
    "ArrowLeft": "previous",
    "k": "previous",
    "n": "next_page",
    "PageDown": "next_page",
    "p": "previous_page",
    "PageUp": "previous_page",
    "d": "detail",
    "Enter": "detail",
    "Escape": "back",
    "x": "select",
}

REJECT_WITH = N_("reject with a reason: {reasons}")
HELP: tuple[tuple[str, str], ...] = (
    ("A", N_("approve the highlighted card")),
    ("1–8", REJECT_WITH.format(reasons=", ".join(f"{k} {c}" for k, c in REASON_KEYS.items()))),
    ("Shift+1–8", N_("return to the student with that reason")),
    ("O", N_("reject as other: type the note, Enter saves, Esc cancels")),
    ("R", N_("return to the student (with the reason picked on the card)")),
    ("C", N_("change the decision of an already decided card (then A, 1–8 …)")),
    ("→ / J, ← / K", N_("next / previous card (in the detail view: the student's other uploads)")),
    ("F", N_("jump to the next flagged pending card")),
    ("N / PgDn, P / PgUp", N_("next / previous page")),
    ("U", N_("undo your last decision (the highlight goes back to that card)")),
    ("D / Enter", N_("open the detail view; Esc goes back to the grid")),
    ("X", N_("select the card for 'approve selected'")),
)


def help_rows() -> list[tuple[str, str]]:
    """Return HELP in the language set, the reasons of 1–8 in words (the README shows codes)."""
    reasons = ", ".join(f"{k} {reason_label(c)}" for k, c in REASON_KEYS.items())
    return [
        (key, _(REJECT_WITH).format(reasons=reasons) if key == "1–8" else _(text))
        for key, text in HELP
    ]


def help_html() -> str:
    """Return the key help as a folded table, in the language set."""
    summary = html.esc(_("Keys"))
    return (
        f'<details><summary style="cursor:pointer">{summary}</summary>'
        + html.table(help_rows())
        + "</details>"
    )


def action_for(event: Mapping[str, Any]) -> tuple[str, str | None] | None:
    """Return (action, reason) for a browser key event, or None when the key means nothing.

    >>> action_for({"type": "keydown", "key": "2"})
    ('reject', 'not_certificate')
    >>> action_for({"type": "keydown", "key": "@", "code": "Digit2", "shiftKey": True})
    ('return', 'not_certificate')
    >>> action_for({"type": "keydown", "key": "a", "ctrlKey": True}) is None
    True
    """
    if event.get("type") != "keydown" or event.get("repeat"):
        return None  # a held-down key must not approve a whole page
    if event.get("ctrlKey") or event.get("metaKey") or event.get("altKey"):
        return None
    key = str(event.get("key", ""))
    # Shift+digit gives "!" or "@" depending on the keyboard layout: the key's code does not.
    digit = str(event.get("code", "")).removeprefix("Digit").removeprefix("Numpad")
    if event.get("shiftKey") and digit in REASON_KEYS:
        return ("return", REASON_KEYS[digit])
    if key in REASON_KEYS:
        return ("reject", REASON_KEYS[key])
    if key == "o" or key == "O":
        return ("reject", "other")
    # Letters work with Caps Lock or Shift too; named keys (ArrowRight) are case-sensitive.
    action = KEYS.get(key.lower() if len(key) == 1 else key)
    return (action, None) if action else None
