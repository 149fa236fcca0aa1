"""Pieces the cards and the detail view share: the blank reason, the conflict offer, the no-image picture."""

from __future__ import annotations

import base64
from functools import cache
from html import escape
from typing import Protocol

import ipywidgets as w

from certreview.i18n import _
from certreview.review.service import DecisionInfo
from certreview.rules.contract import decision_label, verdict_label

NO_REASON = ""


# What a reviewer tried: (verdict, reason, note, catalog item).
Attempt = tuple[str, str | None, str | None, str | None]


class ConflictView(Protocol):
    """A view that can offer "keep theirs / override" (a card or the detail view)."""

    attempt: Attempt | None
    newer: DecisionInfo | None
    override: w.Button
    conflict: w.HBox

    def say(self, text: str, colour: str = ...) -> None: ...


def placeholder() -> bytes:
    """Return a grey picture saying, in the language set, that a submission has no image."""
    return _placeholder(_("no image"))


@cache
def _placeholder(text: str) -> bytes:
    # A drawing for the browser: it has the fonts of every language the office reads.
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160" viewBox="0 0 240 160">'
        '<rect width="240" height="160" fill="#eeeeee"/><text x="120" y="86" font-size="16" '
        'font-family="sans-serif" fill="#777777" text-anchor="middle">'
        f"{escape(text)}</text></svg>"
    ).encode()


def data_url(data: bytes) -> bytes:
    """Return encoded image bytes as a data: URL, the value of an Image widget of format "url".

    The browser shows it without the Blob and object URL an Image widget makes of bytes: two
    calls to the browser process per picture, the dearest part of drawing a page of cards.
    """
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        kind = b"png"
    else:
        kind = b"svg+xml" if data[:4] == b"<svg" else b"jpeg"
    return b"data:image/" + kind + b";base64," + base64.b64encode(data)


def decided_words(info: DecisionInfo) -> str:
    """Return who decided what and when, in words: "Rejected — Does not match, by bob, …"."""
    return _("{decision}, by {reviewer}, {when}").format(
        decision=decision_label(info.state, info.reason),
        reviewer=info.reviewer,
        when=f"{info.decided_at:%Y-%m-%d %H:%M}",
    )


def offer_conflict(view: ConflictView, newer: DecisionInfo, attempt: Attempt) -> None:
    """Tell VIEW's reviewer that someone decided meanwhile and show keep theirs / override."""
    view.attempt, view.newer = attempt, newer
    message, view.override.description = conflict_words(newer, attempt)
    view.say(message)
    view.conflict.layout.display = "flex"


def conflict_words(newer: DecisionInfo, attempt: Attempt) -> tuple[str, str]:
    """Return the message of a conflict and the label of its override button."""
    verdict = verdict_label(attempt[0])
    message = _("Decided meanwhile: {decision}. Your {verdict} was not saved.").format(
        decision=decided_words(newer), verdict=verdict
    )
    return message, _("Override: {verdict}").format(verdict=verdict)
