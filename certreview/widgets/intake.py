"""The intake panel: pick the department's files, import them, read the report."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from certreview.i18n import N_, _
from certreview.ingest.report import STATUS_WORDS, IntakeResult, flag_counts_words, report_words
from certreview.ingest.service import IMPORTERS, IntakeService
from certreview.ingest.submissions import IntakeOptions, default_round_name, parse_cutoff
from certreview.widgets import html
from certreview.widgets.guard import explain
from certreview.widgets.reading import ReadingBar
from certreview.workspace import Workspace

TABLE_SUFFIXES = {".csv", ".xlsx"}
NONE = N_("(choose a file)")  # the value of "no file"; its label is translated where shown
REPORT_PREFIX = "intake_report_"  # what this panel writes; never offered as an input
ROUND_IN_NAME = re.compile(r"AY\d{3}", re.IGNORECASE)
UNSAFE_IN_NAME = re.compile(r"[^\w.-]+")
SHOWN_ROWS = 30  # flagged rows shown under the panel; the report file has them all
# The words of each kind of file on the buttons and in messages (the kinds are codes).
KIND_WORDS = {
    "roster": N_("roster"),
    "catalog": N_("catalog"),
    "standards": N_("standards"),
    "submissions": N_("submissions"),
}
IMPORT_WORDS = {
    "roster": N_("Import roster"),
    "catalog": N_("Import catalog"),
    "standards": N_("Import standards"),
    "submissions": N_("Import submissions"),
}
# The intake report's row statuses (codes in the file) in words.


def _options(folder: Path, keep: Callable[[Path], bool]) -> list[Any]:
    names = (
        [NONE, *sorted(p.name for p in folder.iterdir() if keep(p))] if folder.is_dir() else [NONE]
    )
    if _(NONE) == NONE:
        return names  # in English every label is its value
    return [(_(NONE) if n == NONE else n, n) for n in names]


class IntakePanel(w.VBox):
    """Import roster, catalog, standards and submissions from one folder, with the report."""

    def __init__(self, service: IntakeService | Workspace, folder: Path) -> None:
        # A workspace is wrapped, so notebooks that pass one keep working; the panel itself
        # only ever talks to the service, never to a database session.
        self.service = service if isinstance(service, IntakeService) else IntakeService(service)
        self.folder = Path(folder)
        self.folder_box = w.Text(
            value=str(self.folder), description=_("Folder"), layout=w.Layout(width="60%")
        )
        self.refresh_button = w.Button(description=_("Refresh list"), icon="refresh")
        self.roster = w.Dropdown(description=_("Roster"))
        self.catalog = w.Dropdown(description=_("Catalog"))
        self.standards = w.Dropdown(description=_("Standards"))
        self.submissions = w.Dropdown(description=_("Uploads"))
        self.images = w.Dropdown(description=_("Images"))
        self.round = w.Text(value=default_round_name(), description=_("Round"))
        self.cutoff = w.Text(placeholder=_("YYYY-MM-DD (optional)"), description=_("Cutoff"))
        self.buttons = {
            kind: w.Button(
                description=_(IMPORT_WORDS[kind]),
                button_style="primary" if kind == "submissions" else "",
            )
            for kind in (*IMPORTERS, "submissions")
        }
        self.progress = w.IntProgress(
            value=0, min=0, max=1, description=_("Images"), layout=w.Layout(visibility="hidden")
        )
        # Shown only over a demo department: real students' files must not mix in unnoticed.
        self.allow_demo = w.Checkbox(
            value=False,
            description=_("Import into the demo department anyway"),
            indent=False,
            layout=w.Layout(width="auto", display="none"),
        )
        self.message = w.HTML()
        self.report = w.HTML(layout=w.Layout(max_height="480px", overflow="auto"))
        # After an import, the round's certificates are read (OCR) while reviewing starts.
        self.reading = ReadingBar(self.service.workspace, lambda: self.round.value)
        self.refresh_button.on_click(lambda _: self.refresh())
        self.submissions.observe(lambda _: self._round_from_name(), "value")
        for kind, button in self.buttons.items():
            button.on_click(lambda _, kind=kind: self.run(kind))
        self.refresh()
        super().__init__(
            [
                w.HBox([self.folder_box, self.refresh_button]),
                w.HBox([self.roster, self.buttons["roster"]]),
                w.HBox([self.catalog, self.buttons["catalog"]]),
                w.HBox([self.standards, self.buttons["standards"]]),
                w.HBox([self.submissions, self.images]),
                w.HBox([self.round, self.cutoff, self.buttons["submissions"]]),
                self.progress,
                self.allow_demo,
                self.message,
                self.reading,
                self.report,
            ]
        )

    def refresh(self) -> None:
        """List the files of the chosen folder in the pickers, guessing each by its name."""
        self.folder = Path(self.folder_box.value).expanduser()
        tables = _options(
            self.folder,
            lambda p: p.suffix.lower() in TABLE_SUFFIXES and not p.name.startswith(REPORT_PREFIX),
        )
        self.roster.options = self.catalog.options = self.submissions.options = tables
        self.standards.options = _options(self.folder, lambda p: p.suffix.lower() == ".toml")
        self.images.options = _options(
            self.folder, lambda p: p.is_dir() or p.suffix.lower() == ".zip"
        )
        for picker, word in (
            (self.roster, "roster"),
            (self.catalog, "catalog"),
            (self.standards, "standard"),
            (self.submissions, "submission"),
            (self.images, "image"),
        ):
            values = [o[1] if isinstance(o, tuple) else o for o in picker.options]
            guesses = [o for o in values if word in o.lower()]
            picker.value = guesses[-1] if guesses else NONE

    def _round_from_name(self) -> None:
        # An export named like "submissions_AY114.csv" belongs to that round, not to today's.
        found = ROUND_IN_NAME.search(self.submissions.value or "")
        if found:
            self.round.value = found.group(0).upper()

    def _path(self, picker: w.Dropdown) -> Path:
        if picker.value in (None, NONE):
            what = picker.description.lower()
            raise ValueError(_("choose the {what} file first").format(what=what))
        return self.folder / picker.value

    def run(self, kind: str) -> None:
        """Import one kind of file; show one line of result or of what is wrong."""
        try:
            if not self.allow_demo.value and self.service.holds_demo():
                self.allow_demo.layout.display = "flex"
                self._say(
                    _(
                        "This database holds the demo department — import real files into a "
                        "new one (certreview init --data FOLDER), or tick “Import into the demo "
                        "department anyway” to mix them in."
                    ),
                    error=True,
                )
                return
            if kind == "submissions":
                self._run_submissions()
                return
            picker = {"roster": self.roster, "catalog": self.catalog, "standards": self.standards}[
                kind
            ]
            result = self.service.import_reference(kind, self._path(picker))
            problems = [
                _("row {line}: {text}").format(line=line, text=text)
                for line, text in result.problems
            ]
            self._say(result.summary(), [*result.notes, *problems])
        except Exception as exc:
            failed = _("Could not import {kind}").format(kind=_(KIND_WORDS.get(kind, kind)))
            self._say(explain(exc, failed, _("Press Import again.")), error=True)

    def _run_submissions(self) -> None:
        cutoff = parse_cutoff(self.cutoff.value) if self.cutoff.value.strip() else None
        self.progress.layout.visibility = "visible"

        def progress(done: int, total: int | None) -> None:
            self.progress.max = max(total or done, 1)
            self.progress.value = done

        try:
            result = self._import_submissions(cutoff, progress)
        finally:
            self.progress.layout.visibility = "hidden"
        # The round name is typed: a "/" or ":" in it must not point the report elsewhere.
        safe_round = UNSAFE_IN_NAME.sub("_", result.round_name)
        report_path = self.folder / f"{REPORT_PREFIX}{safe_round}.csv"
        result.write_report(report_path)
        said = _("{summary} — report saved as {name}")
        self._say(said.format(summary=result.summary(), name=report_path.name), result.notes)
        frame = pd.DataFrame([vars(r) for r in result.rows])
        self.show_report(frame)

    def _import_submissions(
        self, cutoff: datetime | None, progress: Callable[[int, int | None], None]
    ) -> IntakeResult:
        return self.service.import_submissions(
            self._path(self.submissions),
            self._path(self.images),
            IntakeOptions(
                round_name=self.round.value.strip() or None, cutoff=cutoff, progress=progress
            ),
        )

    def show_report(self, frame: pd.DataFrame) -> None:
        """Show flag counts and the flagged rows of a report frame (all text escaped)."""
        if frame.empty:
            self.report.value = "<i>" + html.esc(_("No rows.")) + "</i>"
            return
        status = frame["status"].value_counts()
        words = (f"{n} {_(STATUS_WORDS[k]) if k in STATUS_WORDS else k}" for k, n in status.items())
        parts = [html.esc(", ".join(words))]
        counts = flag_counts_words(frame)  # the report file keeps its codes and words
        if counts["submissions"].any():
            parts.append(html.frame_table(counts[counts["submissions"] > 0]))
        flagged = frame[frame["status"] == "flagged"]
        shown = report_words(flagged)
        if not flagged.empty:  # no headers over nothing when every row was skipped
            parts.append(html.frame_table(shown, limit=SHOWN_ROWS))
        if len(flagged) > SHOWN_ROWS:
            more = _("… and {n} more flagged rows in the report file.")
            parts.append(f"<i>{html.esc(more.format(n=len(flagged) - SHOWN_ROWS))}</i>")
        self.report.value = "<br>".join(parts)

    def _say(self, text: str, notes: list[str] | None = None, *, error: bool = False) -> None:
        colour = "#b00020" if error else "#1b5e20"
        extra = "".join(f"<br><small>{html.esc(n)}</small>" for n in notes or [])
        self.message.value = f"<b style='color:{colour}'>{html.esc(text)}</b>{extra}"
