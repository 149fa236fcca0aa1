"""End to end: `certreview app` in Traditional Chinese — look up, counter (HEIC), approve, download."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from test_browser_review import ARTIFACTS, CHROMIUM, free_port, launch_chromium, small_demo

from certreview.ingest.counter import CounterService
from certreview.reports.exports import round_names
from certreview.reports.frames import eligibility_frame, this_year
from certreview.reports.lookup import student_record
from certreview.store.models import (
    CatalogItem,
    Decision,
    ExportLog,
    ImageFile,
    NoticeLog,
    Round,
    Student,
    Submission,
)
from certreview.workspace import Workspace

REVIEWER = "櫃台測試員"
VIEWPORT = {"width": 1366, "height": 768}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]


@pytest.fixture(scope="module")
def department(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the data directory of a small demo department."""
    return small_demo(tmp_path_factory, "app-department", seed=4)


def open_department(data: Path) -> Workspace:
    return Workspace.open(f"sqlite:///{data / 'certreview.sqlite'}", data)


@contextlib.contextmanager
def running_app(data: Path, token: str, **extra_env: str) -> Iterator[str]:
    """Start `certreview app` on 127.0.0.1 in Traditional Chinese; yield its address."""
    port = free_port()
    env = {
        **os.environ,
        "CERTREVIEW_DATA": str(data),
        "CERTREVIEW_DB": f"sqlite:///{data / 'certreview.sqlite'}",
        "CERTREVIEW_LANG": "zh-TW",
        "JUPYTER_RUNTIME_DIR": str(data / "runtime"),
        **extra_env,
    }
    log_path = data / "app.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "certreview.cli", "app", "--port", str(port),
             "--token", token, "--no-browser"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/?token={token}", timeout=2):
                        break
                except urllib.error.HTTPError:
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail("certreview app did not start:\n" + log_path.read_text())
                    time.sleep(0.5)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def room_after_text(cells: Any) -> list[float]:
    """Return, for each table cell, the pixels between the end of its text and its edge."""
    return cells.evaluate_all(
        """cells => cells.map(c => {
            const r = document.createRange(); r.selectNodeContents(c);
            return c.getBoundingClientRect().right - r.getBoundingClientRect().right; })"""
    )


