"""Everything a student typed is shown as text in every panel and notebook table, never as HTML."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import ipywidgets as w
import pandas as pd
import pytest
from sqlalchemy import select

from certreview.ingest.report import flag_counts_frame, report_frame
from certreview.reports import stats
from certreview.reports.frames import audit_frames
from certreview.reports.service import ReportService
from certreview.review.service import ReviewService
from certreview.store.models import Submission
from certreview.widgets import ReviewWorkbench
from certreview.widgets.eligibility import EligibilityPanel
from certreview.widgets.intake import IntakePanel
from certreview.workspace import Workspace
from tests.conftest import SAMPLES

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
# Upper-casing and space removal (student IDs) leave these working in a browser.
ATTACK = '<img/src="x"/onerror=alert(1)><script>alert(2)</script>"\'><svg/onload=alert(3)>'
SHORT_ATTACK = "<svg/onload=alert(1)><img/src=x/onerror=alert(2)>"  # fits a 64-character ID
# Tags and attributes the panels' own HTML uses; anything else came from outside.
OUR_TAGS = {"b", "i", "br", "small", "span", "div", "p", "ul", "li", "details", "summary"}
OUR_TAGS |= {"table", "thead", "tbody", "tr", "th", "td", "style"}
OUR_ATTRIBUTES = {"style", "title", "class", "border", "scoped"}  # pandas: <style scoped>


def hostile(field: str) -> str:
    """Return a field value that runs scripts when shown as HTML, marked with the field name."""
    return f"{field}{SHORT_ATTACK if field in ('sid', 'stranger') else ATTACK}"


class Parsed(HTMLParser):
    """The tags, attributes and shown text of an HTML fragment."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.text: list[str] = []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_of(widget: w.Widget) -> Iterator[str]:
    """Yield every string WIDGET and its descendants show as HTML."""
    if isinstance(widget, w.HTML | w.HTMLMath):
        yield widget.value
    if getattr(widget, "description_allow_html", False):
        yield widget.description
    if isinstance(widget, w.ToggleButtons):  # the only choices the browser shows as HTML
        yield from widget._options_labels
    if isinstance(widget, w.Output):
        for output in widget.outputs:
            yield output.get("data", {}).get("text/html", "")
    for child in getattr(widget, "children", ()):
        yield from html_of(child)


def texts_of(widget: w.Widget) -> Iterator[str]:
    """Yield every plain-text label (dropdown choices, buttons) of WIDGET and its descendants."""
    if isinstance(widget, w.widgets.widget_selection._Selection):
        yield from (str(label) for label in widget._options_labels)
    for child in getattr(widget, "children", ()):
        yield from texts_of(child)


def shown_safely(fragments: list[str]) -> str:
    """Check FRAGMENTS hold only our own tags and attributes; return the text they show."""
    shown = []
    for fragment in fragments:
        parsed = Parsed(fragment)
        assert parsed.tags <= OUR_TAGS, (parsed.tags - OUR_TAGS, fragment)
        assert parsed.attributes <= OUR_ATTRIBUTES, (parsed.attributes, fragment)
        shown.append("".join(parsed.text))
    return "\n".join(shown)


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Return the sample department's files with hostile students and uploads added."""
    folder = tmp_path / "incoming"
    shutil.copytree(SAMPLES, folder)
    roster = read_csv(folder / "roster.csv")
    roster.append(
        {
            **roster[1],
            "student_id": hostile("sid"),
            "name": hostile("name"),
            "program": hostile("program"),
            "class_name": hostile("class"),
        }
    )
    write_csv(folder / "roster.csv", roster)
    uploads = [
        {**r, "certificate_no": "", "issuer": ""} for r in read_csv(folder / "submissions.csv")
    ]
    first = uploads[0]
    uploads += [
        {
            **first,
            "submission_id": hostile("subid"),
            "student_id": hostile("sid"),
            "student_name": hostile("student_name"),
            "category": hostile("category"),
            "certificate_name": hostile("certificate_name"),
            "exam_year": hostile("exam_year"),
            "exam_date": hostile("exam_date"),
            "certificate_no": hostile("certificate_no"),
            "issuer": hostile("issuer"),
        },
        {**first, "submission_id": "u9002", "student_id": hostile("stranger"), "image": "a3.jpg"},
        {**first, "submission_id": "u9003", "image": hostile("image")},
    ]
    write_csv(folder / "submissions.csv", uploads)
    return folder


