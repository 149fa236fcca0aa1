"""Notices to students about their decided submissions, from editable bilingual templates."""

from __future__ import annotations

import os
import re
import string
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from certreview.rules.contract import REASONS

STATES = ("approved", "rejected", "returned")
PLACEHOLDERS = (
    "name",
    "student_id",
    "submission_id",
    "round",
    "certificate",
    "item",
    "points",
    "points_en",
    "not_counted_zh",
    "not_counted_en",
    "reason_zh",
    "reason_en",
    "fix_zh",
    "fix_en",
    "note_zh",
    "note_en",
    "file_problem_zh",
    "file_problem_en",
    "decided_at",
)
# Tables of wording by language and key, e.g. [reasons.zh].
WORDINGS = ("reasons", "fix", "not_counted", "file_problems")
Templates = dict[str, Any]


class TemplateError(ValueError):
    """A notices template file that cannot be used; the message says which part and why."""


def default_templates_text() -> str:
    """Return the text of the default templates (a starting point to copy and edit)."""
    return (resources.files("certreview") / "templates" / "notices.toml").read_text("utf-8")


def load_templates(source: str | os.PathLike[str] | Mapping[str, Any] | None = None) -> Templates:
    """Return the default templates, overridden table by table by SOURCE (a TOML path or dict)."""
    templates = tomllib.loads(default_templates_text())
    if source is None:
        return templates
    if isinstance(source, Mapping):
        custom: Mapping[str, Any] = source
    else:
        path = Path(source)
        try:
            custom = tomllib.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise TemplateError(f"no templates file {path}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise TemplateError(f"{path} is not valid UTF-8 TOML ({exc})") from None
    unknown = sorted(set(custom) - {*STATES, *WORDINGS})
    if unknown:
        raise TemplateError(
            f"unknown template tables {', '.join(unknown)}: use " + ", ".join([*STATES, *WORDINGS])
        )
    for key, table in custom.items():
        if not isinstance(table, Mapping):
            raise TemplateError(f"[{key}] must be a table")
        for sub, value in table.items():
            if key in STATES or not isinstance(value, Mapping):
                templates[key][sub] = value
            else:
                templates[key].setdefault(sub, {}).update(value)
    check_templates(templates)
    return templates


def check_templates(templates: Templates) -> None:
    """Raise TemplateError when a template lacks a part or uses an unknown placeholder."""
    for state in STATES:
        for part in ("subject", "zh", "en"):
            text = templates.get(state, {}).get(part)
            if not isinstance(text, str):
                raise TemplateError(f"[{state}] needs a text '{part}'")
            try:
                fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
            except ValueError as exc:
                raise TemplateError(
                    f"[{state}] {part}: {exc} (write {{{{ and }}}} for a literal brace)"
                ) from None
            unknown = sorted(fields - set(PLACEHOLDERS))
            if unknown:
                raise TemplateError(
                    f"[{state}] {part} uses {{{unknown[0]}}}, which is not a placeholder: use "
                    + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                )


def render_notice(templates: Templates, state: str, values: Mapping[str, Any]) -> tuple[str, str]:
    """Return (subject, message) for a STATE notice: Traditional Chinese, then English.

    VALUES holds the placeholders plus `reason`, `note`, `not_counted` (a key of
    eligibility.WHY_NOT for an approved certificate that does not count) and `file_problem`
    with `file_message` (images.message_code and the message intake wrote for a file it could
    not use); the wording of each in both languages comes from the templates.
    """
    file_problem = values.get("file_problem") or ""
    file_message = (values.get("file_message") or "").strip()
    reason = values.get("reason") or ""
    note = (values.get("note") or "").strip()
    not_counted = values.get("not_counted") or ""
    points = values.get("points")
    filled = {p: "" for p in PLACEHOLDERS} | {
        k: "" if v is None else str(v) for k, v in values.items() if k in PLACEHOLDERS
    }
    filled |= {
        "reason_zh": templates["reasons"]["zh"].get(reason, reason),
        "reason_en": templates["reasons"]["en"].get(reason, REASONS.get(reason, reason)),
        "fix_zh": templates["fix"]["zh"].get(reason, ""),
        "fix_en": templates["fix"]["en"].get(reason, ""),
        "note_zh": f"備註：{note}" if note else "",
        "note_en": f"Note: {note}" if note else "",
        "not_counted_zh": templates["not_counted"]["zh"].get(not_counted, ""),
        "not_counted_en": templates["not_counted"]["en"].get(not_counted, ""),
        "points_en": _points_en(points),
        "file_problem_zh": _line(
            "關於您的檔案：", templates["file_problems"]["zh"].get(file_problem)
        ),
        "file_problem_en": _line("About your file: ", file_message),
    }
    if state == "returned" and not reason:
        filled["reason_zh"], filled["reason_en"] = "請見備註。", "See the note."
    table = templates[state]
    message = _fill(table["zh"], filled) + "\n\n" + _fill(table["en"], filled)
    return _tidy(_fill(table["subject"], filled)), _tidy(message)


def _fill(text: str, filled: Mapping[str, str]) -> str:
    """Return TEXT filled in, leaving out lines made only of placeholders that are empty."""
    lines = []
    for line in text.splitlines():
        parts = list(string.Formatter().parse(line))
        fields = [f for _, f, _, _ in parts if f]
        literal = "".join(text for text, _, _, _ in parts).strip()
        if fields and not literal and not any(filled.get(f) for f in fields):
            continue
        lines.append(line.format_map(filled))
    return "\n".join(lines)


def _line(label: str, text: str | None) -> str:
    return f"{label}{text}" if text else ""


def _points_en(points: object) -> str:
    """Return "1 point" / "2.5 points" (or nothing without points)."""
    if points is None or points == "":
        return ""
    number = float(points)  # type: ignore[arg-type]
    return f"{number:g} point{'' if number == 1 else 's'}"


def _tidy(text: str) -> str:
    """Return TEXT without the blank lines that empty placeholders leave behind."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
