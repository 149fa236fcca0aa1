"""The app's pages: lookup and counter by their handlers, download links, menu and language."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from certreview import i18n
from certreview.ingest.counter import CounterService
from certreview.reports.lookup import LookupService
from certreview.reports.service import ReportService
from certreview.store.models import Submission
from certreview.widgets.app import PAGES, app_page, available_pages, language_from_address
from certreview.widgets.counter import CounterIntake
from certreview.widgets.download import DownloadingEligibilityPanel, download_link
from certreview.widgets.lookup import StatusLookup
from certreview.workspace import Workspace
from tests.test_counter import heic, sample_department


@pytest.fixture
def department(workspace: Workspace, tmp_path: Path) -> Workspace:
    sample_department(workspace, tmp_path / "incoming")
    return workspace


def test_the_lookup_shows_one_student_or_lets_the_office_pick(department: Workspace) -> None:
    page = StatusLookup(LookupService(department))
    page.query.value = "ｂ１１２０１００２"
    assert "B11201002 李美玲" in page.record_box.children[0].value
    uploads = page.record_box.children[1:]
    assert len(uploads) == 2
    assert all(box.children[0].value for box in uploads)  # a thumbnail each
    page.query.value = "b112"
    assert page.hits.layout.display == "flex" and page.record_box.children == ()
    assert [label for label, _ in page.hits.options] == ["B11201002 李美玲", "B11201003 陳大文"]
    page.hits.value = "B11201003"
    text = " ".join(c.value for c in page.record_box.children[:1])
    assert "陳大文" in text and "AY111 and later" in text
    missing = page.record_box.children[2].children[1].value  # u0005: its file was not there
    assert "Image file missing" in missing and "Submitted after the cutoff" in missing
    page.query.value = "<b>nobody</b>"
    assert "&lt;b&gt;nobody&lt;/b&gt;" in page.message.value  # typed text shown, not run


def upload(data: bytes, name: str = "IMG_0421.HEIC") -> tuple[dict, ...]:
    modified = datetime(2026, 5, 2, tzinfo=UTC)
    return (
        {"name": name, "type": "image/heic", "size": len(data), "content": memoryview(data),
         "last_modified": modified},
    )  # fmt: skip


def test_the_counter_in_the_students_steps(department: Workspace) -> None:
    form = CounterIntake(CounterService(department))
    assert form.round.value.name == "AY114" and "2026-04-15" in form.round_line.value
    form.student_id.value = "b11201003"
    assert "陳大文" in form.student_line.value and form.confirm.layout.display == "flex"
    assert "AY112 to AY" in form.rule_line.value
    form.search.value = "全民英檢中級"
    assert [c.code for _, c in form.items.options] == ["GEPT-I"]
    assert form.items.value.code == "GEPT-I"  # the one match is chosen
    # shown in full below the list, which cuts a long name at 1366 px
    assert "(GEPT-I, " in form.item_line.value and "全民英檢中級" in form.item_line.value
    form.exam_year.value = "113學年度"
    assert "= AY113" in form.year_line.value
    form.upload.value = upload(heic())
    assert "This is a HEIC photo from an iPhone — accepted" in form.file_line.value
    form.received.value = "2026-05-02 09:30"
    form.entered_by.value = "amy"
    assert form.save_button.disabled  # the name is not confirmed yet
    form.confirm.value = True
    assert not form.save_button.disabled
    assert "Submitted after the cutoff" in form.flags_line.value
    form.save_button.click()
    assert "Saved as counter-" in form.message.value
    assert form.student_id.value == "" and form.save_button.disabled  # ready for the next one
    assert form.items.value is None and form.exam_year.value == "" and not form.upload.value
    assert form.item_line.value == ""
    with department.Session() as s:
        sub = s.scalars(select(Submission).where(Submission.submission_id.like("counter-%"))).one()
        assert (sub.student_id, sub.item_code, sub.flags, sub.round.name) == (
            "B11201003",
            "GEPT-I",
            "late",
            "AY114",
        )


def test_a_wrong_id_cannot_be_saved_and_unlisted_certificates_are_typed(
    department: Workspace,
) -> None:
    form = CounterIntake(CounterService(department))
    form.student_id.value = "B1120100"
    assert "not on the roster" in form.student_line.value
    assert form.confirm.layout.display == "none"
    form.unlisted.value = True
    assert form.items.disabled and form.unlisted_box.layout.display == "flex"
    form.category.value, form.certificate.value = "其他", "汽車駕照"
    form.exam_year.value = "去年"
    assert "not an academic year" in form.year_line.value
    form.upload.value = upload(b"not a picture", "note.txt")
    assert "text file" in form.file_line.value
    assert form.entry() is None and form.save_button.disabled
    form.save()
    assert "Complete steps 1 to 4 first." in form.message.value


def test_a_download_link_carries_the_file(tmp_path: Path) -> None:
    path = tmp_path / "eligibility.csv"
    path.write_bytes("\ufeffstudent_id\n0012\n".encode())
    link = download_link(path)
    found = re.search(r'download="eligibility.csv" href="data:text/csv;base64,([^"]+)"', link)
    assert found and base64.b64decode(found.group(1)) == path.read_bytes()
    assert "too large" in download_link(path, max_bytes=4) and str(path) in download_link(path, 4)
    assert "not there" in download_link(tmp_path / "gone.csv")


def test_the_eligibility_page_offers_every_file_of_an_export(department: Workspace) -> None:
    panel = DownloadingEligibilityPanel(ReportService(department))
    panel.kind.value, panel.format.value, panel.exported_by.value = "audit", "csv", "amy"
    panel.export_button.click()
    names = re.findall(r'download="([^"]+)"', panel.downloads.value)
    assert len(names) == 2 and names[1] == names[0].replace(".csv", "_summary.csv")
    assert all((department.settings.data_dir / "exports" / n).exists() for n in names)


def test_every_page_opens_and_the_menu_keeps_the_language(
    department: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CERTREVIEW_DB", department.settings.db_url)
    monkeypatch.setenv("CERTREVIEW_DATA", str(department.settings.data_dir))
    monkeypatch.setenv("QUERY_STRING", "token=abc&lang=zh-TW")
    try:
        home = app_page("index")
        assert i18n.get_language() == "zh_TW"
        menu = home.children[0].value
        assert 'href="lookup.ipynb?lang=zh_TW"' in menu and "狀態查詢" in menu
        assert 'href="index.ipynb?lang=en"' in menu  # the switch: this page in English
        for page in available_pages():
            body = app_page(page.slug).children[2]
            assert "cannot open" not in getattr(body, "value", ""), page.slug
    finally:
        i18n.set_language(None)
    assert language_from_address("lang=fr") == "en"  # unknown: the environment's (en in tests)
    assert {p.slug for p in PAGES} - {p.slug for p in available_pages()} <= {"notify"}


def test_a_page_that_cannot_open_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CERTREVIEW_DATA", str(tmp_path / "nothing"))
    monkeypatch.delenv("CERTREVIEW_DB", raising=False)
    monkeypatch.setenv("QUERY_STRING", "")
    body = app_page("lookup").children[2]
    assert body.value.startswith("<p style='color:#c62828'>This page cannot open:")
