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
    "u": "undo",
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
    "x": "select",
}

HELP: tuple[tuple[str, str], ...] = (
    ("A", "approve the highlighted card"),
    ("1–8", "reject with a reason: " + ", ".join(f"{k} {c}" for k, c in REASON_KEYS.items())),
    ("R", "return to the student (with the reason picked on the card)"),
    ("→ / J, ← / K", "next / previous card"),
    ("N / PgDn, P / PgUp", "next / previous page"),
    ("U", "undo your last decision"),
    ("D / Enter", "open the detail view"),
    ("X", "select the card for 'approve selected'"),
)


def action_for(event: Mapping[str, Any]) -> tuple[str, str | None] | None:
    """Return (action, reason) for an ipyevents key event, or None when the key means nothing.

    >>> action_for({"type": "keydown", "key": "2"})
    ('reject', 'not_certificate')
    >>> action_for({"type": "keydown", "key": "a", "ctrlKey": True}) is None
    True
    """
    if event.get("type") != "keydown" or event.get("repeat"):
        return None  # a held-down key must not approve a whole page
    if event.get("ctrlKey") or event.get("metaKey") or event.get("altKey"):
        return None
    key = str(event.get("key", ""))
    if key in REASON_KEYS:
        return ("reject", REASON_KEYS[key])
    # Letters work with Caps Lock or Shift too; named keys (ArrowRight) are case-sensitive.
    action = KEYS.get(key.lower() if len(key) == 1 else key)
    return (action, None) if action else None
