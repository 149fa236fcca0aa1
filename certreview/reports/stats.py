"""Completion statistics for analysts: DataFrames to take further, and a few charts.

`load_stats` reads the department once; every other function takes its frames and returns a
new DataFrame (or a matplotlib Figure, built without pyplot so it is safe in any process).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure
from sqlalchemy.orm import Session

from certreview.i18n import N_, _, ngettext
from certreview.reports.frames import eligibility_table, this_year
from certreview.rules.contract import (
    NO_REASON_ROW,
    REASONS,
    ROW_LABELS,
    STATE_COLOURS,
    STATES,
    column_label,
    reason_label,
    reason_meaning,
    row_label,
    state_label,
)
from certreview.rules.eligibility import evaluate_frames
from certreview.store.load import load_facts, load_rules

DECIDED = ("approved", "rejected", "returned")
# The category of an upload that matches no catalog item: what a student typed is no category.
NO_ITEM = N_("(no catalog item)")
BY_WORDS = {"admission_year": N_("cohort"), "class_name": N_("class")}  # chart titles
# Colours of the review states, as the review widgets show them.
# Fonts that carry Traditional Chinese, tried before matplotlib's default when installed.
CJK_FONTS = (
    "Noto Sans CJK TC",
    "Noto Sans TC",
    "Microsoft JhengHei",
    "PingFang TC",
    "Heiti TC",
    "WenQuanYi Zen Hei",
    "AR PL UMing TW",
)


@dataclass(frozen=True)
class StatsData:
    """One reading of the department: students with their standing, and every submission."""

    students: pd.DataFrame  # eligibility columns plus status and exit_year
    submissions: pd.DataFrame  # facts.submissions plus counted / why_not
    current_year: int


def load_stats(session: Session, current_year: int | None = None) -> StatsData:
    """Return the department's students and submissions with eligibility worked out."""
    year = current_year or this_year()
    facts = load_facts(session)
    per_student, per_submission = evaluate_frames(
        facts.students, facts.submissions, load_rules(session), year
    )
    students = eligibility_table(facts, per_student)
    students["status"] = facts.students["status"].to_numpy()
    students["exit_year"] = facts.students["exit_year"].to_numpy()
    submissions = facts.submissions.assign(
        counted=per_submission["counted"].to_numpy(),
        why_not=per_submission["why_not"].to_numpy(),
        category=facts.submissions["category"].fillna(_(NO_ITEM)),
    )
    return StatsData(students, submissions, year)


def population(students: pd.DataFrame, current_year: int) -> pd.DataFrame:
    """Return the students a completion rate is fair to: under a standard, past their first year."""
    under = students["standard"].fillna("") != ""
    return students[under & (students["admission_year"] < current_year)]


def population_note(students: pd.DataFrame, current_year: int) -> str:
    """Return the sentence that says which students a completion rate counts.

    >>> frame = pd.DataFrame({"standard": ["A", "A", ""], "admission_year": [110, 114, 110]})
    >>> population_note(frame, 114)
    '1 student under a standard, admitted AY113 or earlier (of 3 on the roster).'
    """
    n = len(population(students, current_year))
    text = ngettext(
        "{n} student under a standard, admitted AY{year} or earlier (of {total} on the roster).",
        "{n} students under a standard, admitted AY{year} or earlier (of {total} on the roster).",
        n,
    )
    return text.format(n=n, year=current_year - 1, total=len(students))


def uploads_note(submissions: pd.DataFrame) -> str:
    """Return the sentence that says which uploads a submissions table or chart counts."""
    n, rounds = len(submissions), submissions["round"].nunique()
    uploads = ngettext("{n} upload", "{n} uploads", n).format(n=n)
    in_rounds = ngettext("{n} review round", "{n} review rounds", rounds).format(n=rounds)
    return _(
        "{uploads} in {rounds}; categories are the catalog item's, not what students typed."
    ).format(uploads=uploads, rounds=in_rounds)


def as_of_note(current_year: int, note: str) -> str:
    """Return the first line of the statistics: the academic year, then which students count."""
    return _("As of academic year {year}: {note}").format(year=current_year, note=note)


def at_risk_note(at_risk: pd.DataFrame) -> str:
    """Return the sentence under the students at risk."""
    return _("{n} enrolled students in year 4 or later who do not meet their standard.").format(
        n=len(at_risk)
    )


def percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    """Return PART of WHOLE in percent with one decimal, missing where WHOLE is 0."""
    return (part / whole.where(whole > 0) * 100).round(1)


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Return FRAME for a person to read: headers, reasons and added rows in words, no NaN or <NA>."""
    out = cohort_words(frame).astype(object).where(frame.notna(), "")
    out = out.map(lambda v: row_label(v) if isinstance(v, str) and v in ROW_LABELS else v)
    if "reason" in out:  # the reasons a decision gives, as the chart and the pages say them
        out["reason"] = out["reason"].map(lambda v: reason_word(v) if v else v)
    out = out.astype(object)  # map guesses column types again: keep what a person reads
    return out.rename(columns=lambda c: column_label(str(c)))


def cohort_words(frame: pd.DataFrame) -> pd.DataFrame:
    """Return FRAME with its cohorts as the charts name them (AY112, not 112); blanks stay blank.

    >>> cohort_words(pd.DataFrame({"admission_year": [112, None]})).fillna("").iloc[:, 0].tolist()
    ['AY112', '']
    """
    if "admission_year" not in frame:
        return frame
    years = frame["admission_year"]
    return frame.assign(
        admission_year=years.map(lambda v: None if pd.isna(v) else _label("admission_year", v))
    )


def completion_rate(
    students: pd.DataFrame, current_year: int, by: str | Sequence[str] = "admission_year"
) -> pd.DataFrame:
    """Return students, met, not met and the met percentage per BY, over `population`.

    >>> frame = pd.DataFrame({"program": ["Day", "Day", "Evening"], "met": ["yes", "no", "no"],
    ...                       "standard": ["A", "A", ""], "admission_year": [110, 110, 110]})
    >>> completion_rate(frame, 114, "program").values.tolist()
    [['Day', 2, 1, 1, 50.0]]
    """
    keys = [by] if isinstance(by, str) else list(by)
    counted = population(students, current_year)
    out = (
        counted.assign(_met=counted["met"] == "yes")
        .groupby(keys, dropna=False, sort=True)
        .agg(students=("_met", "size"), met=("_met", "sum"))
        .reset_index()
    )
    out["not_met"] = out["students"] - out["met"]
    out["met_pct"] = percent(out["met"], out["students"])
    return out.astype({"students": "int64", "met": "int64", "not_met": "int64"})


def decisions_by_reason(submissions: pd.DataFrame) -> pd.DataFrame:
    """Return how many current rejections and returns give each reason, with its meaning."""
    decided = submissions[submissions["state"].isin(["rejected", "returned"])]
    table = pd.crosstab(decided["reason"].fillna(NO_REASON_ROW), decided["state"])
    table = table.reindex(columns=["rejected", "returned"], fill_value=0)
    table["total"] = table.sum(axis=1)
    table = table.reset_index().rename(columns={"reason": "reason"})
    meaning = table["reason"].map(lambda r: reason_meaning(r) if r in REASONS else None)
    table.insert(1, "meaning", meaning.fillna(""))
    table.columns.name = None
    return table.sort_values(["total", "reason"], ascending=[False, True]).reset_index(drop=True)


def decisions_by_category(submissions: pd.DataFrame) -> pd.DataFrame:
    """Return per catalog category the submissions in each state and the approval percentage."""
    table = pd.crosstab(submissions["category"].fillna(_(NO_ITEM)), submissions["state"])
    table = table.reindex(columns=list(STATES), fill_value=0)
    table = table[["approved", "rejected", "returned", "pending"]]
    table["total"] = table.sum(axis=1)
    table["approval_pct"] = percent(table["approved"], table[list(DECIDED)].sum(axis=1))
    table = table.reset_index()
    table.columns.name = None
    return table.sort_values(["total", "category"], ascending=[False, True]).reset_index(drop=True)


def top_certificates(submissions: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Return the N catalog items most often approved, with how often each was submitted."""
    matched = submissions[submissions["item_code"].notna()]
    table = (
        matched.assign(_approved=matched["state"] == "approved")
        .groupby(["item_code", "item_name", "category"], dropna=False)
        .agg(submitted=("_approved", "size"), approved=("_approved", "sum"))
        .reset_index()
        .rename(columns={"item_name": "certificate"})
    )
    table = table.sort_values(
        ["approved", "submitted", "item_code"], ascending=[False, False, True]
    )
    return table.head(n).reset_index(drop=True).astype({"approved": "int64"})


def round_trends(submissions: pd.DataFrame) -> pd.DataFrame:
    """Return per review round (in order) the submissions, states, flags and approval percentage."""
    table = pd.crosstab([submissions["round_id"], submissions["round"]], submissions["state"])
    table = table.reindex(columns=["approved", "rejected", "returned", "pending"], fill_value=0)
    table.insert(0, "submissions", table.sum(axis=1))
    flagged = submissions.assign(_flagged=submissions["flags"].fillna("") != "")
    table["flagged"] = flagged.groupby(["round_id", "round"])["_flagged"].sum()
    table["approval_pct"] = percent(table["approved"], table[list(DECIDED)].sum(axis=1))
    table = table.sort_index().reset_index().drop(columns="round_id")
    table.columns.name = None
    return table


