"""Evidence from a certificate's text beside what the student typed: agrees, disagrees, not found.

Three answers per upload: does the image name this student, show this certificate, and date
inside the typed academic year. Evidence, not verdicts: the reviewer decides. Matching folds
what OCR confuses: the caller passes `fold` (simplified/traditional folding, e.g. OpenCC's
t2s), applied before the project's own name and text keys on both sides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from certreview.rules.normalise import name_key, normalise_id, text_key
from certreview.rules.reading import Line as Line
from certreview.rules.reading import compact, find_dates, holder_name, student_ids
from certreview.rules.years import academic_year

AGREES, DISAGREES, NOT_FOUND = "agrees", "disagrees", "not_found"
ANSWERS = (AGREES, DISAGREES, NOT_FOUND)
ASPECTS = ("name", "certificate", "year")
Fold = Callable[[str], str]
_SPACE = re.compile(r"\s+")


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class CatalogEntry:
    """A catalog item as the evidence rules need it."""

    code: str
    name: str
    level: str | None = None
    group: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Claim:
    """What the student typed, as intake matched it."""

    student_id: str | None  # the matched roster student
    roster_name: str | None
    item_code: str | None
    certificate_text: str
    exam_year: int | None


@dataclass(frozen=True)
class Evidence:
    """The three answers, what the image shows instead, and which lines matched each answer."""

    name: str
    certificate: str
    year: str
    named_student: str | None = None  # the roster student the image names instead
    shown_item: str | None = None  # the catalog item the image shows instead
    shown_year: int | None = None  # the academic year the image dates instead
    lines: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def answers(self) -> tuple[str, str, str]:
        return (self.name, self.certificate, self.year)

    @property
    def all_agree(self) -> bool:
        return all(a == AGREES for a in self.answers)

    @property
    def disagrees(self) -> bool:
        return DISAGREES in self.answers


class Reference:
    """The roster and catalog as keys the evidence rules look up, built once per reading pass."""

    def __init__(
        self,
        roster: Iterable[tuple[str, str]],
        catalog: Iterable[CatalogEntry],
        fold: Fold = _same,
    ) -> None:
        self.fold = fold
        self.names: dict[str, list[str]] = {}
        self.ids: set[str] = set()
        for student_id, name in roster:
            self.ids.add(normalise_id(student_id))
            key = self.name_key(name)
            if len(key) >= 2:
                self.names.setdefault(key, []).append(student_id)
        self.items = list(catalog)
        self.signatures = {item.code: self._signatures(item) for item in self.items}
        self.bases = {item.code: self._base(item) for item in self.items}

    def name_key(self, text: str) -> str:
        return name_key(self.fold(text))

    def text_key(self, text: str) -> str:
        return _SPACE.sub("", text_key(self.fold(text)))

    def _signatures(self, item: CatalogEntry) -> set[str]:
        return {k for k in (self.text_key(t) for t in (item.name, *item.aliases)) if len(k) >= 3}

    def _base(self, item: CatalogEntry) -> str | None:
        """Return the item's name without its level ('TQC Word' of 'TQC Word 實用級'), if any."""
        if not item.level:
            return None
        key, level = self.text_key(item.name), self.text_key(item.level)
        base = key.replace(level, "") if level and level in key else ""
        return base if len(base) >= 3 else None


def weigh(lines: Sequence[Line], claim: Claim, ref: Reference) -> Evidence:
    """Return the three answers for one upload whose image reads as LINES."""
    name, named, name_lines = _name(lines, claim, ref)
    cert, shown, cert_lines = _certificate(lines, claim, ref)
    year, shown_year, year_lines = _year(lines, claim)
    return Evidence(
        name,
        cert,
        year,
        named_student=named,
        shown_item=shown,
        shown_year=shown_year,
        lines={"name": name_lines, "certificate": cert_lines, "year": year_lines},
    )


