"""Words a person reads, in Traditional Chinese (the default) or English.

Messages are written in English in the code and looked up in one gettext catalog,
``certreview/locale/zh_TW/LC_MESSAGES/certreview.po``, managed with Babel
(``pybabel extract`` / ``update``; see the README). Codes — flag and reason names, column
names of files and exports — are never translated.

- ``_("Approve")`` translates now, in the language set;
- ``N_("Approve")`` only marks a module-level constant for extraction: translate it where it
  is shown, with ``_(CONSTANT)``, so a language switch in the app takes effect at once;
- ``ngettext("{n} upload", "{n} uploads", n)`` for counts.

The language comes from ``set_language`` (``--lang``, the app's switch), else from
``CERTREVIEW_LANG``, else Traditional Chinese.

>>> set_language("en")
'en'
>>> _("Approve")
'Approve'
>>> set_language("zh-TW")
'zh_TW'
>>> _("Approve")
'核准'
>>> _ = set_language(None)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "certreview"
DEFAULT = "zh_TW"
# The languages a person may choose, with their own names.
LANGUAGES = {"zh_TW": "繁體中文", "en": "English"}

_chosen: str | None = None


def normalise_language(value: str | None) -> str | None:
    """``zh-TW``, ``zh_tw``, ``zh``, ``zh_Hant`` → ``zh_TW``; ``en_US`` → ``en``; else None.

    >>> normalise_language("zh-tw"), normalise_language("EN_us"), normalise_language("fr")
    ('zh_TW', 'en', None)
    """
    if not value:
        return None
    code = value.strip().replace("-", "_").lower().split(".")[0]
    if code in {"zh", "zh_tw", "zh_hant", "zh_hant_tw"}:
        return "zh_TW"
    if code == "en" or code.startswith("en_"):
        return "en"
    return None


def set_language(value: str | None) -> str:
    """Choose the language for this process (None: back to the environment). Returns it."""
    global _chosen
    if value is not None and normalise_language(value) is None:
        raise ValueError(
            f"unknown language {value!r}: use one of {', '.join(LANGUAGES)} (zh-TW is the default)"
        )
    _chosen = normalise_language(value)
    return get_language()


def get_language() -> str:
    """The language in use: the one set, else ``CERTREVIEW_LANG``, else zh_TW."""
    return _chosen or normalise_language(os.environ.get("CERTREVIEW_LANG")) or DEFAULT


@cache
def catalog(language: str) -> dict[str, str | tuple[str, ...]]:
    """The translated messages of one language: msgid → msgstr (a tuple for plural forms)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        messages = read_po(handle, locale=language)
    found: dict[str, str | tuple[str, ...]] = {}
    for message in messages:
        if not message.id or message.fuzzy:
            continue
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        if isinstance(message.string, tuple | list):
            if all(message.string):
                found[key] = tuple(message.string)
        elif message.string:
            found[key] = message.string
    return found


def _(message: str) -> str:
    """``message`` in the language in use (itself when there is no translation)."""
    language = get_language()
    if language == "en" or not message:
        return message
    found = catalog(language).get(message)
    return found if isinstance(found, str) else message


def N_(message: str) -> str:
    """Mark a constant for the catalog without translating it yet (translate where shown)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` (Chinese has one form)."""
    language = get_language()
    if language != "en":
        found = catalog(language).get(singular)
        if isinstance(found, tuple):
            return found[0]
    return singular if n == 1 else plural


def listed(parts: Iterable[str]) -> str:
    """Return PARTS as one list in the language in use: "a, b" or "a，b".

    >>> listed(["3 accepted", "2 flagged"])
    '3 accepted, 2 flagged'
    """
    return _(", ").join(parts)


__all__ = [
    "LANGUAGES",
    "N_",
    "_",
    "get_language",
    "listed",
    "ngettext",
    "normalise_language",
    "set_language",
]
