"""Inspect many uploads on all cores with bounded memory and a progress bar."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from certreview.i18n import _
from certreview.images.inspect import ImageReport, inspect_image, oversize_report
from certreview.images.limits import (
    MAX_BYTES,
    MAX_PDF_STREAM,
    MAX_PIXELS,
    MSG_CRASHED,
    MSG_DAMAGED,
    MSG_MEMORY,
    TOO_LARGE,
    UNREADABLE,
)

K = TypeVar("K")
Source = bytes | str | os.PathLike[str]
Progress = Callable[[int, int | None], None]

IN_PROCESS_BELOW = 8  # below this many files a pool's start-up costs more than it saves
IN_FLIGHT_PER_WORKER = 4  # enough queued work to keep every core busy, little enough to hold

_PRELOAD = ["certreview.images.pool"]
WORKER_NICENESS = 10  # lower priority than the reviewers' processes, as `nice -n 10`
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _guard_worker() -> None:
    """Make this pool worker ignore Ctrl-C and exit as soon as the process that started it dies."""
    # Ctrl-C reaches the whole process group: the parent alone handles it and shuts the pool
    # down, instead of every worker printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Checking images is background work: a reviewer's decision (their kernel, the database
    # server) comes first when both want the CPU, so imports never make reviewing sluggish.
    with contextlib.suppress(OSError, AttributeError):  # no nice() on Windows
        os.nice(WORKER_NICENESS)
    if sys.platform.startswith("linux"):
        # Fast path: the kernel kills us with our parent (the forkserver, or the caller).
        with contextlib.suppress(OSError, AttributeError):  # no prctl: the watchdog remains
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    parent = multiprocessing.parent_process()
    if parent is not None:
        # Portable backstop, and the one that counts under a forkserver (which outlives the
        # caller while workers hold its pipe): the caller holds the other end of this sentinel
        # pipe, so it reads as closed the moment the caller exits or is killed, even by SIGKILL.
        threading.Thread(
            target=_exit_with, args=(parent,), name="parent-watch", daemon=True
        ).start()


def _exit_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns only once the parent is gone
    os._exit(1)  # no cleanup: the results have nowhere to go


class _GuardedSpawnProcess(multiprocessing.context.SpawnProcess):
    def run(self) -> None:
        _guard_worker()
        super().run()


class _GuardedSpawnContext(multiprocessing.context.SpawnContext):
    Process = _GuardedSpawnProcess


if sys.platform != "win32":

    class _GuardedForkServerProcess(multiprocessing.context.ForkServerProcess):
        def run(self) -> None:
            _guard_worker()
            super().run()

    class _GuardedForkServerContext(multiprocessing.context.ForkServerContext):
        Process = _GuardedForkServerProcess


def default_workers() -> int:
    """Return the number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


def inspect_source(
    source: Source,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_BYTES,
    max_inflated: int = MAX_PDF_STREAM,
    features: bool = False,
) -> ImageReport:
    """Return the report for bytes, or for a file path read here (so workers read, not the parent)."""
    limits = {
        "max_pixels": max_pixels,
        "max_bytes": max_bytes,
        "max_inflated": max_inflated,
        "features": features,
    }
    if isinstance(source, bytes):
        return inspect_image(source, **limits)
    path = Path(source)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return oversize_report(size, max_bytes)  # refused without reading it
        data = path.read_bytes()
    except OSError:
        return ImageReport(None, None, None, None, 0, None, UNREADABLE, MSG_DAMAGED, None)
    except MemoryError:
        return ImageReport(None, None, None, None, 0, None, TOO_LARGE, MSG_MEMORY, None)
    return inspect_image(data, **limits)


def process_context() -> multiprocessing.context.BaseContext:
    """Return the context of worker pools: forkserver (or spawn) workers that die with the caller."""
    # fork() from a process with threads (a Jupyter kernel has several) can deadlock; a
    # forkserver that has already imported Pillow, libheif and pdfium starts workers fast.
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = _GuardedForkServerContext()
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return _GuardedSpawnContext()


CRASHED = ImageReport(None, None, None, None, 0, None, UNREADABLE, MSG_CRASHED, None)


def _settled(report: ImageReport) -> Future[ImageReport]:
    future: Future[ImageReport] = Future()
    future.set_result(report)
    return future


