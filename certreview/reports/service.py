"""What the eligibility panel asks of the library: roster choices, the eligibility table, exports."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from certreview.reports.exports import eligibility_frame, export
from certreview.store.models import Student
from certreview.store.private import make_private_dir
from certreview.workspace import Workspace


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

    def eligibility(
        self, current_year: int, cohort: int | None = None, program: str | None = None
    ) -> pd.DataFrame:
        """Return the eligibility table of one COHORT / PROGRAM (None: all) as of CURRENT_YEAR."""
        with self.workspace.Session() as s:
            return eligibility_frame(s, current_year, cohort=cohort, program=program)

    def export(
        self,
        kind: str,
        suffix: str,
        exported_by: str,
        *,
        current_year: int,
        cohort: int | None = None,
        program: str | None = None,
        now: datetime | None = None,
    ) -> tuple[Path, int]:
        """Write the KIND export as a SUFFIX file into `exports_dir`, log it, return (path, rows).

        The file name says what it holds and when, e.g. eligibility_AY111_all_20260520-101500.xlsx;
        COHORT and PROGRAM narrow only the eligibility export.
        """
        parts = [kind]
        if kind != "eligibility":
            cohort = program = None
        else:
            parts += [f"AY{cohort}" if cohort else "all", program or "all"]
        make_private_dir(self.exports_dir)  # exports hold names and IDs, like the database
        stamp = f"{now or datetime.now():%Y%m%d-%H%M%S}"
        path = self.exports_dir / f"{'_'.join(parts)}_{stamp}.{suffix.lstrip('.')}"
        with self.workspace.Session.begin() as s:
            rows = export(
                s,
                kind,
                path,
                exported_by,
                current_year=current_year,
                cohort=cohort,
                program=program,
            )
        return path, rows
