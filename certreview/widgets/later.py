"""Work the reviewer does not wait for: run once the kernel has been idle a moment."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from certreview.store.errors import DATABASE_ERRORS

F = TypeVar("F", bound=Callable[..., Any])


class Later:
    """Run jobs by name after DELAY idle seconds; a job asked again waits again (debounce).

    In the notebook the kernel's event loop runs them between the reviewer's actions, so a
    key is never kept waiting by a count or a preview it does not need yet. Outside an event
    loop (a script, a test) a job runs at once.

    JupyterLab may deliver widget messages on a kernel subshell thread while jobs asked for
    earlier wait on the main thread's loop: jobs and the handlers wrapped by `serial` take
    one lock, so a job never runs in the middle of a key (a stale count once wrote an old
    search back into the Search box while the reviewer typed the next one).
    """

    def __init__(self) -> None:
        self._handles: dict[str, asyncio.TimerHandle] = {}
        self._jobs: dict[str, Callable[[], None]] = {}
        self.lock = threading.RLock()

    def serial(self, handler: F) -> F:
        """Return HANDLER made to wait for (and hold off) the jobs and the other handlers."""

        @functools.wraps(handler)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                return handler(*args, **kwargs)

        return run  # type: ignore[return-value]

    def call(
        self, name: str, delay: float, job: Callable[[], None], *, optional: bool = False
    ) -> None:
        """Run JOB after DELAY seconds of quiet; without an event loop at once, or never if OPTIONAL.

        OPTIONAL marks work that only saves time later (reading ahead): a script has no quiet
        moments to spend on it.
        """
        with self.lock:
            self.cancel(name)
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                if not optional:
                    _run(job)
                return
            self._jobs[name] = job
            self._handles[name] = loop.call_later(delay, self._fire, name)

    def cancel(self, name: str) -> None:
        """Forget the job NAME if it has not run yet."""
        with self.lock:
            handle = self._handles.pop(name, None)
            if handle is not None:
                handle.cancel()
            self._jobs.pop(name, None)

    def pending(self, name: str) -> bool:
        """Return True while the job NAME waits to run."""
        return name in self._jobs

    def flush(self) -> None:
        """Run every waiting job now."""
        for name in list(self._jobs):
            self._fire(name)

    def _fire(self, name: str) -> None:
        with self.lock:
            self._handles.pop(name, None)
            job = self._jobs.pop(name, None)
            if job is not None:
                _run(job)


def _run(job: Callable[[], None]) -> None:
    # A busy database only delays what was not needed yet: the next action asks again.
    with contextlib.suppress(*DATABASE_ERRORS):
        job()
