"""One catalog, both languages: every message in the code has its Traditional Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from certreview import i18n

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def _messages_in_code() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "certreview"),
        method_map=[("**/migrations/**.py", "ignore"), ("**.py", "python")],
        keywords=KEYWORDS,
    ):
        key = message[0] if isinstance(message, tuple) else message
        found.setdefault(key, f"certreview/{filename}:{lineno}")
    return found


def test_every_message_has_its_traditional_chinese() -> None:
    catalog = i18n.catalog("zh_TW")
    missing = {m: where for m, where in _messages_in_code().items() if m not in catalog}
    assert not missing, "no zh_TW translation (run pybabel update, then translate):\n" + "\n".join(
        f"  {where}: {m!r}" for m, where in sorted(missing.items(), key=lambda kv: kv[1])
    )


def test_no_translation_without_its_message() -> None:
    in_code = _messages_in_code()
    orphans = sorted(m for m in i18n.catalog("zh_TW") if m not in in_code)
    assert not orphans, f"zh_TW entries no code uses (remove them): {orphans}"


def test_placeholders_survive_translation() -> None:
    import string

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}

    for msgid, msgstr in i18n.catalog("zh_TW").items():
        for text in msgstr if isinstance(msgstr, tuple) else (msgstr,):
            assert fields(text) == fields(msgid), f"{msgid!r} → {text!r}"
            # Python's quotes ('B000') are not Chinese: a typed value is quoted 「B000」.
            assert "!r}" not in text, f"{msgid!r} → {text!r}"


@pytest.mark.parametrize(
    ("env", "expected"), [(None, "zh_TW"), ("en", "en"), ("zh-TW", "zh_TW"), ("fr", "zh_TW")]
)
def test_language_from_the_environment(monkeypatch, env, expected) -> None:
    i18n.set_language(None)
    if env is None:
        monkeypatch.delenv("CERTREVIEW_LANG", raising=False)
    else:
        monkeypatch.setenv("CERTREVIEW_LANG", env)
    assert i18n.get_language() == expected


def test_an_unknown_language_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        i18n.set_language("fr")
