"""Text made safe to print on a terminal: typed control characters are shown, never obeyed."""

from __future__ import annotations

import re

# C0 and C1 controls and DEL (escape sequences, bells, carriage returns that overwrite a line),
# line and paragraph separators, and the bidirectional overrides that make a terminal show text
# in another order than it is stored.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def terminal_text(text: object, *, keep_newlines: bool = False) -> str:
    r"""Return TEXT with control characters written as visible escapes (CJK and accents stay).

    >>> terminal_text("陳\x1b]0;pwned\x07峯")
    '陳\\x1b]0;pwned\\x07峯'
    """
    if keep_newlines:
        return "\n".join(_UNSAFE.sub(_escape, line) for line in str(text).split("\n"))
    return _UNSAFE.sub(_escape, str(text))
