"""Storage: migrations match the models, SQLite settings, and the schema check."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from certreview.config import sqlite_url
from certreview.store.engine import SchemaError, check_schema, make_engine, upgrade
from certreview.store.models import Base


def test_migrations_build_exactly_the_models(workspace):
    with workspace.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_upgrade_twice_is_harmless(workspace):
    upgrade(workspace.engine)
    check_schema(workspace.engine)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "x.sqlite"))
    with engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_an_empty_database_says_to_run_init(tmp_path):
    (tmp_path / "empty.sqlite").write_bytes(b"")
    engine = make_engine(sqlite_url(tmp_path / "empty.sqlite"))
    with pytest.raises(SchemaError) as err:
        check_schema(engine)
    engine.dispose()
    assert str(err.value) == (
        f"{tmp_path / 'empty.sqlite'} has no certreview tables — run `certreview init` first "
        "(or check --db/CERTREVIEW_DB)"
    )


def test_reading_commands_create_no_folders(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "not" / "there.sqlite"))
    with pytest.raises(SchemaError, match=r"^no certreview database at "):
        check_schema(engine)
    engine.dispose()
    assert not (tmp_path / "not").exists()


def test_reading_a_missing_database_file_creates_none(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "typo.sqlite"))
    with pytest.raises(SchemaError) as err:
        check_schema(engine)
    engine.dispose()
    assert str(err.value) == (
        f"no certreview database at {tmp_path / 'typo.sqlite'} — run `certreview init` "
        "(or check --db/CERTREVIEW_DB and --data/CERTREVIEW_DATA)"
    )
    assert list(tmp_path.iterdir()) == []


def test_upgrade_creates_the_folder_of_a_new_sqlite_file(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "new" / "x.sqlite"))
    upgrade(engine)
    check_schema(engine)
    engine.dispose()
