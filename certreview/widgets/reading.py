"""Start the reading pass from the intake page: a button, a progress bar, one line of result."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from certreview.i18n import _
from certreview.images.ocr import PIP_INSTALL, ocr_available
from certreview.ingest.reading_job import ReadingJob, current_job, start_reading
from certreview.widgets import html
from certreview.widgets.guard import explain
from certreview.workspace import Workspace


class ReadingBar(w.VBox):
    """Read the round's certificates in the background (OCR), with progress and the result.

    ROUND gives the round to read (empty: every round) when the button is pressed.
    """

    def __init__(self, workspace: Workspace, round_name: Callable[[], str | None]) -> None:
        self.workspace = workspace
        self.round_name = round_name
        self.button = w.Button(
            description=_("Read the certificates"),
            icon="eye",
            tooltip=_("Read the text of every upload not read yet (OCR), in the background"),
        )
        self.progress = w.IntProgress(
            value=0, min=0, max=1, description=_("Reading"), layout=w.Layout(visibility="hidden")
        )
        self.message = w.HTML()
        self.job: ReadingJob | None = current_job(workspace)
        self.button.on_click(lambda _: self.start())
        super().__init__([w.HBox([self.button, self.progress]), self.message])
        if self.job is not None and self.job.running:  # started from another panel
            self.show(self.job)

    def start(self) -> None:
        """Start the reading pass, unless the OCR extra is missing or a pass already runs."""
        if not ocr_available():
            text = _("Reading certificates needs the OCR extra — install it: {command}")
            self._say(text.format(command=PIP_INSTALL), error=True)
            return
        name = (self.round_name() or "").strip() or None
        self.job, started = start_reading(self.workspace, name, listen=self.show)
        if not started:
            text = _("Already reading: {done} of {total} uploads — wait for it to finish.")
            self._say(text.format(done=self.job.done, total=self.job.total))
            return
        self.show(self.job)

    def show(self, job: ReadingJob) -> None:
        """Show how far JOB is, or how it ended (called from the reading thread too)."""
        if job.running:
            self.button.disabled = True
            self.progress.layout.visibility = "visible"
            self.progress.max = max(job.total, 1)
            self.progress.value = job.done
            if not job.done:
                self._say(_("Reading the certificates in the background — you can go on working."))
            return
        self.button.disabled = False
        self.progress.layout.visibility = "hidden"
        if job.error is not None:
            self._say(explain(job.error, _("Could not read the certificates")), error=True)
        elif job.result is not None:
            self._say(job.result.summary())

    def _say(self, text: str, *, error: bool = False) -> None:
        colour = "#b00020" if error else "#1b5e20"
        self.message.value = f"<b style='color:{colour}'>{html.esc(text)}</b>"
