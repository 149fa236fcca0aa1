"""The command line speaks Traditional Chinese by default, English on request: `--lang`, env."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from certreview import i18n
from certreview.cli.commands import LAB_LOCALE, lab_settings
from certreview.cli.parser import ARGPARSE_WORDS, requested_language
from certreview.config import sqlite_url
from tests.conftest import SAMPLES


def test_a_success_path_in_traditional_chinese(cli):
    code, out, err = cli("--lang", "zh-TW", "init")
    assert (code, err) == (0, "") and out.startswith("資料庫已就緒：")
    code, out, err = cli("import", "roster", SAMPLES / "roster.csv", "--lang", "zh-TW")
    assert (code, out, err) == (0, "學生名冊：新增 4 筆\n", "")
    code, out, _ = cli("--lang", "zh-TW", "import", "roster", SAMPLES / "roster.csv")
    assert out == "學生名冊：4 筆未變更\n"


def test_an_office_day_in_traditional_chinese(cli, tmp_path: Path):
    images = tmp_path / "images"
    shutil.copytree(SAMPLES / "images", images)
    cli("init")
    assert cli("import", "catalog", SAMPLES / "catalog.csv", "--lang", "zh-TW")[1] == (
        "證照清單：新增 5 筆\n"
    )
    assert cli("--lang", "zh-TW", "import", "standards", SAMPLES / "standards.toml")[1] == (
        "課程標準：新增 2 筆\n"
    )
    cli("import", "roster", SAMPLES / "roster.csv")
    code, out, err = cli(
        "--lang", "zh-TW", "import", "submissions", SAMPLES / "submissions.csv",
        "--images", images, "--round", "AY114",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == (
        "上傳資料（AY114）：3 筆通過，2 筆有標記，0 筆略過\n"
        "標記：before_enrollment 1，missing_image 1\n"  # flag names are codes
    )
    assert cli("--lang", "zh-TW", "decide", "u0001", "approve", "--reviewer", "lin") == (
        0,
        "u0001：已核准（審查決定 #1）\n",
        "",
    )
    code, out, _ = cli(
        "decide", "u0004", "reject", "--reason", "other", "--reviewer", "lin", "--lang", "zh-TW"
    )
    assert (code, out) == (1, "")


@pytest.mark.parametrize("where", ["before", "after"])
def test_every_command_takes_the_language(cli, tmp_path: Path, where):
    cli("init")
    cli("import", "roster", SAMPLES / "roster.csv")
    for command in (
        ["export", "eligibility", tmp_path / "e.csv"],
        ["export", "audit", tmp_path / "a.csv", "--status", "enrolled"],
        ["export", "notices", tmp_path / "n.csv"],
        ["doctor"],
        ["purge", "--left-before", "100"],
        ["backup", tmp_path / "b.tar"],
        ["verify-backup", tmp_path / "b.tar"],
    ):
        argv = ["--lang", "zh-TW", *command] if where == "before" else [*command, "--lang", "zh-TW"]
        code, out, err = cli(*argv)
        assert (code, err) == (0, ""), (command, err)
    assert out.endswith("檢查碼全部相符\n")


def test_the_same_commands_in_english(cli):
    assert cli("--lang", "en", "init")[1].startswith("database ready: ")
    assert cli("import", "roster", SAMPLES / "roster.csv", "--lang", "en")[1] == (
        "roster: 4 added\n"
    )


def test_a_missing_column_in_both_languages(cli, tmp_path: Path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name,admission_yr,status\nB1,王小明,112,enrolled\n", "utf-8")
    cli("init")
    code, out, err = cli("--lang", "zh-TW", "import", "roster", roster)
    assert (code, out) == (1, "")
    assert err == (
        "certreview: roster.csv：缺少欄位 admission_year；無法辨識的欄位 admission_yr"
        "（請改名：'admission_yr' → 'admission_year'）\n"
    )
    code, out, err = cli("--lang", "en", "import", "roster", roster)
    assert err == (
        "certreview: roster.csv: missing columns admission_year; unknown columns admission_yr"
        " (rename 'admission_yr' → 'admission_year')\n"
    )


def test_an_unknown_submission_and_a_decision_without_a_reason(cli):
    cli("init")
    code, _, err = cli("--lang", "zh-TW", "decide", "S-404", "approve", "--reviewer", "amy")
    assert (code, err) == (1, "certreview: 找不到上傳資料「S-404」 — 請核對匯入報告中的編號\n")
    code, _, err = cli("--lang", "zh-TW", "decide", "S-404", "reject", "--reviewer", "amy")
    assert err.startswith("certreview: 退件需要原因：incomplete, not_certificate,")


def test_a_missing_database_says_what_to_do(tmp_path: Path, monkeypatch, capsys):
    from certreview.cli import main

    monkeypatch.setenv("CERTREVIEW_DB", sqlite_url(tmp_path / "none.sqlite"))
    monkeypatch.setenv("CERTREVIEW_LANG", "zh-TW")
    assert main(["status", "B1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"certreview: {tmp_path / 'none.sqlite'} 沒有 certreview 資料庫")
    assert "請執行 `certreview init`" in err and not (tmp_path / "none.sqlite").exists()


def test_a_file_that_is_not_a_database(tmp_path: Path, monkeypatch, capsys):
    from certreview.cli import main

    not_a_db = tmp_path / "notes.sqlite"
    not_a_db.write_bytes(b"this is a text file, not SQLite " * 64)
    monkeypatch.setenv("CERTREVIEW_DB", sqlite_url(not_a_db))
    assert main(["--lang", "zh-TW", "status", "B1"]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"certreview: 無法使用 SQLite 資料庫 {not_a_db}（file is not a database）"
        "— --db/CERTREVIEW_DB 指定的檔案正確嗎？\n"
    )


def test_argparse_speaks_the_language_too(cli, capsys):
    with pytest.raises(SystemExit) as help_exit:
        cli("--lang", "zh-TW", "-h")
    out = capsys.readouterr().out
    assert help_exit.value.code == 0
    assert out.startswith("用法：certreview [-h] [--lang {zh-TW,en}]")
    assert "位置參數" in out and "-h, --help         顯示這份說明後結束" in out
    assert "開啟 JupyterLab 與審查筆記本" in out and "show this help" not in out
    with pytest.raises(SystemExit) as usage_exit:
        cli("decide", "S1", "--lang", "zh-TW")
    err = capsys.readouterr().err
    assert usage_exit.value.code == 2
    assert err.startswith("用法：certreview decide")
    assert err.endswith("certreview decide：錯誤：缺少必要的參數：verdict, --reviewer\n")
    with pytest.raises(SystemExit):
        cli("--lang", "en", "decide", "S1")
    err = capsys.readouterr().err
    assert err.startswith("usage: certreview decide")
    assert "error: the following arguments are required:" in err


def test_an_unknown_language_is_refused_by_the_parser(cli, capsys):
    with pytest.raises(SystemExit) as done:
        cli("--lang", "fr", "init")
    assert done.value.code == 2
    assert "argument --lang: invalid choice: 'fr' (choose from 'zh-TW', 'en')" in (
        capsys.readouterr().err
    )


def test_the_language_holds_for_one_run_only(cli):
    cli("--lang", "zh-TW", "init")
    assert i18n.get_language() == "en"  # the suite's CERTREVIEW_LANG again
    assert argparse._ is not i18n._  # type: ignore[attr-defined]  # argparse given back


def test_the_environment_chooses_when_lang_is_not_given(cli, monkeypatch):
    monkeypatch.setenv("CERTREVIEW_LANG", "zh-TW")
    assert cli("init")[1].startswith("資料庫已就緒")
    assert cli("--lang", "en", "init")[1].startswith("database ready")


def test_traditional_chinese_without_any_setting(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "CERTREVIEW_LANG"}
    env.update(CERTREVIEW_DB=sqlite_url(tmp_path / "x.sqlite"), CERTREVIEW_DATA=str(tmp_path))
    script = Path(sys.executable).with_name("certreview")
    done = subprocess.run([script, "status", "B1"], env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "沒有 certreview 資料庫" in done.stderr
    done = subprocess.run([script, "--help"], env=env, capture_output=True, text=True)
    assert done.stdout.startswith("用法：certreview")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--lang", "en", "init"], "en"),
        (["status", "B1", "--lang=zh-TW"], "zh-TW"),
        (["--lang", "fr"], None),
        (["decide", "S1", "approve", "--note", "x", "--", "--lang", "en"], None),
        (["--lang"], None),
    ],
)
def test_the_language_is_read_before_parsing(argv, expected):
    assert requested_language(argv) == expected


def test_our_argparse_words_are_pythons(monkeypatch):
    """Every argparse msgid we translate is in this Python's argparse (a new Python may change them)."""
    source = Path(argparse.__file__).read_text(encoding="utf-8")
    for word in ARGPARSE_WORDS:
        assert repr(word).strip("'\"") in source or word in source, word
    assert all(word in i18n.catalog("zh_TW") for word in ARGPARSE_WORDS)


