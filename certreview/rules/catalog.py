"""Match what a student typed (category, certificate name) to a catalog item."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from certreview.rules.normalise import text_key


@dataclass(frozen=True)
class Entry:
    """The catalog facts matching needs: code, category, the name and its aliases."""

    code: str
    category: str
    name: str
    aliases: tuple[str, ...] = ()


def split_aliases(text: str | None) -> tuple[str, ...]:
    """Return the `|`-separated aliases of a catalog cell, trimmed, without blanks."""
    return tuple(a.strip() for a in (text or "").split("|") if a.strip())


class CatalogMatcher:
    """Find the catalog item a student meant, by name, code or alias after normalising.

    >>> m = CatalogMatcher([Entry("CCNA", "Information", "Cisco CCNA", ("CCNA",))])
    >>> m.match("information", "ｃｃｎａ"), m.match("Information", "CCNP")
    ('CCNA', None)
    """

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._by_key: dict[str, set[str]] = defaultdict(set)
        self._category: dict[str, str] = {}
        for e in entries:
            self._category[e.code] = text_key(e.category)
            for label in (e.name, e.code, *e.aliases):
                self._by_key[text_key(label)].add(e.code)

    def match(self, category: str | None, name: str | None) -> str | None:
        """Return the item code for CATEGORY and NAME, or None when none or several fit."""
        candidates = self._by_key.get(text_key(name), set())
        if len(candidates) > 1:
            # The same alias in two categories: the student's category decides.
            candidates = {c for c in candidates if self._category[c] == text_key(category)}
        return next(iter(candidates)) if len(candidates) == 1 else None
