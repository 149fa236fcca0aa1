"""The statistics page: completion, reasons, certificates, trends and students at risk."""

from __future__ import annotations

import io

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from certreview.i18n import _
from certreview.reports import stats
from certreview.reports.service import ReportService
from certreview.widgets import html
from certreview.widgets.guard import explain

SHOWN_ROWS = 200


class StatisticsPanel(w.VBox):
    """The tables and charts of notebook 04, on one page without code."""

    def __init__(self, service: ReportService) -> None:
        self.service = service
        self.refresh_button = w.Button(description=_("Refresh"), icon="refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.body = w.VBox()
        super().__init__([self.refresh_button, self.body])
        self.add_class("certreview-statistics")
        self.refresh()

    def refresh(self) -> None:
        """Work the statistics out again from the database."""
        try:
            data = self.service.statistics()
        except Exception as exc:
            self.body.children = (w.HTML(html.esc(explain(exc, _("Not loaded")))),)
            return
        who = stats.population_note(data.students, data.current_year)
        uploads = stats.uploads_note(data.submissions)
        by_cohort = stats.completion_rate(data.students, data.current_year, "admission_year")
        by_program = stats.completion_rate(data.students, data.current_year, "program")
        by_reason = stats.decisions_by_reason(data.submissions)
        trends = stats.round_trends(data.submissions)
        at_risk = stats.students_at_risk(data.students, data.current_year)
        self.body.children = (
            _heading(_("Completion by cohort and program")),
            w.HBox(
                [
                    _chart(stats.completion_chart(by_cohort, "admission_year", who)),
                    _chart(stats.completion_chart(by_program, "program", who)),
                ]
            ),
            _table(by_cohort),
            _heading(_("Rejections and returns by reason")),
            _chart(stats.reasons_chart(by_reason, uploads)),
            _table(reason_words(by_reason)),
            _heading(_("Decisions by category")),
            _table(stats.decisions_by_category(data.submissions)),
            _heading(_("The most common certificates")),
            _table(stats.top_certificates(data.submissions, n=15)),
            _heading(_("Trends across review rounds")),
            _chart(stats.trends_chart(trends, uploads)),
            _table(trends),
            _heading(_("Students at risk")),
            w.HTML(
                html.esc(
                    _(
                        "Enrolled students in their fourth year or later who do not meet their "
                        "standard yet: {n}."
                    ).format(n=len(at_risk))
                )
            ),
            _table(at_risk),
        )


def _heading(text: str) -> w.HTML:
    return w.HTML(f"<h3 style='margin:14px 0 4px'>{html.esc(text)}</h3>")


def reason_words(by_reason: pd.DataFrame) -> pd.DataFrame:
    """Return the reasons table with each reason code in words, as its chart shows it.

    (`stats.readable` does the same and renames the headers, which `html.frame_table` does here.)
    """
    return by_reason.assign(reason=by_reason["reason"].map(stats.reason_word))


def _chart(figure: Figure) -> w.Image:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=90)
    # Its own size at most: a column box would otherwise stretch it to the page's width.
    layout = w.Layout(max_width="100%", align_self="flex-start")
    return w.Image(value=out.getvalue(), format="png", layout=layout)


def _table(frame: pd.DataFrame) -> w.HTML:
    shown = stats.cohort_words(frame)
    shown = shown.astype(object).where(shown.notna(), "")
    return w.HTML(
        html.frame_table(shown, limit=SHOWN_ROWS),
        layout=w.Layout(max_height="320px", overflow="auto"),
    )