# --- JupyterLab in the office's language ----------------------------------------------------


@pytest.mark.parametrize(("language", "locale"), [("zh-TW", "zh_TW"), ("en", "en")])
def test_the_lab_settings_choose_jupyterlabs_language(tmp_path: Path, language, locale):
    i18n.set_language(language)
    try:
        folder = lab_settings(tmp_path / "data")
    finally:
        i18n.set_language(None)
    overrides = json.loads((folder / "overrides.json").read_text("utf-8"))
    assert overrides[LAB_LOCALE] == {"locale": locale}
    assert folder == (tmp_path / "data" / "lab-settings").resolve()


def test_jupyterlab_reads_the_default_language_from_our_settings(tmp_path: Path):
    from jupyterlab.commands import get_app_dir
    from jupyterlab_server.settings_utils import _get_overrides, get_settings
    from jupyterlab_server.translation_utils import get_language_packs

    assert "zh_TW" in get_language_packs("en")[0]  # jupyterlab-language-pack-zh-tw is installed
    i18n.set_language("zh-TW")
    try:
        folder = lab_settings(tmp_path / "data")
    finally:
        i18n.set_language(None)
    overrides, error = _get_overrides(str(folder))
    settings, _ = get_settings(
        str(folder),
        str(Path(get_app_dir()) / "schemas"),
        str(tmp_path / "user-settings"),
        schema_name=LAB_LOCALE,
        overrides=overrides,
    )
    assert error == "" and settings["schema"]["properties"]["locale"]["default"] == "zh_TW"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_certreview_lab_serves_jupyterlab_in_traditional_chinese(tmp_path: Path):
    port, token = _free_port(), "zh-cli-test"
    env = dict(
        os.environ,
        CERTREVIEW_LANG="zh-TW",
        CERTREVIEW_DATA=str(tmp_path / "data"),
        CERTREVIEW_DB=sqlite_url(tmp_path / "data" / "x.sqlite"),
        JUPYTER_PORT=str(port),
        JUPYTER_TOKEN=token,
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
    )
    script = Path(sys.executable).with_name("certreview")
    log = (tmp_path / "lab.log").open("wb")
    lab = subprocess.Popen(
        [script, "lab", "--no-browser"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # `certreview lab` and its `jupyter lab` stop together
    )
    base = f"http://127.0.0.1:{port}/lab/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                url = f"{base}/settings/{LAB_LOCALE.replace('/', '%2F')}?token={token}"
                with urllib.request.urlopen(url, timeout=5) as response:
                    plugin = json.load(response)
                break
            except OSError:
                if lab.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text())
                time.sleep(0.5)
        assert plugin["schema"]["properties"]["locale"]["default"] == "zh_TW"
        with urllib.request.urlopen(f"{base}/translations/zh_TW?token={token}") as response:
            pack = json.load(response)
        assert pack["message"] == "" and pack["data"]  # the language pack's messages
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()
        log.close()
        shutil.rmtree(tmp_path / "runtime", ignore_errors=True)


