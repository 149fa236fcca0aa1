"""Database errors in widget handlers: turned into one visible line, never a silent failure."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol, TypeVar

from certreview.i18n import _
from certreview.store.errors import DATABASE_ERRORS, PRESS_AGAIN, database_problem


class Sayer(Protocol):
    """A widget that can show a one-line message."""

    def say(self, text: str) -> None:
        """Show TEXT to the reviewer."""


F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def explain(exc: BaseException, failed: str, again: str = PRESS_AGAIN) -> str:
    """Return one line for any error of an action: plain words for the database, else its text."""
    if isinstance(exc, DATABASE_ERRORS):
        return database_problem(exc, _(failed), _(again))
    return _("{failed}: {error}").format(failed=_(failed), error=exc)


class DatabaseGuard:
    """Catch a database error in a `with` block and show it on every SAYS; `.failed` tells.

    >>> from sqlalchemy.exc import TimeoutError as PoolTimeout
    >>> guard = DatabaseGuard([print], "Not saved")
    >>> with guard:
    ...     raise PoolTimeout("pool exhausted")
    Not saved: the database is busy (another import or reviewer). Press the key again.
    >>> guard.failed
    True
    """

    def __init__(
        self, says: list[Callable[[str], object]], failed: str, again: str = PRESS_AGAIN
    ) -> None:
        self.says, self.failed_text, self.again = says, failed, again
        self.failed = False

    def __enter__(self) -> DatabaseGuard:
        self.failed = False
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> bool:
        if exc is None or not isinstance(exc, DATABASE_ERRORS):
            return False
        self.failed = True
        # Translated here, not where the guard is made: a decorator runs at import time.
        text = database_problem(exc, _(self.failed_text), _(self.again))
        for say in self.says:
            say(text)
        return True  # handled: the reviewer sees the line and the notebook goes on


def reports_database_errors(failed: str, again: str = PRESS_AGAIN) -> Callable[[F], F]:
    """Wrap a handler method so a database error becomes a line on `self.say` (returns None)."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def run(self: Sayer, *args: Any, **kwargs: Any) -> Any:
            with DatabaseGuard([self.say], failed, again):
                return method(self, *args, **kwargs)
            return None

        return run  # type: ignore[return-value]

    return wrap


def attempt(
    says: list[Callable[[str], object]],
    failed: str,
    action: Callable[[], T],
    again: str = PRESS_AGAIN,
) -> T | None:
    """Return ACTION's result, or None after showing a database error on every SAYS."""
    with DatabaseGuard(says, failed, again):
        return action()
    return None
