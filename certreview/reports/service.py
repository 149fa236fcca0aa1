"""What the eligibility panel asks of the library: roster choices, the eligibility table, exports."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from inspect import signature
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select

from certreview.i18n import _
from certreview.reports.exports import EXPORTS, Exported, round_names
from certreview.reports.frames import eligibility_frame
from certreview.store.models import Student
from certreview.store.private import make_private_dir
from certreview.workspace import Workspace

if TYPE_CHECKING:
    from certreview.reports.stats import StatsData


class ReportService:
    """Read the eligibility table and write exports of one department; each call is one transaction."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    @property
    def exports_dir(self) -> Path:
        """Return the folder exports are written to (the data folder's exports/)."""
        return self.workspace.settings.data_dir / "exports"

    def choices(self) -> tuple[list[int], list[str]]:
        """Return the cohorts (admission years) and the programs on the roster, sorted."""
        with self.workspace.Session() as s:
            cohorts = s.scalars(select(Student.admission_year).distinct()).all()
            programs = s.scalars(select(Student.program).distinct()).all()
        return sorted(cohorts), sorted(p for p in programs if p)

    def rounds(self) -> list[str]:
        """Return the rounds with uploads, the current (newest) round first."""
        with self.workspace.Session() as s:
            return round_names(s)

    def eligibility(
        self,
        current_year: int,
        cohort: int | None = None,
        program: str | None = None,
        statuses: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Return the eligibility table of one COHORT / PROGRAM / STATUSES (None: all)."""
        with self.workspace.Session() as s:
            return eligibility_frame(
                s, current_year, cohort=cohort, program=program, statuses=statuses
            )

    def export(
        self,
        kind: str,
        suffix: str,
        by: str,
        *,
        now: datetime | None = None,
        **choices: Any,
    ) -> tuple[Path, Exported]:
        """Write the KIND export as a SUFFIX file into `exports_dir`, log it, return (path, what).

        CHOICES are the panel's settings (year, cohort, program, statuses, round); each export
        takes those it has a keyword for, and the file name says the ones chosen and when,
        e.g. eligibility_AY111_20260520-101500.xlsx.
        """
        if kind not in EXPORTS:
            said = _("unknown export {kind}: use one of {kinds}")
            raise ValueError(said.format(kind=repr(kind), kinds=", ".join(EXPORTS)))
        run = EXPORTS[kind]
        takes = signature(run).parameters
        options = {key: value for key, value in choices.items() if key in takes}
        parts = [kind, *(_name_part(key, value) for key, value in options.items())]
        make_private_dir(self.exports_dir)  # exports hold names and IDs, like the database
        stamp = f"{now or datetime.now():%Y%m%d-%H%M%S}"
        name = "_".join(p for p in parts if p)
        path = self.exports_dir / f"{name}_{stamp}.{suffix.lstrip('.')}"
        with self.workspace.Session.begin() as s:
            done = run(s, path, by=by, now=now, **options)
        return path, done

    def statistics(self, current_year: int | None = None) -> StatsData:
        """Return the students and submissions the statistics are worked out from."""
        from certreview.reports.stats import load_stats  # matplotlib: only when asked

        with self.workspace.Session() as s:
            return load_stats(s, current_year)


def _name_part(key: str, value: Any) -> str:
    """Return how a chosen option reads in a file name ("" when not chosen or not telling)."""
    if value is None or key in {"year", "templates"}:
        return ""
    if key == "cohort":
        return f"AY{value}"
    if key == "statuses":
        return "+".join(value)
    return "".join(c if c.isalnum() or c in "-+" else "-" for c in str(value))