@pytest.mark.parametrize("command", ["app", "lab", "demo", "read", "notify", "status"])
def test_every_option_of_a_command_is_explained_in_chinese(cli, capsys, command):
    # The walk through the office's pages found `certreview app -h` all in English.
    with pytest.raises(SystemExit) as help_exit:
        cli(command, "--lang", "zh-TW", "-h")
    assert help_exit.value.code == 0
    out = capsys.readouterr().out
    options = out.split("選項:", 1)[1]
    # Each option (its name, then what it does, maybe on the next lines) has Chinese in it.
    entries: list[str] = []
    for line in options.splitlines():
        if line.startswith("  -"):
            entries.append(line)
        elif line.startswith("    ") and entries:
            entries[-1] += line
    assert len(entries) >= 4  # -h, --lang, --db, --data at least
    for entry in entries:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in entry), entry


def test_a_mistake_in_the_standards_file_is_told_in_chinese(cli, tmp_path: Path):
    cli("init")
    typo = tmp_path / "standards.toml"
    typo.write_text('[[standard]]\nname = "AY111+"\nadmision_from = 111\n', encoding="utf-8")
    code, _, err = cli("--lang", "zh-TW", "import", "standards", typo)
    assert (code, err) == (
        1,
        "certreview: standards.toml：課程標準「AY111+」：不認得的設定 admision_from"
        " — 是否要寫「admission_from」？\n",
    )
    typo.write_text("[[standard]]\nname = \n", encoding="utf-8")
    code, _, err = cli("--lang", "zh-TW", "import", "standards", typo)
    assert err.startswith("certreview: standards.toml：第 2 行第 8 欄：不是正確的 TOML 格式")