def full_width_lower(text: str) -> str:
    """Return TEXT as a student might type it: full-width, lower case."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text.lower())


def heic_certificate(path: Path) -> Path:
    """Write a certificate-like picture as an iPhone HEIC photo."""
    import pillow_heif
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (1200, 850), "#fdfbf2")
    draw = ImageDraw.Draw(img)
    draw.rectangle((30, 30, 1170, 820), outline="#8d6e00", width=12)
    font = ImageFont.load_default(size=72)
    draw.text((330, 180), "CERTIFICATE", fill="#333333", font=font)
    draw.text((330, 330), "TQC 2024", fill="#555555", font=ImageFont.load_default(size=48))
    draw.ellipse((900, 560, 1080, 740), outline="#c62828", width=8)
    pillow_heif.from_pillow(img).save(path, quality=80)
    return path


def choose_case(data: Path) -> tuple[str, str, str, int]:
    """Return (student ID, name, search text, exam year): an enrolled student under an
    enrollment rule, and a catalog item of a group they have nothing in, found by one search."""
    ws = open_department(data)
    service = CounterService(ws)
    try:
        with ws.Session() as s:
            uploads = (
                select(func.count(Submission.id))
                .where(Submission.student_id == Student.student_id)
                .scalar_subquery()
            )
            # One with uploads: the lookup then shows thumbnails, flags and decisions too.
            students = s.scalars(
                select(Student)
                .where(Student.status == "enrolled", Student.admission_year >= 111)
                .order_by(uploads.desc(), Student.student_id)
            ).all()
            items = s.scalars(select(CatalogItem).order_by(CatalogItem.code)).all()
            for student in students:
                groups = set(
                    s.scalars(
                        select(CatalogItem.group)
                        .join(Submission, Submission.item_code == CatalogItem.code)
                        .where(Submission.student_id == student.student_id)
                    )
                )
                window = service.window(service.student(student.student_id))
                if window.rule is None or not window.rule.during_enrollment:
                    continue
                for item in items:
                    if item.group in groups:
                        continue
                    for text in (*(item.aliases or "").split("|"), item.name):
                        if text.strip() and [c.code for c in service.catalog(text)] == [item.code]:
                            return student.student_id, student.name, text, window.first
    finally:
        ws.close()
    raise AssertionError("the demo has no student and item for the walk")


def wait_for_decisions(data: Path, submission_id: str, seconds: float = 30) -> list[tuple]:
    """Return the (verdict, reviewer) of SUBMISSION_ID once there is one (a key press is async)."""
    deadline = time.monotonic() + seconds
    while True:
        ws = open_department(data)
        try:
            with ws.Session() as s:
                found = s.execute(
                    select(Decision.verdict, Decision.reviewer)
                    .join(Submission, Decision.submission_pk == Submission.id)
                    .where(Submission.submission_id == submission_id)
                    .order_by(Decision.id)
                ).all()
        finally:
            ws.close()
        if found or time.monotonic() > deadline:
            return [tuple(row) for row in found]
        time.sleep(0.5)


def wait_for_page(page: Any, slug: str) -> Any:
    found = page.locator(f".certreview-page-{slug}")
    found.wait_for(timeout=120_000)
    page.wait_for_timeout(800)  # images and fonts settle
    return found


def test_the_office_app_in_traditional_chinese(
    department: Path, tmp_path: Path, mail_server: Any, mailbox: Any
) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    student_id, name, search_text, exam_year = choose_case(department)
    heic = heic_certificate(tmp_path / "IMG_0421.HEIC")
    token = secrets.token_hex(16)
    smtp = f"smtp://127.0.0.1:{mail_server.port}?starttls=0&from=office@example.edu"
    with running_app(department, token, CERTREVIEW_SMTP=smtp) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
        try:
            # Home: every page listed, in Traditional Chinese.
            page.goto(f"{base}/voila/render/index.ipynb?token={token}", timeout=120_000)
            home = wait_for_page(page, "index")
            for title in ("狀態查詢", "臨櫃收件", "統一審查", "畢業資格與匯出", "統計"):
                expect(home.get_by_role("link", name=title).first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "app-home.png"))

            # 1. The phone call: the ID typed full-width and lower-case finds the student.
            home.get_by_role("link", name="狀態查詢").first.click()
            lookup = wait_for_page(page, "lookup")
            box = lookup.locator(".certreview-lookup input[type=text]").first
            box.fill(full_width_lower(student_id))
            box.press("Enter")
            expect(lookup.get_by_text(f"{student_id} {name}")).to_be_visible(timeout=30_000)
            ws = open_department(department)
            try:
                with ws.Session() as s:
                    record = student_record(s, student_id)
                    current_round = round_names(s)[0]
                    cutoff = s.scalar(select(Round.cutoff).where(Round.name == current_round))
            finally:
                ws.close()
            assert record is not None and cutoff is not None and cutoff < datetime.now()
            expect(lookup.locator(".certreview-upload")).to_have_count(len(record.uploads))
            expect(lookup).to_contain_text("課程標準")
            page.screenshot(path=str(ARTIFACTS / "app-lookup.png"), full_page=True)

            # 2. The counter: ID → roster name confirmed → catalog search → year → HEIC → save.
            page.get_by_role("link", name="臨櫃收件").first.click()
            counter = wait_for_page(page, "counter")
            form = counter.locator(".certreview-counter")
            id_box = form.locator("input[type=text]").first
            id_box.fill(student_id.lower())
            id_box.press("Enter")
            expect(form.get_by_text(name, exact=True)).to_be_visible(timeout=30_000)
            form.get_by_text("確認是這位學生").click()
            form.get_by_placeholder("中文或英文名稱、代碼或別名").fill(search_text)
            form.get_by_placeholder("中文或英文名稱、代碼或別名").press("Enter")
            expect(form.locator("select").first.locator("option")).to_have_count(1, timeout=30_000)
            form.locator("select").first.select_option(index=0)
            # The list cuts a long name at 1366 px: the chosen item is shown in full below it.
            expect(form.locator(".cr-item-line")).to_contain_text(search_text.strip())
            form.get_by_placeholder("例如 112").fill(str(exam_year))
            form.get_by_placeholder("例如 112").press("Tab")
            expect(form).to_contain_text("只採計在學期間取得的證照")
            with page.expect_file_chooser() as chooser:
                form.locator(".widget-upload").click()
            chooser.value.set_files(str(heic))
            expect(form).to_contain_text("IMG_0421.HEIC: 這是iPhone 的 HEIC 照片", timeout=30_000)
            save = form.get_by_role("button", name="儲存上傳")
            expect(save).to_be_enabled(timeout=30_000)
            # The flags it will carry are shown before saving: late, the cutoff has passed.
            expect(form.locator(".cr-flags span[title]")).to_have_count(1, timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "app-counter.png"), full_page=True)
            save.click()
            saved_line = form.get_by_text("已儲存為")
            expect(saved_line).to_be_visible(timeout=60_000)
            saved_line.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "app-counter-saved.png"))
            ws = open_department(department)
            try:
                with ws.Session() as s:
                    sub = s.scalars(
                        select(Submission).where(Submission.submission_id.like("counter-%"))
                    ).one()
                    saved = (sub.submission_id, sub.student_id, sub.round.name, sub.flags)
                    image = s.get(ImageFile, sub.image_sha256)
                    assert image is not None and image.format == "HEIF" and image.flag is None
                    assert ws.store.thumbnail(image.sha256) is not None
            finally:
                ws.close()
            # The current round (the newest with uploads), late: its cutoff passed in May.
            assert saved[1:] == (student_id, current_round, "late"), saved

            # 3. The review page: find it, approve it by keyboard.
            page.get_by_role("link", name="統一審查").first.click()
            review = wait_for_page(page, "review")
            bench = review.locator(".certreview-workbench")
            bench.locator("input").first.fill(REVIEWER)
            bench.locator("button").first.click()
            expect(page.locator(".certreview-card:visible").first).to_be_visible(timeout=30_000)
            search = bench.locator("input[type=text]:visible").first  # the filter bar's search
            search.fill(saved[0])
            search.press("Enter")
            cards = page.locator(".certreview-card:visible")
            expect(cards).to_have_count(1, timeout=30_000)
            expect(cards.first.locator(".cr-sid")).to_have_text(saved[0])
            cards.first.hover()
            page.keyboard.press("a")
            assert wait_for_decisions(department, saved[0]) == [("approve", REVIEWER)]
            page.wait_for_timeout(1000)  # the card shows the decision
            page.screenshot(path=str(ARTIFACTS / "app-review.png"))
            ws = open_department(department)
            try:
                with ws.Session() as s:
                    record = student_record(s, student_id)
                    expected = eligibility_frame(s, this_year())
            finally:
                ws.close()
            assert record is not None
            assert [u.counted for u in record.uploads if u.submission_id == saved[0]] == [True]

            # 4. Eligibility: export as CSV, download it through the link in the page.
            page.get_by_role("link", name="畢業資格與匯出").first.click()
            eligibility = wait_for_page(page, "eligibility")
            eligibility.get_by_role("button", name="csv", exact=True).click()
            # What the walk at 1366×768 found: headers run together, the format pair wrapped.
            assert min(room_after_text(eligibility.locator("table.cr-table th"))) >= 8
            xlsx, csv_button = (
                eligibility.get_by_role("button", name=n, exact=True).bounding_box()
                for n in ("xlsx", "csv")
            )
            assert xlsx is not None and csv_button is not None
            assert xlsx["y"] == csv_button["y"]
            eligibility.locator(".cr-exported-by input").fill(REVIEWER)
            eligibility.locator(".cr-export").click()
            link = eligibility.locator("a.certreview-download")
            expect(link).to_be_visible(timeout=60_000)
            with page.expect_download() as info:
                link.click()
            download = info.value
            target = tmp_path / download.suggested_filename
            download.save_as(target)
            page.screenshot(path=str(ARTIFACTS / "app-eligibility.png"))
            ws = open_department(department)
            try:
                with ws.Session() as s:
                    log = s.scalars(select(ExportLog).order_by(ExportLog.id.desc())).first()
                    exports = s.scalar(select(func.count()).select_from(ExportLog))
            finally:
                ws.close()
            assert log is not None and exports == 1
            assert (log.kind, log.exported_by) == ("eligibility", REVIEWER)
            assert target.read_bytes() == Path(log.path).read_bytes()
            assert target.name == Path(log.path).name
            rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"))))
            assert len(rows) == len(expected)
            mine = next(r for r in rows if r["student_id"] == student_id)
            theirs = expected.set_index("student_id").loc[student_id]
            assert (int(mine["approved"]), mine["met"]) == (int(theirs["approved"]), theirs["met"])

            # 5. Notify the students: one e-mail each to the loopback server, logged.
            page.get_by_role("link", name="通知學生").first.click()
            notify = wait_for_page(page, "notify")
            send = notify.get_by_role("button", name=re.compile(r"寄出 \d+ 封郵件$"))
            expect(send).to_be_enabled(timeout=60_000)
            to_send = int(re.findall(r"\d+", send.inner_text())[0])
            assert to_send > 0
            page.screenshot(path=str(ARTIFACTS / "app-notify.png"), full_page=True)
            retry = notify.get_by_role("button", name=re.compile("重寄失敗的郵件"))
            assert retry.evaluate("b => b.scrollWidth <= b.clientWidth")  # not cut to "…"
            send.click()
            notify.get_by_role("button", name="確定寄送").click()
            expect(notify.get_by_role("button", name="寄出 0 封郵件")).to_be_visible(
                timeout=120_000
            )
            page.screenshot(path=str(ARTIFACTS / "app-notify-sent.png"), full_page=True)
            ws = open_department(department)
            try:
                with ws.Session() as s:
                    sent = s.execute(
                        select(NoticeLog.student_id, NoticeLog.email, NoticeLog.body)
                        .join(Round, Round.id == NoticeLog.round_id)
                        .where(NoticeLog.status == "sent", Round.name == current_round)
                    ).all()
            finally:
                ws.close()
            # One message per student, to the address on the roster, with the logged text.
            assert len(mailbox.messages) == len(sent) == to_send
            assert len({row.student_id for row in sent}) == len(sent)
            assert sorted(mailbox.to()) == sorted(row.email for row in sent)
            by_address = {m["To"].addresses[0].addr_spec: m for m in mailbox.messages}
            for row in sent:
                assert by_address[row.email].get_content().strip() == row.body.strip()
            mine = next(row for row in sent if row.student_id == student_id)
            assert "審核通過" in mine.body, mine.body  # the counter upload, approved by keyboard

            # 6. The other pages, and the switch to English.
            for slug, title in (("statistics", "統計"), ("intake", "匯入檔案")):
                page.get_by_role("link", name=title, exact=True).first.click()
                shown = wait_for_page(page, slug)
                page.screenshot(path=str(ARTIFACTS / f"app-{slug}.png"))
                # Charts at their own size or smaller, never stretched (blurred) to the page.
                sizes = shown.locator("img").evaluate_all(
                    "imgs => imgs.map(i => [i.getBoundingClientRect().width, i.naturalWidth])"
                )
                assert all(width <= natural + 1 for width, natural in sizes), sizes
            # 7. This is the demo department: real files go elsewhere unless the office insists.
            shown.get_by_role("button", name="匯入名冊", exact=True).click()
            expect(shown.get_by_text("這個資料庫是示範系所")).to_be_visible(timeout=30_000)
            expect(shown.get_by_role("checkbox", name="仍要匯入示範系所")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "app-intake-demo.png"))
            page.get_by_role("link", name="English").click()
            english = wait_for_page(page, "intake")
            expect(english.get_by_role("link", name="Status lookup")).to_be_visible()
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "app-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
