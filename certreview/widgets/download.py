"""Exports offered as downloads in the page: a link the browser saves, not a server path."""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import ipywidgets as w

from certreview.i18n import _
from certreview.reports.exports import Exported
from certreview.reports.service import ReportService
from certreview.widgets import html
from certreview.widgets.eligibility import EligibilityPanel

# Chromium refuses URLs over 2 MB; base64 adds a third. Larger files stay on the server.
MAX_INLINE_BYTES = 1_500_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_link(path: Path, max_bytes: int = MAX_INLINE_BYTES) -> str:
    """Return an HTML link that saves PATH in the browser (a data URL), or says where it is."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError:
        return _warn(_("{path} is not there any more.").format(path=path))
    if len(data) > max_bytes:
        return _warn(
            _("{name} is too large to download in the page; it is on the server at {path}").format(
                name=path.name, path=path
            )
        )
    mime = XLSX if path.suffix.lower() == ".xlsx" else mimetypes.guess_type(path.name)[0]
    url = f"data:{mime or 'application/octet-stream'};base64,{base64.b64encode(data).decode()}"
    label = _("Download {name}").format(name=path.name)
    return (
        f'<a class="certreview-download" download="{html.esc(path.name)}" href="{url}" '
        'style="display:inline-block;margin:4px 8px 4px 0;padding:4px 10px;border-radius:4px;'
        f'background:#1976d2;color:#fff;text-decoration:none">⬇ {html.esc(label)}</a>'
    )


def download_links(files: Iterable[tuple[str, Path]]) -> str:
    """Return one download link per exported file."""
    return "".join(download_link(path) for _table, path in files)


def _warn(text: str) -> str:
    return f"<span style='color:#c62828'>{html.esc(text)}</span>"


class _RememberingService(ReportService):
    """A report service that keeps what its last export wrote, for the links."""

    last: Exported | None = None

    def export(
        self, kind: str, suffix: str, by: str, *, now: datetime | None = None, **choices: Any
    ) -> tuple[Path, Exported]:
        """Export as the report service does, and remember the files written."""
        self.last = None
        path, done = super().export(kind, suffix, by, now=now, **choices)
        self.last = done
        return path, done


class DownloadingEligibilityPanel(EligibilityPanel):
    """The eligibility panel whose exports are also offered as downloads in the page."""

    def __init__(self, service: ReportService, current_year: int | None = None) -> None:
        self.recorder = _RememberingService(service.workspace)
        super().__init__(self.recorder, current_year)
        self.downloads = w.HTML()
        self.exported_by.add_class("cr-exported-by")
        self.export_button.add_class("cr-export")
        self.children = (*self.children, self.downloads)

    def export_now(self) -> Path | None:
        """Write the chosen export, then offer its files as downloads."""
        self.downloads.value = ""
        path = super().export_now()
        if path is not None and self.recorder.last is not None:
            self.downloads.value = download_links(self.recorder.last.files)
        return path
