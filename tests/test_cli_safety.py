"""The command line under attack and under kill: hidden passwords, inert escapes, no orphans."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.engine import make_url

from certreview.cli import main
from certreview.config import display_url, sqlite_url
from certreview.ingest.reference import import_catalog, import_roster
from certreview.reports.terminal import terminal_text
from certreview.store.models import Student, Submission
from certreview.workspace import Workspace
from tests.conftest import SAMPLES

SECRET = "s3cret-pw"
SCRIPT = Path(sys.executable).with_name("certreview")


def with_password(url: str) -> str:
    """Return URL with SECRET as its password (PostgreSQL's trust login ignores it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return url
    return parsed.set(password=SECRET).render_as_string(hide_password=False)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://clerk:s3cret-pw@db.example/office", "postgresql+psycopg://clerk:***@db.example/office"),
        ("postgresql://clerk:p%40ss@db:5432/office?sslmode=require", "postgresql://clerk:***@db:5432/office?sslmode=require"),
        ("sqlite:////srv/certreview/data/certreview.sqlite", "sqlite:////srv/certreview/data/certreview.sqlite"),
        ("sqlite:///data/a b/x.sqlite", "sqlite:///data/a b/x.sqlite"),
        ("postgres ql://clerk:s3cret-pw@db/office", "postgres ql://clerk:***@db/office"),
    ],
)  # fmt: skip
def test_display_url_hides_only_the_password(url: str, shown: str):
    assert display_url(url) == shown


def test_init_never_prints_the_password(cli, db_url: str, monkeypatch: pytest.MonkeyPatch):
    url = with_password(db_url)
    monkeypatch.setenv("CERTREVIEW_DB", url)
    code, out, err = cli("init")
    assert (code, out, err) == (0, f"database ready: {display_url(url)}\n", "")
    assert SECRET not in out


