"""The eligibility panel: choose cohort, program and status, see who meets their standard, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from certreview.i18n import N_, _
from certreview.reports.exports import ALL_ROUNDS, EXPORTS
from certreview.reports.frames import this_year
from certreview.reports.service import ReportService
from certreview.rules.contract import STUDENT_STATUSES, student_status_label
from certreview.widgets import html
from certreview.widgets.guard import reports_database_errors
from certreview.widgets.workbench import default_reviewer

# Enough rows to scroll through a cohort; the export always has every row.
SHOWN_ROWS = 500
MET_COLOURS = {"yes": "#e8f5e9", "no": "#ffebee"}
MET_WORDS = {"yes": N_("yes"), "no": N_("no")}  # the export keeps yes / no
# "All" in a dropdown. Not None: ipywidgets 8 takes a None value for "nothing chosen" and
# shows an empty box once the office picks "All cohorts" again after a cohort.
ALL = ""
# The exports by their words (the kinds are codes, in file names and the export log).
EXPORT_WORDS = {
    "eligibility": N_("eligibility"),
    "audit": N_("graduation audit"),
    "notices": N_("notices to students"),
}


class EligibilityPanel(w.VBox):
    """Filter the eligibility table by cohort, program and status, highlight met / not met, export."""

    def __init__(self, service: ReportService, current_year: int | None = None) -> None:
        self.service = service
        self.frame = pd.DataFrame()
        cohorts, programs = service.choices()
        self.cohort = w.Dropdown(
            options=[(_("All cohorts"), ALL), *((f"AY{c}", c) for c in cohorts)],
            description=_("Cohort"),
        )
        self.program = w.Dropdown(
            options=[(_("All programs"), ALL), *((p, p) for p in programs)],
            description=_("Program"),
        )
        self.year = w.BoundedIntText(
            value=current_year or this_year(),
            min=60,
            max=200,
            description=_("As of AY"),
            tooltip=_("Academic year that closes the enrollment window of students still enrolled"),
            layout=w.Layout(width="160px"),
        )
        self.status = w.SelectMultiple(
            options=[(student_status_label(s), s) for s in STUDENT_STATUSES],
            value=STUDENT_STATUSES,
            rows=len(STUDENT_STATUSES),
            description=_("Status"),
            tooltip=_("Roster status; choose none or all to see every student"),
        )
        self.only_not_met = w.Checkbox(value=False, description=_("Only students not meeting it"))
        self.summary = w.HTML()
        self.table = w.HTML(layout=w.Layout(max_height="420px", overflow="auto"))
        self.kind = w.Dropdown(
            options=[(_(EXPORT_WORDS.get(k, k)), k) for k in EXPORTS],
            value="eligibility",
            description=_("Export"),
        )
        rounds = service.rounds()
        current = (
            _("current round ({round})").format(round=rounds[0]) if rounds else _("current round")
        )
        self.round = w.Dropdown(
            options=[(current, ALL), (_("all rounds"), ALL_ROUNDS), *((r, r) for r in rounds)],
            description=_("Notices of"),
            tooltip=_("The notices export writes to the students of this round"),
        )
        # Narrow buttons: at 148 pixels each the pair wrapped to two lines at 1366×768.
        self.format = w.ToggleButtons(
            options=["xlsx", "csv"],
            value="xlsx",
            style={"button_width": "56px"},
            layout=w.Layout(flex="0 0 auto"),  # the name box gives way, not the pair
        )
        self.exported_by = w.Text(
            value=default_reviewer(), placeholder=_("your name"), description=_("Exported by")
        )
        self.export_button = w.Button(
            description=_("Export"), button_style="primary", icon="download"
        )
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

    @reports_database_errors(N_("Not loaded"), N_("Change a choice to try again."))
    def refresh(self) -> None:
        """Reload the table for the chosen cohort, program, statuses and year."""
        self.frame = self.service.eligibility(
            self.year.value,
            cohort=self.cohort.value or None,
            program=self.program.value or None,
            statuses=self.statuses(),
        )
        met = int((self.frame["met"] == "yes").sum())
        total = len(self.frame)
        none = int((self.frame["standard"] == "").sum())
        rate = f" ({met / total:.0%})" if total else ""
        summary = html.esc(_("{met_of_total} students meet their standard{rate}{none}."))
        self.summary.value = summary.format(
            met_of_total="<b>"
            + html.esc(_("{met} of {total}").format(met=met, total=total))
            + "</b>",
            rate=rate,
            none=html.esc(_("; {none} fall under no standard")).format(none=f"<b>{none}</b>")
            if none
            else "",
        )
        shown = self.frame[self.frame["met"] == "no"] if self.only_not_met.value else self.frame
        self.table.value = table_html(shown)
        self.message.value = ""  # what was said (exported, not loaded) was about the old choice

    @reports_database_errors(N_("Not exported"), N_("Press Export again."))
    def export_now(self) -> Path | None:
        """Write the chosen export to the data folder's exports/, log it, and say where."""
        who = self.exported_by.value.strip()
        if not who:
            self.message.value = _say(_("Type your name in “Exported by” first."), "#c62828")
            return None
        try:
            # Every choice on the panel; each export takes the ones it has a keyword for.
            path, done = self.service.export(
                self.kind.value,
                self.format.value,
                who,
                year=self.year.value,
                cohort=self.cohort.value or None,
                program=self.program.value or None,
                statuses=self.statuses(),
                round=self.round.value or None,
            )
        except (OSError, ValueError) as exc:
            self.message.value = _say(_("Not exported") + f": {exc}", "#c62828")
            return None
        wrote = _("{headline}. Wrote {rows} rows to {path}")
        self.message.value = _say(
            wrote.format(headline=done.headline, rows=done.rows, path=path), "#2e7d32"
        )
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
        return "<i>" + html.esc(_("No students match.")) + "</i>"
    showing = _("Showing {limit} of {n} rows; the export has them all.")
    more = (
        f"<p><i>{html.esc(showing.format(limit=limit, n=len(frame)))}</i></p>"
        if len(frame) > limit
        else ""
    )
    colours = {_(MET_WORDS[k]): colour for k, colour in MET_COLOURS.items()}
    shown = frame.head(limit)
    shown = shown.assign(met=shown["met"].map(lambda v: _(MET_WORDS[v]) if v in MET_WORDS else v))
    if "status" in shown:
        shown = shown.assign(status=shown["status"].map(student_status_label))

    def met_style(record: Any) -> str:
        colour = colours.get(record.met, "")
        return f"background:{colour}" if colour else ""

    return html.frame_table(shown, met_style, limit) + more


def _say(text: str, colour: str) -> str:
    """Return a one-line coloured message."""
    return f"<span style='color:{colour}'>{html.esc(text)}</span>"
