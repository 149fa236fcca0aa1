"""The intake service: import one department file of any kind, for the CLI and the panel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sqlalchemy.orm import Session

from certreview.i18n import _
from certreview.ingest.reference import (
    ImportResult,
    import_catalog,
    import_roster,
    import_standards,
)
from certreview.ingest.report import IntakeResult
from certreview.ingest.submissions import IntakeOptions, import_submissions
from certreview.store.demomark import is_demo
from certreview.workspace import Workspace

# Which function imports which kind of reference file (submissions also need their images).
IMPORTERS: dict[str, Callable[[Session, Path], ImportResult]] = {
    "roster": import_roster,
    "catalog": import_catalog,
    "standards": import_standards,
}
KINDS = (*IMPORTERS, "submissions")


class IntakeService:
    """Import the department's files into one workspace; every import owns its transactions.

    >>> IntakeService(ws).import_file("roster", Path("roster.csv")).summary()  # doctest: +SKIP
    'roster: 4 added'
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def __repr__(self) -> str:
        return f"IntakeService({self.workspace.settings.data_dir!s})"

    def import_file(
        self,
        kind: str,
        path: Path,
        images: Path | None = None,
        options: IntakeOptions | None = None,
    ) -> ImportResult | IntakeResult:
        """Import PATH as KIND (roster, catalog, standards or submissions with IMAGES)."""
        if kind == "submissions":
            if images is None:
                raise ValueError(_("submissions need their images: give the folder or ZIP"))
            return self.import_submissions(path, images, options)
        return self.import_reference(kind, path)

    def holds_demo(self) -> bool:
        """Return whether `certreview demo` built this database (real files belong elsewhere)."""
        with self.workspace.Session() as session:
            return is_demo(session)

    def import_reference(self, kind: str, path: Path) -> ImportResult:
        """Import a roster, catalog or standards file in one transaction."""
        if kind not in IMPORTERS:
            raise ValueError(
                _("cannot import {kind!r}: use one of {kinds}").format(
                    kind=kind, kinds=", ".join(KINDS)
                )
            )
        with self.workspace.Session.begin() as session:
            return IMPORTERS[kind](session, Path(path))

    def import_submissions(
        self, path: Path, images: Path, options: IntakeOptions | None = None
    ) -> IntakeResult:
        """Import a submissions export, committing each batch of rows as soon as it is written.

        A killed import loses at most one batch: run again, it finds the rest "imported before".
        """
        with self.workspace.Session() as session:
            options = replace(options or IntakeOptions(), checkpoint=session.commit)
            result = import_submissions(
                session, self.workspace.store, Path(path), Path(images), options
            )
            session.commit()
        return result
