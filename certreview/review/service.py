"""The review service: filtered pages of cards, decisions, undo and the detail of one submission.

Plain values in and out (frozen dataclasses), one transaction per call, no widgets: the
workbench in `certreview.widgets` is a thin skin over this, and a script can use it too.

A view's *status* filter is evaluated as of the latest decision when the view was opened
(`Filters.as_of`), so approving the cards of "pending" page 1 does not shift page 2 under the
reviewer's feet; the cards themselves always show the current decision.
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from certreview.i18n import _
from certreview.images.limits import ImageRefused
from certreview.review.evidence import EvidenceInfo, evidence_counts, evidence_of, evidence_options
from certreview.review.queries import (
    card_select,
    category_expr,
    conditions,
    count_if,
    facet,
    matching_names,
    partners_of,
    source,
    verdict_expr,
)
from certreview.review.values import (
    ALL,
    CLEAN,
    STATUS_CHOICES,
    UNDO_DEPTH,
    Card,
    DecisionInfo,
    Detail,
    Filters,
    Option,
    Partner,
    Progress,
    StudentInfo,
    Undone,
    card_of,
    student_info,
)
from certreview.rules.contract import (
    FLAGS,
    STATE_OF_VERDICT,
    STATES,
    flag_label,
    flag_meaning,
    state_label,
)
from certreview.rules.eligibility import WHY_NOT
from certreview.rules.standards import rule_named
from certreview.store import decisions
from certreview.store.decisions import (
    DecisionConflict,
    DecisionError,
    check_verdict,
    effective_item,
)
from certreview.store.load import load_rules, student_standing
from certreview.store.models import CatalogItem, Decision, Round, Student, Submission
from certreview.workspace import Workspace


class ReviewService:
    """Read and decide submissions for one reviewer; every method is one transaction."""

    def __init__(self, workspace: Workspace, reviewer: str | None = None) -> None:
        self.workspace = workspace
        self.reviewer = (reviewer or "").strip()
        # Groups of decision ids written by this reviewer here, newest last, for "undo last".
        self._undo: list[tuple[int, ...]] = []

    # -- reading -------------------------------------------------------------------------

    def rounds(self) -> list[tuple[int, str]]:
        """Return (id, name) of every round that holds submissions, newest first."""
        with self.workspace.Session.begin() as s:
            rows = s.execute(
                select(Round.id, Round.name)
                .where(select(Submission.id).where(Submission.round_id == Round.id).exists())
                .order_by(Round.id.desc())
            )
            return [(rid, name) for rid, name in rows]

    def default_filters(self) -> Filters:
        """Return the pending submissions of the newest round, as of now."""
        rounds = self.rounds()
        return self.open_view(Filters(round_id=rounds[0][0] if rounds else None))

    def open_view(self, filters: Filters) -> Filters:
        """Return FILTERS stamped with the latest decision id, fixing the view's membership."""
        with self.workspace.Session.begin() as s:
            latest = s.scalar(select(func.max(Decision.id)))
            names = matching_names(s, filters.search) if filters.search.strip() else None
        return replace(filters, as_of=latest or 0, search_names=names)

    def page(self, filters: Filters, number: int = 0, size: int = 24) -> list[Card]:
        """Return the cards of page NUMBER (from 0) of the view, thumbnails included."""
        with self.workspace.Session.begin() as s:
            where = conditions(s, filters)
            ids = (
                source(select(Submission.id.label("pk"), Submission.student_key))
                .where(*where.values())
                .order_by(Submission.student_key, Submission.id)
                .offset(max(number, 0) * size)
                .limit(size)
                .subquery()
            )
            rows = s.execute(
                card_select()
                .join(ids, ids.c.pk == Submission.id)
                .order_by(Submission.student_key, Submission.id)
            ).all()
            partners = partners_of(s, rows)
        return [self._card(row, partners) for row in rows]

    def card(self, pk: int) -> Card:
        """Return the card of one submission as it stands now."""
        with self.workspace.Session.begin() as s:
            row = s.execute(card_select().where(Submission.id == pk)).one()
            partners = partners_of(s, [row])
        return self._card(row, partners)

    def progress(self, filters: Filters) -> Progress:
        """Return how many submissions of the view are decided now (undo to pending counts not)."""
        with self.workspace.Session.begin() as s:
            where = conditions(s, filters)
            now = verdict_expr(None)
            total, decided = s.execute(
                source(
                    select(func.count(), func.coalesce(func.sum(count_if(now != "pending")), 0))
                ).where(*where.values())
            ).one()
        return Progress(int(decided), int(total))

    def options(self, filters: Filters) -> dict[str, list[Option]]:
        """Return the choices of every filter with counts, each under the other filters, now."""
        filters = replace(filters, as_of=None)
        with self.workspace.Session.begin() as s:
            where = conditions(s, filters)

            def others(dim: str) -> list[ColumnElement[bool]]:
                return [c for k, c in where.items() if k != dim]

            def grouped(dim: str, *cols: Any) -> list[Any]:
                stmt = source(select(*cols, func.count())).where(*others(dim)).group_by(*cols)
                return list(s.execute(stmt))

            out: dict[str, list[Option]] = {}
            names = {rid: name for rid, name in s.execute(select(Round.id, Round.name))}
            counts = {r: n for r, n in grouped("round", Submission.round_id)}
            out["round"] = [Option(None, _("All rounds"), sum(counts.values()))] + [
                Option(rid, names[rid], counts.get(rid, 0)) for rid in sorted(names, reverse=True)
            ]
            counts = {STATE_OF_VERDICT[v]: n for v, n in grouped("status", verdict_expr(None))}
            out["status"] = [Option(st, state_label(st), counts.get(st, 0)) for st in STATES] + [
                Option(ALL, _("All"), sum(counts.values()))
            ]
            # Flag combinations are few (not one per submission): count them, split in Python.
            per_flag: dict[str, int] = dict.fromkeys(FLAGS, 0)
            total = clean = 0
            for flags, n in grouped("flag", Submission.flags):
                total += n
                clean += n if not flags else 0
                for f in flags.split(";"):
                    if f:
                        per_flag[f] = per_flag.get(f, 0) + n
            out["flag"] = [Option(None, _("any"), total), Option(CLEAN, _("no flags"), clean)] + [
                Option(f, flag_label(f), n) for f, n in per_flag.items() if n
            ]
            out["category"] = facet(grouped("category", category_expr()), _("All categories"))
            items = grouped("item", effective_item(), CatalogItem.name)
            out["item"] = [Option(None, _("All items"), sum(r[-1] for r in items))] + [
                Option(code, f"{code} {name}", n) for code, name, n in items if code is not None
            ]
            roster = {
                "program": (Student.program, _("All programs")),
                "class_name": (Student.class_name, _("All classes")),
                "cohort": (Student.admission_year, _("All cohorts")),
            }
            # Roster filters not in use share one WHERE: one query grouped by all of them
            # (as many groups as classes) serves them together.
            idle = [d for d in roster if d not in where]
            if idle:
                columns = [roster[d][0] for d in idle]
                combos = list(
                    s.execute(
                        source(select(*columns, func.count()))
                        .where(*where.values())
                        .group_by(*columns)
                    )
                )
                for i, dim in enumerate(idle):
                    counts: dict[Any, int] = {}
                    for row in combos:
                        counts[row[i]] = counts.get(row[i], 0) + row[-1]
                    out[dim] = facet(counts.items(), roster[dim][1])
            for dim in roster:
                if dim in where:
                    out[dim] = facet(grouped(dim, roster[dim][0]), roster[dim][1])
            counted = evidence_counts(s, source, others("evidence"))
            out["evidence"] = [Option(*choice) for choice in evidence_options(counted)]
        return out

    def detail(self, pk: int, *, standing: bool = True) -> Detail:
        """Return the detail of one submission: roster, standard, other uploads, history, needs.

        Without STANDING the student's standard and standing are left out (None): the slow part,
        which a view can fetch a moment later.
        """
        with self.workspace.Session.begin() as s:
            row = s.execute(card_select().where(Submission.id == pk)).one()
            partners = partners_of(s, [row])
            card = self._card(row, partners, evidence_of(s, [pk]))
            stored = s.get(Submission, pk)
            same = (
                Submission.student_id == card.student_id
                if card.student_id
                else Submission.student_key == card.student_key
            )
            # All of them (a student has tens at most): this round's first, then newest rounds.
            this_round = case((Submission.round_id == stored.round_id, 0), else_=1)
            others = s.execute(
                card_select()
                .where(same, Submission.id != pk)
                .order_by(this_round, Submission.round_id.desc(), Submission.id)
            ).all()
            copies = [p.pk for p in card.partners]
            copy_rows = s.execute(card_select().where(Submission.id.in_(copies))).all()
            student = s.get(Student, card.student_id) if card.student_id else None
            rule, now, counts = None, None, ""
            if student is not None and standing:
                rules = load_rules(s)
                now, per_submission = student_standing(s, student, rules)
                rule = rule_named(rules, now.standard)
                mine = per_submission.get(card.submission_id)
                if mine is not None:
                    why = mine.why_not or ""
                    counts = (
                        _("counts toward the standard")
                        if mine.counted
                        else _("does not count: {why}").format(
                            why=_(WHY_NOT[why]) if why in WHY_NOT else why
                        )
                    )
            catalog = s.execute(
                select(CatalogItem.code, CatalogItem.name).order_by(CatalogItem.code)
            ).all()
            history = decisions.history(s, stored)
            notes = tuple(filter(None, [*(stored.notes or "").splitlines(), stored.image_note]))
            return Detail(
                card=card,
                student=student_info(student) if student else None,
                standard=rule,
                others=tuple(self._card(r) for r in others),
                flags=tuple((f, flag_meaning(f)) for f in card.flags),
                history=tuple(DecisionInfo.of(d) for d in history),
                standing=now,
                counts=counts,
                catalog=tuple((c, f"{c} {n}") for c, n in catalog),
                notes=notes,
                partners=tuple(self._card(r) for r in copy_rows),
            )

    def preview(self, sha256: str, page: int = 0, rotate: int = 0) -> bytes | None:
        """Return the full-size preview of an image (page of a PDF), turned ROTATE degrees."""
        try:
            data = self.workspace.store.preview(sha256, page)
        except (OSError, ImageRefused, IndexError):
            return None  # the detail view shows a placeholder; intake flagged the file already
        if not data or rotate % 360 == 0:
            return data
        from PIL import Image  # only the rare rotated preview needs Pillow here

        with Image.open(io.BytesIO(data)) as im:
            out = io.BytesIO()
            # Pillow turns counter-clockwise; the reviewer's "rotate right" is clockwise.
            im.rotate(-rotate, expand=True).convert("RGB").save(out, "JPEG", quality=90)
        return out.getvalue()

    # -- deciding ------------------------------------------------------------------------

    def decide(
        self,
        pk: int,
        verdict: str,
        *,
        reason: str | None = None,
        note: str | None = None,
        item: str | None = None,
        expected_latest: int | bool | None = False,
    ) -> DecisionInfo:
        """Record a decision on submission PK, unless someone decided after EXPECTED_LATEST.

        EXPECTED_LATEST is the latest decision id the reviewer saw (None: undecided); the
        default False records the decision without checking, as the command line does. Raises
        DecisionError for a broken rule and DecisionConflict (with the newer decision) when
        another reviewer got there first.
        """
        checked = check_verdict(verdict, reason, note, item)
        reviewer = self._need_reviewer()
        with self.workspace.Session.begin() as s:
            submission = s.get(Submission, pk)
            if submission is None:
                raise DecisionError(_("no submission #{pk}").format(pk=pk))
            made = decisions.decide(
                s, submission, checked, reviewer, expected_latest=expected_latest
            )
            info = DecisionInfo.of(made)
        self._remember((info.id,))
        return info

    def approve_many(
        self, expected: dict[int, int | None]
    ) -> tuple[dict[int, DecisionInfo], dict[int, DecisionInfo]]:
        """Approve every submission in EXPECTED (pk -> latest decision id seen) in one go.

        Returns (approved, conflicts): conflicting submissions are left as the other
        reviewer decided them, and their newer decisions are returned so the cards can say so.
        """
        reviewer = self._need_reviewer()
        checked = check_verdict("approve", None, None, None)
        approved: dict[int, DecisionInfo] = {}
        conflicts: dict[int, DecisionInfo] = {}
        with self.workspace.Session.begin() as s:
            subs = s.scalars(select(Submission).where(Submission.id.in_(list(expected))))
            for submission in subs:
                try:
                    made = decisions.decide(
                        s,
                        submission,
                        checked,
                        reviewer,
                        expected_latest=expected[submission.id],
                    )
                except DecisionConflict as exc:
                    conflicts[submission.id] = exc.newer
                    continue
                approved[submission.id] = DecisionInfo.of(made)
        if approved:
            self._remember(tuple(d.id for d in approved.values()))
        return approved, conflicts

    def can_undo(self) -> bool:
        """Return True when this session has a decision left to undo."""
        return bool(self._undo)

    def undo_last(self) -> Undone:
        """Undo this reviewer's last action (one click or one bulk approval).

        Undo appends restoring decisions; nothing is deleted. A submission someone decided
        since (or that was changed again) is left alone and reported in `refused`. Raises
        DecisionError when there is nothing left to undo.
        """
        if not self._undo:
            raise DecisionError(_("nothing to undo in this session"))
        reviewer = self._need_reviewer()
        ids = self._undo[-1]
        restored: dict[int, DecisionInfo] = {}
        refused: dict[int, str] = {}
        with self.workspace.Session.begin() as s:
            for decision in s.scalars(select(Decision).where(Decision.id.in_(ids))):
                try:
                    made = decisions.undo(s, decision, reviewer)
                except DecisionError as exc:  # checked before anything is written
                    refused[decision.submission_pk] = str(exc)
                    continue
                restored[made.submission_pk] = DecisionInfo.of(made)
        self._undo.pop()  # only once the undo is written: a failed one can be tried again
        return Undone(restored, refused)

    def _remember(self, ids: tuple[int, ...]) -> None:
        self._undo.append(ids)
        del self._undo[:-UNDO_DEPTH]

    def _need_reviewer(self) -> str:
        if not self.reviewer.strip():
            raise DecisionError(_("enter the reviewer's name first"))
        return self.reviewer.strip()

    def _card(
        self,
        row: Any,
        partners: dict[int, tuple[Partner, ...]] | None = None,
        evidence: dict[int, EvidenceInfo] | None = None,
    ) -> Card:
        thumb = self.workspace.store.thumbnail(row.image_sha256) if row.image_sha256 else None
        card = card_of(row, thumb, (partners or {}).get(row.id, ()))
        found = (evidence or {}).get(row.id)
        return card if found is None else replace(card, evidence=found)


__all__ = [
    "ALL",
    "CLEAN",
    "STATUS_CHOICES",
    "Card",
    "DecisionConflict",
    "DecisionInfo",
    "Detail",
    "Filters",
    "Option",
    "Partner",
    "Progress",
    "ReviewService",
    "StudentInfo",
    "Undone",
]