def _has_report(future: Future[ImageReport]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def _one_by_one(
    suspects: list[tuple[K, Source]], limits: tuple[int, int, int, bool]
) -> list[ImageReport]:
    """Return the reports of files that were in a pool when a worker died, each checked alone.

    Alone in a pool of one, a file that kills its worker again is known to be the one: it gets
    the CRASHED report, and every other file its ordinary report.
    """
    out: list[ImageReport] = []
    pool: ProcessPoolExecutor | None = None
    try:
        for _, source in suspects:
            if pool is None:
                pool = ProcessPoolExecutor(1, mp_context=process_context())
            try:
                out.append(pool.submit(inspect_source, source, *limits).result())
            except BrokenProcessPool:
                out.append(CRASHED)
                pool.shutdown(wait=True)
                pool = None
            except Exception:  # a report that cannot come back from the worker, for one
                out.append(CRASHED)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return out


def inspect_many(
    items: Iterable[tuple[K, Source]],
    workers: int | None = None,
    progress: Progress | None = None,
    *,
    total: int | None = None,
    show_bar: bool | None = None,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_BYTES,
    max_inflated: int = MAX_PDF_STREAM,
    features: bool = False,
    pool: WorkerPool | None = None,
) -> Iterator[tuple[K, ImageReport]]:
    """Yield `(key, report)` for each `(key, bytes or path)` in input order, using all cores.

    At most IN_FLIGHT_PER_WORKER items per worker are in flight, so memory stays flat however
    many files there are; pass paths (e.g. `ImageStore.original_path`) so workers read the
    bytes themselves. `progress(done, total)` is called after each file (a notebook can drive
    a widget with it); the tqdm bar shows when stderr is a terminal, or as `show_bar` says.
    A worker that dies (out of memory, a crashing decoder) costs only the file it was
    checking: that file gets the CRASHED report and the rest go on in a new pool. With
    `features`, each report carries the copy-check features too (from the same decode). A
    `pool` (`WorkerPool`) keeps its workers for the next call; without one, they start and
    stop with this call.

    >>> for sha, report in inspect_many((s, store.original_path(s)) for s in shas):  # doctest: +SKIP
    ...     store.save_thumbnail(sha, report.thumbnail)
    """
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    it = iter(items)
    head = list(islice(it, IN_PROCESS_BELOW))
    owned = pool is None  # then its workers stop with this call
    if pool is None:
        pool = WorkerPool(workers)
    n_workers = pool.workers
    if show_bar is None:
        show_bar = sys.stderr.isatty()
    bar = tqdm(
        total=total, disable=not show_bar, unit="file", desc=_("Checking images"), leave=False
    )
    done = 0

    def finished(key: K, report: ImageReport) -> tuple[K, ImageReport]:
        nonlocal done
        done += 1
        bar.update()
        if progress is not None:
            progress(done, total)
        return key, report

    limits = (max_pixels, max_bytes, max_inflated, features)
    try:
        if n_workers == 1 or len(head) < IN_PROCESS_BELOW:
            for key, source in chain(head, it):
                yield finished(key, inspect_source(source, *limits))
            return
        window: deque[tuple[K, Source, Future[ImageReport]]] = deque()

        def first() -> tuple[K, ImageReport]:
            key0, source0, future = window.popleft()
            try:
                return key0, future.result()
            except BrokenProcessPool:
                # The dead worker took the whole pool, and we cannot tell which file killed it:
                # every file without a report yet is checked again, alone.
                pool.close()  # now every future is settled
                window.appendleft((key0, source0, future))
                pending = [(k, s) for k, s, f in window if not _has_report(f)]
                reports = iter(_one_by_one(pending, limits))
                for i, (k, s, f) in enumerate(window):
                    if not _has_report(f):
                        window[i] = (k, s, _settled(next(reports)))
                key0, _, future = window.popleft()
                return key0, future.result()
            except Exception:  # a report that cannot come back from the worker, for one
                return key0, CRASHED

        try:
            for key, source in chain(head, it):
                job = pool.executor().submit(inspect_source, source, *limits)
                window.append((key, source, job))
                if len(window) >= n_workers * IN_FLIGHT_PER_WORKER:
                    yield finished(*first())
            while window:
                yield finished(*first())
        finally:
            # A consumer that stops early must not wait for the queued rest.
            for queued in window:
                queued[2].cancel()
    finally:
        if owned:
            pool.close()
        bar.close()


class WorkerPool:
    """Worker processes kept for several `inspect_many` calls: started once, when first needed.

    An import checks its files batch by batch; starting workers costs about half a second
    each time (a fresh process imports the caller's modules), so one import keeps one pool.

    >>> with WorkerPool() as pool:  # doctest: +SKIP
    ...     for batch in batches:
    ...         reports = list(inspect_many(batch, pool=pool))
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers if workers is not None else default_workers())
        self._executor: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        """Return the running pool, starting one if there is none (or the last one broke)."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=process_context())
        return self._executor

    def close(self) -> None:
        """Stop the workers, dropping queued jobs; the next `executor` starts new ones."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
