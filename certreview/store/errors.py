"""What a busy or unreachable database raises, and how to say it in one line."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from certreview.i18n import N_, _

# What a busy or unreachable database raises through SQLAlchemy: driver errors (locked,
# lock timeout, connection lost, refused writes) and an exhausted connection pool.
DATABASE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, PoolTimeout)
BUSY_WORDS = ("locked", "busy", "lock timeout", "could not obtain lock", "deadlock")
PRESS_AGAIN = N_("Press the key again.")


def database_problem(exc: BaseException, failed: str, again: str = PRESS_AGAIN) -> str:
    """Return one line saying what FAILED, why (in plain words) and what to do.

    >>> from sqlalchemy.exc import OperationalError
    >>> from certreview.i18n import set_language
    >>> _ = set_language("en")
    >>> database_problem(OperationalError("INSERT", {}, Exception("database is locked")), "Not saved")
    'Not saved: the database is busy (another import or reviewer). Press the key again.'
    >>> _ = set_language(None)
    """
    cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = cause[0] if cause else type(exc).__name__
    if isinstance(exc, PoolTimeout) or any(word in first.lower() for word in BUSY_WORDS):
        return _("{failed}: the database is busy (another import or reviewer). {again}").format(
            failed=failed, again=_(again)
        )
    return _(
        "{failed}: the database reported a problem ({detail}). {again} "
        "If this keeps happening, tell whoever looks after the database."
    ).format(failed=failed, detail=first[:160], again=_(again))