def _one_apart(a: str, b: str) -> bool:
    """Return True when A and B differ in exactly one character (a misread, not another person)."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _name(lines: Sequence[Line], claim: Claim, ref: Reference) -> tuple[str, str | None, tuple]:
    keys = [ref.name_key(line.text) for line in lines]
    own_id = normalise_id(claim.student_id) if claim.student_id else ""
    own = ref.name_key(claim.roster_name) if claim.roster_name else ""
    ids_by_line = [student_ids(line.text) for line in lines]
    own_id_lines = tuple(i for i, ids in enumerate(ids_by_line) if own_id and own_id in ids)
    own_lines = tuple(i for i, k in enumerate(keys) if own and own in k)
    others = [
        (i, sid)
        for i, ids in enumerate(ids_by_line)
        for sid in ids
        if sid in ref.ids and sid != own_id
    ]
    if (own_lines or own_id_lines) and not (others and not own_id_lines):
        return AGREES, None, tuple(sorted({*own_lines, *own_id_lines}))
    if others:
        return DISAGREES, others[0][1], (others[0][0],)
    # Another roster student's name, as a whole line (or, for 3+ characters, within one).
    for i, key in enumerate(keys):
        for other, holders in ref.names.items():
            if other != own and (key == other or (len(other) >= 3 and other in key)):
                return DISAGREES, holders[0] if len(holders) == 1 else None, (i,)
    # A line that is the name with one character misread (會 for 曾) in a name of 3+.
    misread = tuple(i for i, k in enumerate(keys) if len(own) >= 3 and _one_apart(k, own))
    if misread:
        return AGREES, None, misread
    holder = holder_name(lines)
    if holder:
        key = ref.name_key(holder)
        # A misread, dropped or extra character is no other person: only "not found".
        if own and min(near_in(key, own), near_in(own, key)) > 1:
            where = tuple(i for i, k in enumerate(keys) if key in k)
            return DISAGREES, None, where
    return NOT_FOUND, None, ()


def near_in(pattern: str, text: str) -> int:
    """Return the fewest edits that make PATTERN appear in TEXT (Sellers' approximate search).

    >>> near_in("tqcword进阶级", "tqcword进级 认证"), near_in("abc", "xxabcxx")
    (1, 0)
    """
    previous = [0] * (len(text) + 1)  # a match may start anywhere in TEXT
    for i, p in enumerate(pattern, 1):
        current = [i] + [0] * len(text)
        for j, t in enumerate(text, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (p != t))
        previous = current
    return min(previous)


def _allowed(sig: str) -> int:
    # OCR drops or swaps a character now and then; in a long name one slip is still the name.
    return 1 if len(sig) >= 6 else 0


def _hits(keys: Sequence[str], ref: Reference) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Return the catalog items whose name or alias a line holds: code -> (text, lines).

    Exact matches win; without any, names found with one slip in six or more characters.
    """
    exact: dict[str, tuple[str, tuple[int, ...]]] = {}
    near: dict[str, tuple[str, tuple[int, ...]]] = {}
    for code, signatures in ref.signatures.items():
        for sig in sorted(signatures, key=len, reverse=True):
            where = tuple(i for i, k in enumerate(keys) if sig in k)
            if where:
                exact[code] = (sig, where)
                break
            if code in near or not _allowed(sig):
                continue
            where = tuple(
                i
                for i, k in enumerate(keys)
                if (sig[:3] in k or sig[-3:] in k) and near_in(sig, k) <= _allowed(sig)
            )
            if where:
                near[code] = (sig, where)
    hits = exact or near
    # "MOS Word" inside "MOS Word Expert" is not a second certificate.
    return {
        code: hit
        for code, hit in hits.items()
        if not any(hit[0] != other[0] and hit[0] in other[0] for other in hits.values())
    }


def _certificate(
    lines: Sequence[Line], claim: Claim, ref: Reference
) -> tuple[str, str | None, tuple]:
    keys = [ref.text_key(line.text) for line in lines]
    if claim.item_code is None or claim.item_code not in ref.signatures:
        typed = ref.text_key(claim.certificate_text)
        where = tuple(i for i, k in enumerate(keys) if len(typed) >= 3 and typed in k)
        if where:
            return AGREES, None, where
        hits = _hits(keys, ref)
        if hits:
            code = next(iter(hits))
            # Nothing typed is nothing to disagree with: say what the image shows.
            return (DISAGREES if typed else NOT_FOUND), code, hits[code][1]
        return NOT_FOUND, None, ()
    hits = _hits(keys, ref)
    if claim.item_code in hits:
        return AGREES, None, hits[claim.item_code][1]
    if hits:
        code = next(iter(hits))
        return DISAGREES, code, hits[code][1]
    # No full name: the name without its level ("TQC Word"), unless another level is shown.
    base = ref.bases.get(claim.item_code)
    where = tuple(i for i, k in enumerate(keys) if base and base in k)
    if not where:
        for item in ref.items:
            other = ref.bases.get(item.code)
            found = tuple(i for i, k in enumerate(keys) if other and other in k)
            if found and other != base:
                return DISAGREES, item.code, found
        return NOT_FOUND, None, ()
    item = next(i for i in ref.items if i.code == claim.item_code)
    for sibling in ref.items:
        if sibling.group == item.group and sibling.code != item.code and sibling.level:
            level = ref.text_key(sibling.level)
            own_level = ref.text_key(item.level or "")
            if any(level in keys[i] and not (own_level and own_level in keys[i]) for i in where):
                return DISAGREES, sibling.code, where
    return AGREES, None, where


def _year(lines: Sequence[Line], claim: Claim) -> tuple[str, int | None, tuple]:
    dated = [
        (i, academic_year(day)) for i, line in enumerate(lines) for _, day in find_dates(line.text)
    ]
    if not dated:
        return NOT_FOUND, None, ()
    if claim.exam_year is None:
        return NOT_FOUND, dated[0][1], tuple(i for i, _ in dated)
    agree = tuple(i for i, year in dated if year == claim.exam_year)
    if agree:
        return AGREES, None, agree
    return DISAGREES, dated[0][1], tuple(i for i, _ in dated)


def joined(lines: Sequence[Line]) -> str:
    """Return all the text of LINES on one line (for search and display)."""
    return " ".join(compact(line.text) for line in lines)
