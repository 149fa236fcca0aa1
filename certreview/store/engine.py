"""Engines, sessions and schema migrations: the one place that connects to a database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from certreview.config import load_settings
from certreview.i18n import _
from certreview.store.private import create_private_file, make_private_dir

MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaError(RuntimeError):
    """The database is missing or older than this version of certreview."""


def make_engine(url: str | None = None) -> Engine:
    """Return an engine for URL (default: CERTREVIEW_DB, else the SQLite file in the data dir)."""
    url = url or load_settings().db_url
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets reviewers read while another writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory; callers own transactions with `with Session.begin() as s:`."""
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def sqlite_file(url: URL) -> Path | None:
    """Return the file of a SQLite URL, or None for an in-memory SQLite or another database."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:"):
        return None  # a URI filename (shared memory, read-only mode ...): SQLite decides
    return Path(url.database)


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (and a SQLite file's folder)."""
    path = sqlite_file(engine.url)
    if path is not None:
        make_private_dir(path.parent)
        # SQLite would create the file world-readable; its -wal/-shm files copy this mode.
        create_private_file(path)
    command.upgrade(_alembic_config(engine), "head")


def check_schema(engine: Engine) -> None:
    """Raise SchemaError unless the database is at the newest migration."""
    path = sqlite_file(engine.url)
    if path is not None and not path.is_file():
        # Connecting would create an empty file (a typo in --db would leave one behind).
        raise SchemaError(
            _(
                "no certreview database at {path} — run `certreview init` "
                "(or check --db/CERTREVIEW_DB and --data/CERTREVIEW_DATA)"
            ).format(path=path)
        )
    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current is None:
        where = path or engine.url.render_as_string(hide_password=True)
        raise SchemaError(
            _(
                "{where} has no certreview tables — run `certreview init` first "
                "(or check --db/CERTREVIEW_DB)"
            ).format(where=where)
        )
    if current != head:
        raise SchemaError(
            _(
                "the database schema is at {current}, this version needs {head} — "
                "run `certreview init` to upgrade it"
            ).format(current=current, head=head)
        )


# What SQLite says when the file or its folder cannot be opened or written.
_SQLITE_FILE_WORDS = ("unable to open", "readonly database", "disk i/o error", "not a database")


def database_error_text(exc: BaseException, url: URL) -> str:
    """Return one line naming the database of URL, what went wrong and the likely fix."""
    detail = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0][:200]
    path = sqlite_file(url)
    if path is not None and any(word in detail.lower() for word in _SQLITE_FILE_WORDS):
        if "not a database" in detail.lower():
            fix = _("is --db/CERTREVIEW_DB the right file?")
        else:
            fix = _(
                "check that the folder {folder} exists and that you may write to it and "
                "to the file (SQLite keeps its -wal/-shm files beside the database), "
                "or choose another with --data/CERTREVIEW_DATA or --db/CERTREVIEW_DB"
            ).format(folder=path.parent)
        return _("cannot use the SQLite database {path} ({detail}) — {fix}").format(
            path=path, detail=detail, fix=fix
        )
    if path is not None:
        return _("database error in {path}: {detail} — check --db/CERTREVIEW_DB").format(
            path=path, detail=detail
        )
    where = url.render_as_string(hide_password=True)
    if "does not exist" in detail:
        return _(
            "database error at {where}: {detail} — create the database {name} on the server, "
            "then run `certreview init` (or check --db/CERTREVIEW_DB)"
        ).format(where=where, detail=detail, name=url.database)
    return _(
        "database error at {where}: {detail} — "
        "check --db/CERTREVIEW_DB and that the server is running"
    ).format(where=where, detail=detail)
