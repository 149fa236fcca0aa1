"""The workbench's keyboard: which key does what, as a table the README can show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certreview.rules.contract import REASONS

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

HELP: tuple[tuple[str, str], ...] = (
    ("A", "approve the highlighted card"),
    ("1–8", "reject with a reason: " + ", ".join(f"{k} {c}" for k, c in REASON_KEYS.items())),
    ("Shift+1–8", "return to the student with that reason"),
    ("O", "reject as other: type the note, Enter saves, Esc cancels"),
    ("R", "return to the student (with the reason picked on the card)"),
    ("C", "change the decision of an already decided card (then A, 1–8 …)"),
    ("→ / J, ← / K", "next / previous card (in the detail view: the student's other uploads)"),
    ("F", "jump to the next flagged pending card"),
    ("N / PgDn, P / PgUp", "next / previous page"),
    ("U", "undo your last decision (the highlight goes back to that card)"),
    ("D / Enter", "open the detail view; Esc goes back to the grid"),
    ("X", "select the card for 'approve selected'"),
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
