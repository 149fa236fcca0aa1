"""The reading pass in a background thread: one per database at a time, its progress to look at.

The OCR itself runs in niced worker processes (`images/pool.py`); the thread only hands them
files and writes the readings, so a reviewer in the same kernel keeps working meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from certreview.ingest.reading import WORKERS, ReadResult, read_uploads
from certreview.workspace import Workspace

Listener = Callable[["ReadingJob"], None]


@dataclass
class ReadingJob:
    """One reading pass under way or finished: how far, and how it ended."""

    round_name: str | None
    done: int = 0
    total: int = 0
    result: ReadResult | None = None
    error: BaseException | None = None
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        """Return True while the pass is still reading or weighing."""
        return self.thread is not None and self.thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the pass to end (at most TIMEOUT seconds); return True once it has."""
        thread = self.thread  # the reading thread clears it as it ends
        if thread is not None:
            thread.join(timeout)
        return not self.running


_JOBS: dict[str, ReadingJob] = {}  # the pass of each database URL started in this process
_LOCK = threading.Lock()


def current_job(workspace: Workspace) -> ReadingJob | None:
    """Return the reading pass started on WORKSPACE's database in this process, if any."""
    return _JOBS.get(workspace.settings.db_url)


def start_reading(
    workspace: Workspace,
    round_name: str | None = None,
    *,
    listen: Listener | None = None,
    workers: int = WORKERS,
) -> tuple[ReadingJob, bool]:
    """Start reading ROUND_NAME's uploads in the background unless a pass already runs.

    Return the job (the running one when there is one) and whether this call started it.
    LISTEN is called from the reading thread after each upload and once at the end.
    """
    with _LOCK:
        running = _JOBS.get(workspace.settings.db_url)
        if running is not None and running.running:
            return running, False
        job = ReadingJob(round_name)
        job.thread = threading.Thread(
            target=_run, args=(job, workspace, listen, workers), name="certreview-read", daemon=True
        )
        _JOBS[workspace.settings.db_url] = job
        job.thread.start()
    return job, True


def _run(job: ReadingJob, workspace: Workspace, listen: Listener | None, workers: int) -> None:
    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        if listen is not None:
            listen(job)

    try:
        job.result = read_uploads(
            workspace.Session,
            workspace.store,
            job.round_name,
            workers=workers,
            progress=progress,
            show_bar=False,
        )
    except Exception as exc:  # shown to the person who started it, as one line
        job.error = exc
    finally:
        job.thread = None  # ended: the next start reads again
        if listen is not None:
            listen(job)
