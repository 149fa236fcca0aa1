"""The office app's pages: one task each, a menu, and the language switch (Voilà, no code).

Each page of `certreview app` is a thin notebook of one cell, ``app_page("lookup")``. The
language comes from the page address (``?lang=en``, set by the switch), else from
``CERTREVIEW_LANG``, else Traditional Chinese.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

import ipywidgets as w

from certreview.i18n import LANGUAGES, N_, _, get_language, normalise_language, set_language
from certreview.widgets import html
from certreview.workspace import Workspace

NOTIFY_MODULE = "certreview.widgets.notify"


@dataclass(frozen=True)
class Page:
    """One page of the app: its notebook's name, its title and what it is for."""

    slug: str
    title: str  # N_-marked: translated where shown
    purpose: str
    build: Callable[[Workspace], w.Widget]


def _review(ws: Workspace) -> w.Widget:
    from certreview.review.service import ReviewService
    from certreview.widgets.workbench import ReviewWorkbench

    return ReviewWorkbench(ReviewService(ws))


def _intake(ws: Workspace) -> w.Widget:
    from certreview.demo.department import demo_dir
    from certreview.widgets.intake import IntakePanel

    return IntakePanel(ws, folder=demo_dir(ws))


def _lookup(ws: Workspace) -> w.Widget:
    from certreview.reports.lookup import LookupService
    from certreview.widgets.lookup import StatusLookup

    return StatusLookup(LookupService(ws))


def _counter(ws: Workspace) -> w.Widget:
    from certreview.ingest.counter import CounterService
    from certreview.widgets.counter import CounterIntake

    return CounterIntake(CounterService(ws))


def _eligibility(ws: Workspace) -> w.Widget:
    from certreview.reports.service import ReportService
    from certreview.widgets.download import DownloadingEligibilityPanel

    return DownloadingEligibilityPanel(ReportService(ws))


def _statistics(ws: Workspace) -> w.Widget:
    from certreview.reports.service import ReportService
    from certreview.widgets.statistics import StatisticsPanel

    return StatisticsPanel(ReportService(ws))


def _notify(ws: Workspace) -> w.Widget:
    from certreview.widgets.notify import NotifyPanel  # type: ignore[import-not-found]

    return NotifyPanel(ws)


PAGES = (
    Page("lookup", N_("Status lookup"), N_("A student phones: their record and uploads"), _lookup),
    Page("counter", N_("Counter intake"), N_("A late or e-mailed upload, step by step"), _counter),
    Page("review", N_("Unified review"), N_("Decide on the uploads, by buttons or keys"), _review),
    Page("intake", N_("Import files"), N_("Roster, catalog, standards and the platform's export"), _intake),
    Page("eligibility", N_("Eligibility and exports"), N_("Who meets their standard; download the tables"), _eligibility),
    Page("statistics", N_("Statistics"), N_("Completion, reasons, trends, students at risk"), _statistics),
    Page("notify", N_("Notify students"), N_("E-mail each student their results"), _notify),
)  # fmt: skip


def available_pages() -> list[Page]:
    """Return the pages this installation has (notify only with its panel)."""
    has_notify = importlib.util.find_spec(NOTIFY_MODULE) is not None
    return [p for p in PAGES if p.slug != "notify" or has_notify]


def language_from_address(query: str | None = None) -> str:
    """Set the language from the page address's ``lang=`` (Voilà's QUERY_STRING); return it.

    >>> language_from_address("lang=en&token=x")
    'en'
    >>> _ = set_language(None)
    """
    query = os.environ.get("QUERY_STRING", "") if query is None else query
    wanted = parse_qs(query).get("lang", [""])[-1]
    if normalise_language(wanted):
        return set_language(wanted)
    return get_language()


def page_link(slug: str, language: str) -> str:
    """Return the address of a page in a language, relative to the page showing it."""
    return f"{quote(slug)}.ipynb?lang={quote(language)}"


def menu_html(current: str, language: str) -> str:
    """Return the menu bar: home, every page, and the language switch."""
    links = [(("index"), _("Home"))] + [(p.slug, _(p.title)) for p in available_pages()]
    items = "".join(
        f'<a href="{page_link(slug, language)}" class="cr-nav{" cr-here" if slug == current else ""}" '
        f'style="margin-right:14px;{"font-weight:bold;text-decoration:underline" if slug == current else "text-decoration:none"}">'
        f"{html.esc(title)}</a>"
        for slug, title in links
    )
    switch = " | ".join(
        f"<b>{html.esc(name)}</b>"
        if code == language
        else f'<a class="cr-lang" href="{page_link(current, code)}">{html.esc(name)}</a>'
        for code, name in LANGUAGES.items()
    )
    return (
        '<div style="display:flex;justify-content:space-between;align-items:center;'
        'background:#eef3f8;padding:6px 12px;border-radius:4px;font-size:14px">'
        f"<div>{items}</div><div>{switch}</div></div>"
    )


def home(pages: list[Page], language: str) -> w.HTML:
    """Return the home page: one line per page, what it is for."""
    rows = "".join(
        f'<li style="margin:8px 0"><a href="{page_link(p.slug, language)}" style="font-size:16px">'
        f"{html.esc(_(p.title))}</a> — {html.esc(_(p.purpose))}</li>"
        for p in pages
    )
    return w.HTML(f"<ul>{rows}</ul>")


def app_page(slug: str) -> w.VBox:
    """Return the page SLUG of the app ("index" for home), in the language of its address."""
    language = language_from_address()
    pages = available_pages()
    found = next((p for p in pages if p.slug == slug), None)
    title = _("Certificate review") if found is None else _(found.title)
    header = [w.HTML(menu_html(slug, language)), w.HTML(f"<h2>{html.esc(title)}</h2>")]
    if found is None:
        body: w.Widget = home(pages, language)
    else:
        try:
            body = found.build(Workspace.open())
        except Exception as exc:
            # A database that cannot be opened, a missing migration: one line, what to do.
            problem = _("This page cannot open: {problem}").format(problem=exc)
            body = w.HTML(f"<p style='color:#c62828'>{html.esc(problem)}</p>")
    page = w.VBox([*header, body], layout=w.Layout(padding="4px 8px"))
    page.add_class(f"certreview-page-{slug}")
    return page