def test_every_panel_shows_student_text_as_text(workspace: Workspace, folder: Path) -> None:
    intake = IntakePanel(workspace, folder)
    intake.round.value = hostile("round")
    for kind in ("roster", "catalog", "standards", "submissions"):
        intake.buttons[kind].click()
    assert "flagged" in intake.message.value
    shown = shown_safely(list(html_of(intake)))
    # The flagged-rows table shows what was typed, literally (IDs upper-cased, spaces removed).
    assert hostile("subid") in shown and hostile("sid").upper() in shown
    assert hostile("stranger").upper() in shown

    with workspace.Session.begin() as s:
        pk = s.scalar(select(Submission.id).where(Submission.submission_id == hostile("subid")))
    # A reviewer called like an attack decides first, with an attacking note.
    ReviewService(workspace, hostile("reviewer")).decide(
        pk, "reject", reason="other", note=hostile("note")
    )
    bench = ReviewWorkbench(ReviewService(workspace, "amy"), page_size=48)
    bench.filter_bar.dropdowns["status"].value = "all"
    cards = bench.visible_cards()
    assert len(cards) == 8
    fragments = list(html_of(bench))
    for view in cards:  # the detail view and the mini cards of every submission
        view.details.click()
        fragments += html_of(bench)
        bench.detail.back.click()
    target = next(v for v in cards if v.card and v.card.pk == pk)
    target.approve.click()  # stale: shows the other reviewer's decision as a conflict
    target.pick("other")
    target.reject.click()  # asks for a note naming the submission
    fragments += html_of(bench)
    shown = shown_safely(fragments)
    for field in (
        "subid",
        "sid",
        "student_name",
        "category",
        "certificate_name",
        "exam_year",
        "name",
        "program",
        "class",
        "round",
        "reviewer",
        "note",
        "stranger",
    ):
        value = hostile(field)
        assert value in shown or value.upper() in shown, field
    options = "\n".join(texts_of(bench))
    for field in ("category", "round", "program", "class"):
        assert hostile(field) in options, field  # dropdowns show text, never HTML

    panel = EligibilityPanel(ReportService(workspace), current_year=114)
    shown = shown_safely(list(html_of(panel)))
    for field in ("sid", "name", "program", "class"):
        assert hostile(field).upper() in shown or hostile(field) in shown, field
    assert hostile("program") in "\n".join(texts_of(panel))


def test_notebook_tables_escape_student_text(workspace: Workspace, folder: Path) -> None:
    intake = IntakePanel(workspace, folder)
    for kind in ("roster", "catalog", "standards", "submissions"):
        intake.buttons[kind].click()
    with workspace.Session() as s:
        report = report_frame(s)
        audit = audit_frames(s, current_year=114)
        data = stats.load_stats(s, current_year=114)
    frames = [
        report,
        flag_counts_frame(report),
        report[report["status"] == "flagged"],
        *audit.values(),
        stats.completion_rate(data.students, 114, ["admission_year", "program", "class_name"]),
        stats.decisions_by_category(data.submissions),
        stats.top_certificates(data.submissions, n=15),
        stats.students_at_risk(data.students, data.current_year),
    ]
    # Notebooks show plain DataFrames, whose HTML pandas escapes; a Styler would not.
    with pd.option_context("display.max_colwidth", None):  # as the notebooks set it
        shown = shown_safely([f._repr_html_() or "" for f in frames])
    assert hostile("subid") in shown and hostile("certificate_name") in shown
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        for unescaped in (".style", "HTML(", "display_html", "Markdown(", "escape=False"):
            assert unescaped not in code, (notebook.name, unescaped)