def test_init_keeps_a_sqlite_path_as_it_is(cli, tmp_path: Path):
    url = sqlite_url(tmp_path / "office" / "certreview.sqlite")
    assert cli("init", "--db", url) == (0, f"database ready: {url}\n", "")


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://clerk:{SECRET}@127.0.0.1:1/office?connect_timeout=2",
        f"postgresql+psycopg://clerk:{SECRET}@/office?host=/nonexistent",
        f"postgresql+psycopg://clerk:{SECRET}@127.0.0.1:1/office?sslmode=bogus",
        f"postgresql+psycopg://clerk:{SECRET}@127.0.0.1:notaport/office",
        f"postgresql+nodriver://clerk:{SECRET}@db/office",
        f"clerk:{SECRET}@db/office",
    ],
)
def test_a_bad_or_unreachable_database_error_has_no_password(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    assert main(["init", "--db", url, "--data", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("certreview: ") and err.count("\n") == 1
    assert SECRET not in err


def test_demo_refusal_never_prints_the_password(cli, db_url: str, monkeypatch: pytest.MonkeyPatch):
    url = with_password(db_url)
    monkeypatch.setenv("CERTREVIEW_DB", url)
    cli("init")
    cli("import", "roster", SAMPLES / "roster.csv")
    code, out, err = cli("demo", "--students", "5", "--submissions", "5")
    assert (code, out) == (1, "")
    assert err.startswith(f"certreview: {display_url(url)} already holds a department")
    assert SECRET not in err


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("王小明\x1b]0;pwned\x07", "王小明\\x1b]0;pwned\\x07"),
        ("\x1b[2J\x1b[HTQC", "\\x1b[2J\\x1b[HTQC"),
        ("a\rb\nc\td\x7f\x9b31m", "a\\rb\\nc\\td\\x7f\\x9b31m"),
        ("\u202eTQC 峯堃喆 ·", "\\u202eTQC 峯堃喆 ·"),
    ],
)
def test_terminal_text_shows_controls_and_keeps_cjk(typed: str, shown: str):
    assert terminal_text(typed) == shown


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_status_prints_student_text_without_terminal_escapes(cli, db_url: str, tmp_path: Path):
    """A name or certificate text carrying escape sequences is shown, not obeyed."""
    roster = list(csv.DictReader((SAMPLES / "roster.csv").read_text("utf-8").splitlines()))
    roster[0]["name"] = "王小明\x1b]0;pwned\x07"
    _write_csv(tmp_path / "roster.csv", roster)
    submissions = list(
        csv.DictReader((SAMPLES / "submissions.csv").read_text("utf-8").splitlines())
    )
    submissions[0]["certificate_name"] = "TQC Excel 進階\x1b[2J\x1b[H\x9b31m"
    submissions[0]["student_name"] = "王小明\x1b]0;pwned\x07"
    _write_csv(tmp_path / "submissions.csv", submissions)
    cli("init")
    assert cli("import", "roster", tmp_path / "roster.csv")[0] == 0
    assert cli("import", "catalog", SAMPLES / "catalog.csv")[0] == 0
    assert cli("import", "standards", SAMPLES / "standards.toml")[0] == 0
    code, _, err = cli(
        "import", "submissions", tmp_path / "submissions.csv", "--images", SAMPLES / "images"
    )
    assert code == 0, err
    code, out, err = cli("status", "B11001001")
    assert (code, err) == (0, "")
    # The import already removes control characters from every cell ...
    assert out.splitlines()[0] == "B11001001 王小明]0;pwned"
    # ... and status shows, not obeys, whatever a database written by other tools may hold.
    engine = create_engine(db_url)
    with engine.begin() as c:
        c.execute(update(Student).values(name="王小明\x1b]0;pwned\x07"))
        c.execute(
            update(Submission).values(certificate_name_text="TQC Excel 進階\x1b[2J\x1b[H\x9b31m")
        )
    engine.dispose()
    code, out, err = cli("status", "B11001001")
    assert (code, err) == (0, "")
    assert not any(ch in out for ch in "\x1b\x07\x9b")
    lines = out.splitlines()
    assert lines[0] == "B11001001 王小明\\x1b]0;pwned\\x07"
    assert any(": TQC Excel 進階\\x1b[2J\\x1b[H\\x9b31m (Information" in line for line in lines)


def test_error_messages_quote_typed_text_inertly(cli):
    cli("init")
    code, out, err = cli("decide", "u\x1b]0;pwned\x07", "approve", "--reviewer", "lin")
    assert (code, out) == (1, "")
    assert "\x1b" not in err and "\x07" not in err and err.count("\n") == 1


# A killed import -----------------------------------------------------------------------------


def _processes() -> dict[int, tuple[int, str]]:
    """Return {pid: (parent pid, state)} of every process, read from /proc."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # exited while we looked
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        found[int(entry.name)] = (int(ppid), state)
    return found


def _descendants(pid: int) -> set[int]:
    table = _processes()
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        children = {p for p, (ppid, _) in table.items() if ppid == parent}
        found |= children
        todo.extend(children)
    return found


def _alive(pids: set[int]) -> set[int]:
    table = _processes()
    return {p for p in pids if p in table and table[p][1] != "Z"}  # a zombie has exited


@pytest.fixture
def big_import(tmp_path: Path) -> Iterator[tuple[list[str], dict[str, str]]]:
    """Return the command and environment of an import that keeps two workers busy a while."""
    images = tmp_path / "images"
    images.mkdir()
    picture = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    ImageDraw.Draw(picture).text((40, 40), "certificate", fill=(255, 0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    jpeg = buffer.getvalue()
    rows = []
    for n in range(150):
        # Encoded once, made distinct by a JPEG comment segment: quick to write, slow to check.
        comment = f"certificate {n}".encode()
        segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        (images / f"{n}.jpg").write_bytes(jpeg[:2] + segment + jpeg[2:])
        rows.append(
            {
                "submission_id": f"k{n:04d}",
                "submitted_at": "2026-03-02 09:15:00",
                "student_id": "B11001001",
                "student_name": "王小明",
                "category": "Information",
                "certificate_name": "TQC Excel 進階",
                "exam_year": "111",
                "image": f"{n}.jpg",
            }
        )
    _write_csv(tmp_path / "submissions.csv", rows)
    env = dict(
        os.environ,
        CERTREVIEW_DB=sqlite_url(tmp_path / "office.sqlite"),
        CERTREVIEW_DATA=str(tmp_path / "data"),
    )
    env.pop("CERTREVIEW_DEBUG", None)
    ws = Workspace.open(env["CERTREVIEW_DB"], env["CERTREVIEW_DATA"], create=True)
    with ws.Session.begin() as session:
        import_roster(session, SAMPLES / "roster.csv")
        import_catalog(session, SAMPLES / "catalog.csv")
    ws.close()
    command = [str(SCRIPT), "import", "submissions", str(tmp_path / "submissions.csv")]
    yield [*command, "--images", str(images), "--workers", "2"], env


def _ctrl_c_as_in_a_terminal() -> None:
    # A shell's background job ignores Ctrl-C and its children inherit that (`make test &`
    # would then pass nothing to test): the command gets Ctrl-C as it does from a terminal.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_until_workers_run(
    command: list[str], env: dict[str, str]
) -> tuple[subprocess.Popen[str], set[int]]:
    """Start COMMAND in its own session; return it and its processes once two workers run."""
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        family = _descendants(process.pid)
        workers = {p for p in family if _processes().get(p, (0, ""))[0] != process.pid}
        if len(workers) >= 2:
            return process, family
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    process.kill()
    raise AssertionError("the import never started its workers")


def _wait_gone(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _alive(pids)
    for pid in left:  # never leave orphans behind, whatever the outcome
        os.kill(pid, signal.SIGKILL)
    return left


def _uploads(env: dict[str, str]) -> int:
    ws = Workspace.open(env["CERTREVIEW_DB"], env["CERTREVIEW_DATA"])
    try:
        with ws.Session() as session:
            return session.scalar(select(func.count()).select_from(Submission)) or 0
    finally:
        ws.close()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_killed_import_leaves_no_worker_running(big_import):
    command, env = big_import
    process, family = _start_until_workers_run(command, env)
    process.kill()
    process.communicate()
    assert _wait_gone(family, 5) == set()
    assert _uploads(env) == 0  # nothing half-imported


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize(
    ("how", "status"), [("SIGTERM", 128 + signal.SIGTERM), ("Ctrl-C", 128 + signal.SIGINT)]
)
def test_stopped_import_shuts_its_workers_down(big_import, how: str, status: int):
    command, env = big_import
    process, family = _start_until_workers_run(command, env)
    if how == "SIGTERM":
        process.send_signal(signal.SIGTERM)
    else:
        os.killpg(process.pid, signal.SIGINT)  # a terminal sends Ctrl-C to the whole group
    out, err = process.communicate(timeout=20)
    assert (process.returncode, out, err) == (
        status,
        "",
        "certreview: interrupted; nothing was saved from the unfinished step\n",
    )
    assert _wait_gone(family, 5) == set()
    assert _uploads(env) == 0
