"""Match keys for student IDs and names: normalised for comparing, never for storing."""

from __future__ import annotations

import re
import unicodedata

# Zero-width characters and the BOM survive NFKC and are invisible in a form field.
ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH_CHARS), None)
_MIDDLE_DOTS = str.maketrans(dict.fromkeys("\u00b7\u2027\u30fb\uff0e\u2022\u2219", "·"))
# Variant characters people use interchangeably in names (the right-hand one is the key).
VARIANT_PAIRS = {"臺": "台", "峯": "峰", "啓": "啟", "彦": "彥", "温": "溫"}
_VARIANTS = str.maketrans(VARIANT_PAIRS)
_WHITESPACE = re.compile(r"\s+")


def normalise_id(value: str | None) -> str:
    """Return the match key of a student ID: NFKC, trimmed, upper-case.

    >>> normalise_id(" ｂ１０９１２３４５\u3000")
    'B10912345'
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).translate(_ZERO_WIDTH)
    # Normalised again: removing a space or upper-casing can leave a combinable sequence
    # ("A" + U+0301 once the space between them is gone), and a key must be its own key.
    return unicodedata.normalize("NFKC", _WHITESPACE.sub("", text).upper())


def name_key(value: str | None) -> str:
    """Return the match key of a person's name: no spaces, one middle dot, variants unified.

    >>> name_key("臺 大明") == name_key("台大明")
    True
    """
    if value is None:
        return ""
    # Dots first: NFKC would turn the full-width dot U+FF0E into a plain full stop.
    text = str(value).translate(_MIDDLE_DOTS)
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).translate(_MIDDLE_DOTS)
    # NFKC maps U+3000 and U+00A0 to a plain space; \s then catches every kind left.
    return _WHITESPACE.sub("", text).translate(_VARIANTS).casefold()


def text_key(value: str | None) -> str:
    """Return the match key of free text such as a certificate name: NFKC, one space, casefolded.

    >>> text_key("ＴＱＣ  Excel\u3000進階")
    'tqc excel 進階'
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).translate(_ZERO_WIDTH)
    text = text.translate(_MIDDLE_DOTS).translate(_VARIANTS)
    return _WHITESPACE.sub(" ", text).strip().casefold()


def is_blank(value: str | None) -> bool:
    """Return True when a cell holds nothing but whitespace or invisible characters."""
    return text_key(value) == ""
