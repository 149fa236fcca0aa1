"""The app factory: one object that holds the settings, the database and the image store."""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from certreview.config import Settings, load_settings
from certreview.i18n import _
from certreview.store.engine import (
    SchemaError,
    check_schema,
    make_engine,
    make_sessionmaker,
    upgrade,
)
from certreview.store.imagestore import ImageStore
from certreview.store.private import make_private_dir


@dataclass
class Workspace:
    """Everything a command, a notebook or a test needs to work on one department."""

    settings: Settings
    engine: Engine
    Session: sessionmaker[Session]
    store: ImageStore

    @classmethod
    def open(
        cls,
        db: str | None = None,
        data: str | os.PathLike[str] | None = None,
        *,
        create: bool = False,
    ) -> Workspace:
        """Open the department at DB / DATA; with CREATE, apply migrations first."""
        settings = load_settings(db, data)
        engine = make_engine(settings.db_url)
        try:
            if create:
                make_private_dir(settings.data_dir)
                upgrade(engine)
            else:
                check_schema(engine)
        except OSError as exc:
            engine.dispose()
            # A data folder under a file, on a read-only share, or not ours to write.
            where = exc.filename or settings.data_dir
            raise SchemaError(
                _(
                    "cannot create {where} ({reason}) — choose a folder you may write to with "
                    "--data/CERTREVIEW_DATA (or a database with --db/CERTREVIEW_DB)"
                ).format(where=where, reason=exc.strerror or exc)
            ) from None
        except BaseException:
            engine.dispose()
            raise
        return cls(settings, engine, make_sessionmaker(engine), ImageStore(settings.store_dir))

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()
