"""The intake report: what an import of submissions did, row by row."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from certreview.i18n import N_, _, listed
from certreview.reports.write_table import write_table
from certreview.rules.contract import FLAGS, column_label, flag_label, flag_meaning
from certreview.store.models import Round, Submission

REPORT_COLUMNS = ("row", "submission_id", "student_id", "status", "flags")
# How the counts of the statuses read (the statuses themselves are codes in the report).
STATUS_COUNTS = {
    "accepted": N_("{n} accepted"),
    "flagged": N_("{n} flagged"),
    "skipped": N_("{n} skipped"),
}
# The statuses in words, for a person (the report file keeps the codes).
STATUS_WORDS = {"accepted": N_("accepted"), "flagged": N_("flagged"), "skipped": N_("skipped")}


@dataclass(frozen=True)
class ReportRow:
    """One line of the intake report, as the contract names its columns (plus what changed)."""

    row: int
    submission_id: str
    student_id: str
    status: str  # accepted | flagged | skipped
    flags: str
    changed: str = ""  # for a new version of a known submission: the fields that changed


@dataclass
class IntakeResult:
    """What an import of submissions did, row by row."""

    round_name: str
    rows: list[ReportRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Return how many rows were accepted, flagged and skipped."""
        out = {"accepted": 0, "flagged": 0, "skipped": 0}
        for r in self.rows:
            out[r.status] += 1
        return out

    def flag_counts(self) -> dict[str, int]:
        """Return how many imported rows carry each flag."""
        out: dict[str, int] = {}
        for r in self.rows:
            for f in filter(None, r.flags.split(";")):
                out[f] = out.get(f, 0) + 1
        return out

    def summary(self) -> str:
        """Return one line such as 'submissions (AY115): 3 accepted, 2 flagged, 0 skipped'."""
        counts = self.counts()
        if counts["skipped"] and not counts["accepted"] and not counts["flagged"]:
            return _("submissions: nothing new — all {n} rows were imported before").format(
                n=counts["skipped"]
            )
        line = _("submissions ({round}): {counts}").format(
            round=self.round_name,
            counts=listed(_(STATUS_COUNTS[k]).format(n=n) for k, n in counts.items()),
        )
        changed = sum(1 for r in self.rows if r.changed)
        if changed:
            return _("{line} ({n} changed since imported before)").format(line=line, n=changed)
        return line

    def write_report(self, path: Path) -> None:
        """Write the intake report to PATH (.csv or .xlsx) through the safe, atomic table writer."""
        rows = [(r.row, r.submission_id, r.student_id, r.status, r.flags) for r in self.rows]
        write_table({"report": pd.DataFrame(rows, columns=list(REPORT_COLUMNS))}, path)


def report_frame(session: Session, round_name: str | None = None) -> pd.DataFrame:
    """Return the stored submissions as intake-report rows (one round, or all), newest import last."""
    query = select(
        Submission.row,
        Submission.submission_id,
        Submission.student_key.label("student_id"),
        Submission.flags,
        Round.name.label("round"),
    ).join(Round, Submission.round_id == Round.id)
    if round_name:
        query = query.where(Round.name == round_name)
    frame = pd.DataFrame(
        session.execute(query.order_by(Submission.id)).all(),
        columns=["row", "submission_id", "student_id", "flags", "round"],
    )
    frame.insert(3, "status", frame["flags"].map(lambda f: "flagged" if f else "accepted"))
    return frame


def flag_counts_frame(report: pd.DataFrame) -> pd.DataFrame:
    """Return how many submissions of a report frame carry each flag, in the contract's order."""
    exploded = report["flags"].str.split(";").explode()
    counts = exploded[exploded.astype(bool) & exploded.notna()].value_counts()
    rows = [(flag, int(counts.get(flag, 0)), FLAGS[flag]) for flag in FLAGS]
    return pd.DataFrame(rows, columns=["flag", "submissions", "meaning"])


def flag_counts_words(report: pd.DataFrame) -> pd.DataFrame:
    """Return `flag_counts_frame` for a person to read: each flag and its meaning in words."""
    counts = flag_counts_frame(report)
    return counts.assign(
        flag=counts["flag"].map(flag_label), meaning=counts["flag"].map(flag_meaning)
    )


def report_words(report: pd.DataFrame) -> pd.DataFrame:
    """Return a report frame for a person to read: its statuses and flags in words."""
    return report.assign(
        status=report["status"].map(lambda k: _(STATUS_WORDS[k]) if k in STATUS_WORDS else k),
        flags=report["flags"].map(lambda f: listed(flag_label(c) for c in f.split(";") if c)),
    )


def status_by_round(report: pd.DataFrame) -> pd.DataFrame:
    """Return how many rows of each round had each status: rounds down, statuses across, in words.

    >>> frame = pd.DataFrame({"round": ["AY114", "AY114"], "status": ["accepted", "flagged"],
    ...                       "flags": ["", "late"]})
    >>> status_by_round(frame).to_dict("index")
    {'AY114': {'accepted': 1, 'flagged': 1}}
    """
    table = report_words(report).groupby(["round", "status"]).size().unstack(fill_value=0)
    return table.rename_axis(index=column_label("round"), columns=column_label("status"))