def students_at_risk(students: pd.DataFrame, current_year: int) -> pd.DataFrame:
    """Return enrolled students in their 4th year or later who do not meet their standard yet."""
    year_of_study = current_year - students["admission_year"] + 1
    risky = (students["status"] == "enrolled") & (year_of_study >= 4) & (students["met"] == "no")
    out = students.loc[risky].assign(year_of_study=year_of_study[risky])
    columns = [
        "student_id",
        "name",
        "program",
        "class_name",
        "admission_year",
        "year_of_study",
        "standard",
        "approved",
        "points",
        "pending",
        "missing",
    ]
    out = out[columns].sort_values(["year_of_study", "student_id"], ascending=[False, True])
    return out.reset_index(drop=True)


def completion_chart(rates: pd.DataFrame, by: str = "admission_year", note: str = "") -> Figure:
    """Return a bar chart of the met percentage per BY, with NOTE (the population) under it."""
    # About an inch a bar: "33.3 % (3/9)" over each one must not run into its neighbour's.
    fig, ax = _figure(width=max(5.0, 0.95 * len(rates) + 1.5))
    labels = [_label(by, v) for v in rates[by]]
    bars = ax.bar(labels, rates["met_pct"], color="#2e7d32")
    ax.bar_label(
        bars,
        labels=[
            f"{p:g} % ({m}/{s})"
            for p, m, s in zip(rates["met_pct"], rates["met"], rates["students"], strict=True)
        ],
    )
    ax.set_ylim(0, 115)
    ax.set_ylabel(_("students who meet their standard (%)"))
    words = _(BY_WORDS[by]) if by in BY_WORDS else column_label(by).lower()
    ax.set_title(_("Completion by {what}").format(what=words))
    _note(fig, note)
    return fig


def reason_word(reason: str) -> str:
    """Return a reason of the reasons table in words (a code's label, or the no-reason row's)."""
    return reason_label(reason) if reason in REASONS else _(reason)


def reasons_chart(by_reason: pd.DataFrame, note: str = "") -> Figure:
    """Return horizontal stacked bars of rejections and returns per reason."""
    fig, ax = _figure(height=max(2.5, 0.4 * len(by_reason) + 1))
    rows = by_reason.iloc[::-1]
    left = np.zeros(len(rows))
    for state in ("rejected", "returned"):
        words = [reason_word(r) for r in rows["reason"]]
        ax.barh(words, rows[state], left=left, color=STATE_COLOURS[state], label=state_label(state))
        left = left + rows[state].to_numpy()
    ax.set_xlabel(_("submissions"))
    ax.set_title(_("Rejections and returns by reason"))
    _legend(ax, loc="lower right")
    _note(fig, note)
    return fig


def trends_chart(trends: pd.DataFrame, note: str = "") -> Figure:
    """Return stacked bars of the states of each round's submissions."""
    fig, ax = _figure(width=max(5.0, 1.2 * len(trends) + 2))
    bottom = np.zeros(len(trends))
    for state in ("approved", "rejected", "returned", "pending"):
        ax.bar(
            trends["round"],
            trends[state],
            bottom=bottom,
            color=STATE_COLOURS[state],
            label=state_label(state),
        )
        bottom = bottom + trends[state].to_numpy()
    ax.set_ylabel(_("submissions"))
    ax.set_title(_("Submissions by review round"))
    _legend(ax, loc="upper left", bbox_to_anchor=(1, 1))
    _note(fig, note)
    return fig


def _figure(width: float = 6.0, height: float = 3.5) -> tuple[Figure, object]:
    """Return a pyplot-free Figure and its one Axes, with a Chinese-capable font when installed."""
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    families = _cjk_fonts()
    if families:
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
            text.set_fontfamily([*families, "DejaVu Sans"])
        ax.tick_params(labelfontfamily=[*families, "DejaVu Sans"])
    return fig, ax


def _note(fig: Figure, note: str) -> None:
    """Write NOTE (which students or uploads a chart counts) under the chart."""
    if note:
        fig.supxlabel(note, fontsize=9, fontfamily=[*_cjk_fonts(), "DejaVu Sans"])


def _legend(ax: Any, **where: Any) -> None:
    """Show the legend in a font that has the Chinese state names."""
    ax.legend(prop={"family": [*_cjk_fonts(), "DejaVu Sans"]}, **where)


def _cjk_fonts() -> list[str]:
    """Return the installed fonts of CJK_FONTS (names, not looked up again on each chart)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in CJK_FONTS if name in installed]


def _label(by: str, value: object) -> str:
    """Return a bar label: AY112 for cohorts, '(none)' for a blank."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return _("(none)")
    if by == "admission_year":
        return f"AY{int(value)}" if isinstance(value, (int, float, np.integer)) else f"AY{value}"
    return str(value)
