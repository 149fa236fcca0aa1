"""Every panel in Traditional Chinese: no English text of the catalog left on screen; English still works."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import ipywidgets as w
import pytest
from builders import department
from reporting_department import standard_department

from certreview import i18n
from certreview.reports.service import ReportService
from certreview.review.service import ReviewService
from certreview.widgets import ReviewWorkbench
from certreview.widgets.eligibility import EligibilityPanel
from certreview.widgets.grid import CardGrid
from certreview.widgets.intake import IntakePanel
from certreview.workspace import Workspace
from tests.conftest import SAMPLES

PACKAGE = Path(__file__).resolve().parents[1] / "certreview"
COUNT = re.compile(r"\s*\(\d+\)$")  # "Pending (30)": a choice with its count
MARKS = "●→←▶◀·—:：;；,， \u00a0"


class _Text(HTMLParser):
    """Collect the text pieces and tooltips (title) of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        self.found.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v for k, v in attrs if k in ("title", "placeholder") and v]


def texts(widget: w.Widget) -> Iterator[str]:
    """Yield every text a person can read on WIDGET and the widgets inside it."""
    for name in ("description", "tooltip", "placeholder"):
        value = getattr(widget, name, None)
        if isinstance(value, str) and value:
            yield value
    if isinstance(widget, w.Label):
        yield widget.value
    if isinstance(widget, w.HTML):
        parser = _Text()
        parser.feed(widget.value)
        yield from parser.found
    yield from getattr(widget, "_options_labels", ())
    if isinstance(widget, CardGrid):  # the cards, drawn in the browser from plain values
        yield from grid_texts(widget)
    for child in getattr(widget, "children", ()):
        yield from texts(child)


def grid_texts(grid: CardGrid) -> Iterator[str]:
    """Yield every text a person can read on the cards of GRID: labels, tooltips, HTML."""
    labels = grid.labels
    for label, tooltip in labels["buttons"].values():
        yield from (label, tooltip)
    yield from (labels["select"], labels["reason_tooltip"], labels["override_tooltip"])
    yield from (label for label, _code in labels["reasons"])
    for card in grid.cards:
        if card is None:
            continue
        for name in ("info", "state", "message"):
            parser = _Text()
            parser.feed(card[name])
            yield from parser.found
        if card["override"]:
            yield card["override"]


def untranslated(widget: w.Widget) -> list[str]:
    """Return the texts on WIDGET that are a catalog message shown in English."""
    catalog = {k: v for k, v in i18n.catalog("zh_TW").items() if isinstance(v, str)}
    patterns = [
        re.compile(
            "^" + "(.+?)".join(re.escape(part) for part in re.split(r"\{[a-z_]*\}", msgid)) + "$"
        )
        for msgid, msgstr in catalog.items()
        if "{" in msgid and msgstr != msgid and len(re.sub(r"\{[a-z_]*\}|\W", "", msgid)) > 3
    ]
    english = []
    for text in texts(widget):
        text = COUNT.sub("", text.strip()).strip(MARKS)
        if not text:
            continue
        if catalog.get(text, text) != text or any(p.match(text) for p in patterns):
            english.append(text)
    return english


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.set_language("zh_TW")
    yield
    i18n.set_language(None)


def test_the_workbench_reads_traditional_chinese(workspace: Workspace, chinese: None) -> None:
    department(workspace, 30)
    bench = ReviewWorkbench(ReviewService(workspace))
    assert bench.start_button.description == "開始審查"
    bench.reviewer.value = "amy"
    bench.start_button.click()
    bench.views[0].approve.click()
    bench.ask_bulk(clean=True)  # the confirmation bar has its words
    bench.key_dispatch.ask_note(bench.views[1], "reject")  # and the note bar
    assert untranslated(bench) == []
    assert bench.views[0].approve.description == "核准"
    assert "已核准" in bench.views[0].state
    assert bench.progress_label.value == "此檢視已審 1 / 30 件"
    assert [label for label, _ in bench.grid.labels["reasons"]][2] == "2 非證照影本"
    bench.open_detail(bench.views[0])
    assert untranslated(bench.detail.box) == []
    assert "審查紀錄" in bench.detail.history.value and "課程標準" in bench.detail.standard.value


def test_the_eligibility_panel_reads_traditional_chinese(
    workspace: Workspace, chinese: None
) -> None:
    with workspace.Session.begin() as s:
        standard_department(s)
    panel = EligibilityPanel(ReportService(workspace), current_year=114)
    panel.exported_by.value = ""
    panel.export_button.click()
    assert "匯出人" in panel.message.value
    assert untranslated(panel) == []
    assert "2 / 5</b> 位學生達成課程標準" in panel.summary.value
    assert "<th style='text-align:left'>學號</th>" in panel.table.value
    assert "尚需" in panel.table.value and "needs" not in panel.table.value
    assert [label for label, _ in panel.status.options] == ["在學", "畢業", "退學", "休學"]


def test_the_intake_panel_reads_traditional_chinese(
    workspace: Workspace, tmp_path: Path, chinese: None
) -> None:
    folder = tmp_path / "incoming"
    shutil.copytree(SAMPLES, folder)
    panel = IntakePanel(workspace, folder)
    panel.submissions.value = panel.images.value = "(choose a file)"
    panel.buttons["submissions"].click()
    assert "無法匯入上傳件：請先選擇上傳資料檔案" in panel.message.value
    for kind in ("roster", "catalog", "standards"):
        panel.buttons[kind].click()
    panel.refresh()
    panel.buttons["submissions"].click()
    assert untranslated(panel) == []
    assert panel.buttons["submissions"].description == "匯入上傳資料"
    assert "<th style='text-align:left'>標記</th>" in panel.report.value


def test_english_still_works(workspace: Workspace) -> None:
    i18n.set_language("en")
    try:
        department(workspace, 3)
        bench = ReviewWorkbench(ReviewService(workspace, "amy"))
        assert bench.views[0].approve.description == "Approve"
        assert bench.filter_bar.dropdowns["status"].description == "Status"
        assert ">Keys<" in bench.help.value
        assert bench.progress_label.value == "0 of 3 decided in this view"
    finally:
        i18n.set_language(None)


def test_the_check_finds_english_left_on_screen(chinese: None) -> None:
    box = w.VBox([w.Button(description="Approve"), w.HTML("<b>3 of 5 decided in this view</b>")])
    assert untranslated(box) == ["Approve", "3 of 5 decided in this view"]


def test_no_message_hides_inside_an_f_string() -> None:
    # Babel reads _("…") calls, not the expressions of an f-string: such a message never
    # reaches the catalog and stays English. (`_(CONSTANT)` is fine: N_ marked the constant.)
    hidden = re.compile(r"""\bf(["']).*\{[^}]*\b(_|N_|ngettext)\(\s*["']""")
    assert hidden.search("""x = f"<i>{esc(_('No rows.'))}</i>\"""")
    found = [
        f"{path.relative_to(PACKAGE)}:{n}"
        for path in PACKAGE.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if hidden.search(line)
    ]
    assert found == []


def test_the_no_image_picture_speaks_the_language_set(chinese: None) -> None:
    import base64
    from xml.etree import ElementTree

    from certreview.widgets.common import data_url, placeholder

    url = data_url(placeholder())
    assert url.startswith(b"data:image/svg+xml;base64,")
    drawing = ElementTree.fromstring(base64.b64decode(url.split(b",", 1)[1]))
    assert [t.text for t in drawing.iter("{http://www.w3.org/2000/svg}text")] == ["沒有圖片"]
    i18n.set_language("en")
    assert b"no image" in placeholder()
