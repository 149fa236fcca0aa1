"""Where the database and the data directory are: arguments first, then the environment."""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path("data")
DB_FILENAME = "certreview.sqlite"
_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


@dataclass(frozen=True)
class Settings:
    """The two places certreview works in: a database URL and a data directory."""

    db_url: str
    data_dir: Path

    @property
    def store_dir(self) -> Path:
        """Return the folder of original uploads, thumbnails and previews."""
        return self.data_dir / "store"


def load_settings(db: str | None = None, data: str | os.PathLike[str] | None = None) -> Settings:
    """Return settings from explicit values, else CERTREVIEW_DB / CERTREVIEW_DATA, else defaults."""
    data_dir = Path(data or os.environ.get("CERTREVIEW_DATA") or DEFAULT_DATA_DIR)
    url = db or os.environ.get("CERTREVIEW_DB") or sqlite_url(data_dir / DB_FILENAME)
    return Settings(db_url=url, data_dir=data_dir)


def sqlite_url(path: str | os.PathLike[str]) -> str:
    """Return the SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path).resolve()}"


def display_url(url: str) -> str:
    """Return URL as it may be printed or logged: with its password replaced by `***`."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # Not a URL SQLAlchemy can parse (the error is reported elsewhere): mask by pattern.
        return _PASSWORD_IN_URL.sub(r"\1***@", url)


def login_name() -> str:
    """Return who is working: the JupyterHub login where there is one, else the system user.

    Several reviewers on one server each log in to JupyterHub, whose single-user servers
    may all run under one system account: the hub's name is the person.

    >>> import os; os.environ["JUPYTERHUB_USER"] = "amy"; login_name()
    'amy'
    >>> del os.environ["JUPYTERHUB_USER"]
    """
    hub_user = os.environ.get("JUPYTERHUB_USER", "").strip()
    if hub_user:
        return hub_user
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""
