"""The eligibility panel: choose cohort, program and status, see who meets their standard, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from certreview.reports.exports import ALL_ROUNDS, EXPORTS
from certreview.reports.frames import this_year
from certreview.reports.service import ReportService
from certreview.rules.contract import STUDENT_STATUSES
from certreview.widgets import html
from certreview.widgets.guard import reports_database_errors
from certreview.widgets.workbench import default_reviewer

# Enough rows to scroll through a cohort; the export always has every row.
SHOWN_ROWS = 500
MET_COLOURS = {"yes": "#e8f5e9", "no": "#ffebee"}


class EligibilityPanel(w.VBox):
    """Filter the eligibility table by cohort, program and status, highlight met / not met, export."""

    def __init__(self, service: ReportService, current_year: int | None = None) -> None:
        self.service = service
        self.frame = pd.DataFrame()
        cohorts, programs = service.choices()
        self.cohort = w.Dropdown(
            options=[("All cohorts", None), *((f"AY{c}", c) for c in cohorts)],
            description="Cohort",
        )
        self.program = w.Dropdown(
            options=[("All programs", None), *((p, p) for p in programs)], description="Program"
        )
        self.year = w.BoundedIntText(
            value=current_year or this_year(),
            min=60,
            max=200,
            description="As of AY",
            tooltip="Academic year that closes the enrollment window of students still enrolled",
            layout=w.Layout(width="160px"),
        )
        self.status = w.SelectMultiple(
            options=STUDENT_STATUSES,
            value=STUDENT_STATUSES,
            rows=len(STUDENT_STATUSES),
            description="Status",
            tooltip="Roster status; choose none or all to see every student",
        )
        self.only_not_met = w.Checkbox(value=False, description="Only students not meeting it")
        self.summary = w.HTML()
        self.table = w.HTML(layout=w.Layout(max_height="420px", overflow="auto"))
        self.kind = w.Dropdown(options=list(EXPORTS), value="eligibility", description="Export")
        rounds = service.rounds()
        current = f"current round ({rounds[0]})" if rounds else "current round"
        self.round = w.Dropdown(
            options=[(current, None), ("all rounds", ALL_ROUNDS), *((r, r) for r in rounds)],
            description="Notices of",
            tooltip="The notices export writes to the students of this round",
        )
        self.format = w.ToggleButtons(options=["xlsx", "csv"], value="xlsx")
        self.exported_by = w.Text(
            value=default_reviewer(), placeholder="your name", description="Exported by"
        )
        self.export_button = w.Button(description="Export", button_style="primary", icon="download")
        self.message = w.HTML()
        for control in (self.cohort, self.program, self.status, self.year, self.only_not_met):
            control.observe(lambda _: self.refresh(), names="value")
        self.export_button.on_click(lambda _: self.export_now())
        super().__init__(
            [
                w.HBox([self.cohort, self.program, self.status, self.year, self.only_not_met]),
                self.summary,
                self.table,
                w.HBox([self.kind, self.round, self.format, self.exported_by, self.export_button]),
                self.message,
            ]
        )
        self.refresh()

    @reports_database_errors("Not loaded", "Change a choice to try again.")
    def refresh(self) -> None:
        """Reload the table for the chosen cohort, program, statuses and year."""
        self.frame = self.service.eligibility(
            self.year.value,
            cohort=self.cohort.value,
            program=self.program.value,
            statuses=self.statuses(),
        )
        met = int((self.frame["met"] == "yes").sum())
        total = len(self.frame)
        none = int((self.frame["standard"] == "").sum())
        rate = f" ({met / total:.0%})" if total else ""
        self.summary.value = (
            f"<b>{met} of {total}</b> students meet their standard{rate}"
            + (f"; <b>{none}</b> fall under no standard" if none else "")
            + "."
        )
        shown = self.frame[self.frame["met"] == "no"] if self.only_not_met.value else self.frame
        self.table.value = table_html(shown)
        self.message.value = ""  # what was said (exported, not loaded) was about the old choice

    @reports_database_errors("Not exported", "Press Export again.")
    def export_now(self) -> Path | None:
        """Write the chosen export to the data folder's exports/, log it, and say where."""
        who = self.exported_by.value.strip()
        if not who:
            self.message.value = _say("Type your name in “Exported by” first.", "#c62828")
            return None
        try:
            # Every choice on the panel; each export takes the ones it has a keyword for.
            path, done = self.service.export(
                self.kind.value,
                self.format.value,
                who,
                year=self.year.value,
                cohort=self.cohort.value,
                program=self.program.value,
                statuses=self.statuses(),
                round=self.round.value,
            )
        except (OSError, ValueError) as exc:
            self.message.value = _say(f"Not exported: {exc}", "#c62828")
            return None
        self.message.value = _say(f"{done.headline}. Wrote {done.rows} rows to {path}", "#2e7d32")
        return path

    def statuses(self) -> tuple[str, ...] | None:
        """Return the chosen roster statuses, or None for every student (all or none chosen)."""
        chosen = tuple(self.status.value)
        return None if not chosen or set(chosen) == set(STUDENT_STATUSES) else chosen

    def say(self, text: str, colour: str = "#c62828") -> None:
        """Show a one-line message under the export controls (escaped)."""
        self.message.value = _say(text, colour)


def table_html(frame: pd.DataFrame, limit: int = SHOWN_ROWS) -> str:
    """Return FRAME as an HTML table with met rows green and not-met rows red."""
    if frame.empty:
        return "<i>No students match.</i>"
    more = (
        f"<p><i>Showing {limit} of {len(frame)} rows; the export has them all.</i></p>"
        if len(frame) > limit
        else ""
    )
    return html.frame_table(frame, _met_style, limit) + more


def _met_style(record: Any) -> str:
    colour = MET_COLOURS.get(record.met, "")
    return f"background:{colour}" if colour else ""


def _say(text: str, colour: str) -> str:
    """Return a one-line coloured message."""
    return f"<span style='color:{colour}'>{html.esc(text)}</span>"
