"""The reading pass: real OCR of a few certificates, resumable, and the evidence it stores."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from certreview.demo.pictures import chinese_certificate, encode
from certreview.images.ocr import ocr_available
from certreview.ingest.reading import read_uploads, unread_images
from certreview.store.models import ImageEvidence, ImageReading
from certreview.workspace import Workspace
from tests.builders import add_certificate, add_right_and_borrowed, department

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ocr_available(), reason="the ocr extra is not installed"),
]


@pytest.fixture
def read_department(workspace: Workspace) -> tuple[Workspace, dict[str, int]]:
    """Three uploads: a right one (JPEG), a borrowed one, and a right one as a PDF."""
    department(workspace, submissions=0)
    variant = chinese_certificate("TQC Word 實用級", "王峰", "TQC0012377", "113.12.01", seed=3)
    pks = {
        **add_right_and_borrowed(workspace),
        "variant": add_certificate(
            workspace,
            encode(variant, "pdf"),
            submission_id="R3",
            student_id="B11100003",
            student_key="B11100003",
            student_id_text="B11100003",
            student_name_text="王峯",
        ),
    }
    return workspace, pks


def test_a_killed_pass_keeps_what_it_read_and_the_next_one_goes_on(read_department) -> None:
    ws, pks = read_department
    with ws.Session() as s:
        assert len(unread_images(s)) == 3

    def stop_after_one(done: int, total: int) -> None:
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        read_uploads(ws.Session, ws.store, workers=1, batch=1, progress=stop_after_one)
    with ws.Session() as s:
        assert s.scalar(select(func.count()).select_from(ImageReading)) == 1
        assert len(unread_images(s)) == 2

    result = read_uploads(ws.Session, ws.store, workers=2)
    assert (result.read, result.unreadable, result.weighed) == (2, 0, 3)
    with ws.Session() as s:
        evidence = {e.submission_pk: e for e in s.scalars(select(ImageEvidence))}
        readings = {r.sha256: r for r in s.scalars(select(ImageReading))}
    answers = {k: (e.name, e.certificate, e.year) for k, pk in pks.items() for e in [evidence[pk]]}
    assert answers == {
        "right": ("agrees", "agrees", "agrees"),
        "borrowed": ("disagrees", "disagrees", "disagrees"),
        "variant": ("agrees", "agrees", "agrees"),
    }
    assert evidence[pks["borrowed"]].named_student == "B11200001"
    assert evidence[pks["borrowed"]].shown_item == "TQC-WORD-A"
    assert evidence[pks["borrowed"]].shown_year == 111
    found = {(r.holder_name, r.certificate_no, r.exam_year) for r in readings.values()}
    assert ("陳家豪", "TQC0012345", 113) in found
    line = next(iter(readings.values())).lines[0]
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in line[1])  # boxes as fractions
    # Nothing new to read; weighing again changes nothing.
    again = read_uploads(ws.Session, ws.store, workers=2)
    assert (again.read, again.weighed) == (0, 0)


def test_without_the_extra_the_command_says_how_to_install_it(tmp_path: Path) -> None:
    blocker = tmp_path / "blocked"
    blocker.mkdir()
    (blocker / "rapidocr.py").write_text("raise ImportError('not installed')\n")
    env = {"PYTHONPATH": str(blocker), "CERTREVIEW_LANG": "en", "PATH": "/usr/bin:/bin"}
    for command in ("init", "read"):
        done = subprocess.run(
            [sys.executable, "-m", "certreview.cli", "--data", str(tmp_path / "d"), command],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        'certreview: reading certificates needs the OCR extra — install it: pip install "certreview[ocr]"'
    ]


def test_an_unknown_round_is_named_in_one_line(cli) -> None:
    assert cli("init")[0] == 0
    code, _out, err = cli("read", "--round", "AY999")
    assert (code, err.strip()) == (
        1,
        "certreview: no round AY999 — see the rounds in the review's Round filter",
    )


def test_the_engine_reads_with_the_bundled_models_one_thread_and_one_line_at_a_time() -> None:
    from certreview.images.ocr import DET_SIDE, OCR_THREADS, _engine, model_files, read_image

    picture = chinese_certificate("TQC Word 實用級", "陳家豪", "TQC0012345", "113.10.03", seed=1)
    reading = read_image(encode(picture, "jpeg"))
    assert "陳家豪" in [line.text for line in reading.lines]
    assert 0 < reading.cpu_seconds < 60
    engine = _engine(OCR_THREADS)  # the engine read_image used: its models load at its first read
    steps = {"Det": engine.text_det, "Cls": engine.text_cls, "Rec": engine.text_rec}
    # The model files inside the rapidocr wheel, named to the engine: it has nothing to fetch.
    files = model_files()
    assert all(path.is_file() and path.parent.parent.name == "rapidocr" for path in files.values())
    assert {step: engine.cfg[step].model_path for step in steps} == {
        step: str(path) for step, path in files.items()
    }
    # Two workers of one thread each use the two cores; a second thread per worker only waits.
    options = [step.session.session.get_session_options() for step in steps.values()]
    assert [o.intra_op_num_threads for o in options] == [1, 1, 1]
    assert engine.text_rec.rec_batch_num == 1
    # Text is found at most DET_SIDE px wide, and read from the READ_SIDE picture.
    assert (engine.text_det.limit_type, engine.text_det.limit_side_len) == ("max", DET_SIDE)


def test_the_engine_starts_and_reads_without_a_network(tmp_path: Path) -> None:
    """A fresh process with no network at all (every connection refused) loads and reads."""
    picture = tmp_path / "certificate.png"
    picture.write_bytes(
        encode(chinese_certificate("TQC Word 實用級", "陳家豪", "TQC0012345", "113.10.03"), "png")
    )
    script = (
        "import socket, sys\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('no network in this test')\n"
        "socket.socket.connect = socket.socket.connect_ex = refuse\n"
        "socket.create_connection = socket.getaddrinfo = refuse\n"
        "from certreview.images.ocr import read_path\n"
        "print('|'.join(line.text for line in read_path(sys.argv[1]).lines))\n"
    )
    env = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(picture)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert "陳家豪" in done.stdout.strip().split("|")


def test_a_page_without_text_reads_as_no_lines_in_silence(
    capfd: pytest.CaptureFixture[str],
) -> None:
    from PIL import Image

    from certreview.images.ocr import read_image

    buf = io.BytesIO()
    Image.new("RGB", (800, 600), "white").save(buf, "PNG")
    reading = read_image(buf.getvalue())
    assert (reading.lines, reading.problem, reading.width, reading.height) == ((), None, 800, 600)
    assert capfd.readouterr().err == ""  # no log line per page from the engine
