"""Deferred jobs and the reviewer's changes never run at once, whichever thread brings them."""

from __future__ import annotations

import threading

from certreview.widgets.filters import FilterBar
from certreview.widgets.later import Later


def test_a_search_typed_while_the_counts_are_shown_is_not_dropped() -> None:
    # JupyterLab may hand widget messages to a kernel subshell thread while a job waiting on
    # the main thread's loop (the filter counts) sets the bar's values quietly.
    later = Later()
    applied: list[str] = []
    bar = FilterBar(lambda: applied.append(bar.search.value), later.serial)
    in_job, typed = threading.Event(), threading.Event()

    def counts_job() -> None:  # what Background.recount_now does, as Later runs it
        with later.lock, bar.quiet():
            in_job.set()
            typed.wait(timeout=5)  # the reviewer's Enter arrives meanwhile
            threading.Event().wait(0.2)

    job = threading.Thread(target=counts_job)
    job.start()
    in_job.wait(timeout=5)
    reviewer = threading.Thread(target=lambda: _type(bar, "AY114-00499", typed))
    reviewer.start()
    job.join(timeout=5)
    reviewer.join(timeout=5)
    assert applied == ["AY114-00499"]


def _type(bar: FilterBar, text: str, typed: threading.Event) -> None:
    typed.set()
    bar.search.value = text


def test_a_job_waits_for_the_handler_that_holds_the_lock() -> None:
    later = Later()
    order: list[str] = []
    started = threading.Event()

    @later.serial
    def handler() -> None:
        started.set()
        order.append("handler starts")
        threading.Event().wait(0.2)
        order.append("handler ends")

    thread = threading.Thread(target=handler)
    thread.start()
    started.wait(timeout=5)
    later.call("counts", 0, lambda: order.append("job"))  # no event loop here: runs at once
    thread.join(timeout=5)
    assert order == ["handler starts", "handler ends", "job"]
