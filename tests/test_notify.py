"""E-mailing notices: a real SMTP server on loopback, the real database, the command line."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from reporting_department import standard_department, verdict
from smtp_server import PASSWORD, USER, Mailbox, free_port, start_server
from sqlalchemy import select

from certreview import i18n
from certreview.reports.notify import NotifyService
from certreview.store.models import NoticeLog, Submission
from certreview.workspace import Workspace

KUO, LIN, WANG = "kuo@example.edu", "lin@example.edu", "wang@example.edu"


@pytest.fixture
def department(tmp_path: Path, db_url: str, cli, monkeypatch, mail_server) -> Workspace:
    """The reporting department in the CLI's database, with CERTREVIEW_SMTP on the server."""
    monkeypatch.setenv("CERTREVIEW_SMTP", smtp_url(mail_server))
    assert cli("init")[0] == 0
    ws = Workspace.open(db_url, tmp_path / "data")
    with ws.Session.begin() as s:
        standard_department(s)
    yield ws
    ws.close()


def smtp_url(mail_server, query: str = "") -> str:
    return f"smtp://{mail_server.hostname}:{mail_server.port}?starttls=0&from=office@example.edu{query}"


def log_rows(ws: Workspace) -> list[tuple[str, str, str]]:
    with ws.Session() as s:
        rows = s.scalars(select(NoticeLog).order_by(NoticeLog.id)).all()
        return [(r.student_id, r.email, r.status) for r in rows]


def body(message: EmailMessage) -> str:
    return message.get_content()


def test_a_dry_run_previews_counts_and_lists_students_without_email(department, cli, mailbox):
    code, out, err = cli("notify", "--round", "AY113", "--preview", "1")
    assert code == 0, err
    assert (
        "round AY113: 6 students — 3 to send (0 failed before), 0 already sent, "
        "3 without e-mail" in out
    )
    assert "without e-mail: B10500005 陳大文 (no e-mail on the roster)" in out
    assert 'without e-mail: B11100002 =HYPERLINK("x") (no e-mail on the roster)' in out
    assert "without e-mail: B99999999 無名氏 (no e-mail on the roster)" in out
    assert "--- 1/3 ---\nTo: 郭峯堃 <kuo@example.edu>" in out
    assert "--- 2/3 ---" not in out  # --preview 1
    assert "server: smtp://127.0.0.1:" in out
    assert "dry run: nothing sent — add --send to send 3" in out
    assert mailbox.messages == []
    assert log_rows(department) == []


def test_send_mails_each_student_once_with_the_right_text(department, cli, mailbox):
    code, out, err = cli("notify", "--round", "AY113", "--send", "--by", "office-lin")
    assert code == 0, err
    assert "3 sent, 0 failed" in out
    assert sorted(mailbox.to()) == [KUO, LIN, WANG]
    mail = {m["To"].addresses[0].addr_spec: m for m in mailbox.messages}

    kuo = mail[KUO]
    assert kuo["Subject"] == "Certificate review results, round AY113: 3 certificates"
    assert kuo["From"] == "office@example.edu"
    assert kuo.get_content_type() == "text/plain"
    assert kuo.get_content_charset() == "utf-8"
    text = body(kuo)
    assert text.startswith(
        "郭峯堃 (0912345678): the results of the certificate review, round AY113."
    )
    assert text.count("has been approved") == 3
    assert 'approved as "TQC Word 進階級" (2 points)' in text
    assert "—— 3/3 ——" in text
    assert "You meet the certificate requirement for graduation (AY111+ Day)." in text

    lin = body(mail[LIN])
    assert mail[LIN]["Subject"] == "證照審核未通過 / Certificate not accepted: GEPT 中級"
    assert "was not accepted" in lin and "未通過審核" in lin
    assert "Note: payment receipt" in lin
    assert "Still needed for graduation (AY111+ Evening): needs 1 more certificate" in lin

    wang = body(mail[WANG])
    assert "has been approved" in wang and "Cisco CCNA" in wang

    rows = log_rows(department)
    assert sorted(rows) == [
        ("0912345678", KUO, "sent"),
        ("B10900004", WANG, "sent"),
        ("B11100003", LIN, "sent"),
    ]
    with department.Session() as s:
        logged = s.scalars(select(NoticeLog).where(NoticeLog.student_id == "B11100003")).one()
        # What the log keeps is what the student received (set_content ends it with a newline).
        assert (logged.sent_by, logged.error, logged.body + "\n") == ("office-lin", None, lin)

    # Nobody gets the same notice twice.
    code, out, _ = cli("notify", "--round", "AY113", "--send")
    assert code == 0
    assert "0 to send (0 failed before), 3 already sent, 3 without e-mail" in out
    assert "nothing to send" in out
    assert len(mailbox.messages) == 3


def test_a_new_decision_sends_the_changed_notice_again(department, cli, mailbox):
    assert cli("notify", "--round", "AY113", "--send")[0] == 0
    with department.Session.begin() as s:
        u06 = s.scalars(select(Submission).where(Submission.submission_id == "u06")).one()
        verdict(s, u06, "approve", note="original seen at the counter", minutes=30)
    _code, out, _ = cli("notify", "--round", "AY113")
    assert "1 to send (0 failed before), 2 already sent" in out
    assert "To: 林雅婷 <lin@example.edu>" in out
    assert cli("notify", "--round", "AY113", "--send")[0] == 0
    assert len(mailbox.messages) == 4
    again = mailbox.messages[-1]
    assert again["To"].addresses[0].addr_spec == LIN
    assert "has been approved" in body(again)
    assert "You meet the certificate requirement" in body(again)


def test_a_refused_address_is_logged_and_sent_when_run_again(department, cli, mailbox):
    mailbox.refuse.add(KUO)
    code, out, err = cli("notify", "--round", "AY113", "--send")
    assert code == 1
    assert "2 sent, 1 failed — send again to retry the failed ones" in out
    assert "not sent to 0912345678 kuo@example.edu: the server refused the address" in err
    assert "550 5.1.1 mailbox unavailable" in err
    with department.Session() as s:
        failed = s.scalars(select(NoticeLog).where(NoticeLog.status == "failed")).one()
        assert failed.student_id == "0912345678" and "550" in (failed.error or "")
    code, out, _ = cli("notify", "--round", "AY113")
    assert "1 to send (1 failed before), 2 already sent" in out
    assert "(failed before: the server refused the address kuo@example.edu: 550" in out
    mailbox.refuse.clear()
    code, out, _ = cli("notify", "--round", "AY113", "--send", "--retry-failed")
    assert code == 0 and "1 sent, 0 failed" in out
    assert sorted(mailbox.to()) == [KUO, LIN, WANG]
    assert [r[2] for r in log_rows(department)].count("sent") == 3


def test_a_server_that_is_down_fails_every_message_once_and_a_rerun_sends(
    department, cli, mailbox, monkeypatch
):
    port = free_port()  # nothing listens there yet
    monkeypatch.setenv("CERTREVIEW_SMTP", f"smtp://127.0.0.1:{port}?starttls=0&from=a@b.edu")
    code, out, err = cli("notify", "--round", "AY113", "--send")
    assert code == 1
    assert "0 sent, 3 failed" in out
    assert err.count(f"cannot send through 127.0.0.1:{port}") == 3
    assert [r[2] for r in log_rows(department)] == ["failed"] * 3
    box = Mailbox()
    later = start_server(box, port=port)
    try:
        code, out, _ = cli("notify", "--round", "AY113", "--send")
    finally:
        later.stop()
    assert code == 0 and "3 sent, 0 failed" in out
    assert sorted(box.to()) == [KUO, LIN, WANG]
    assert [r[2] for r in log_rows(department)] == ["failed"] * 3 + ["sent"] * 3


def test_login_over_starttls_with_the_office_certificate(department, cli, tmp_path, monkeypatch):
    box = Mailbox()
    secure = start_server(box, login=True, tls="starttls", cert_dir=tmp_path)
    try:
        base = f"smtp://{USER.replace('@', '%40')}:{PASSWORD_QUOTED}@127.0.0.1:{secure.port}"
        monkeypatch.setenv("CERTREVIEW_SMTP", f"{base}?from=office@example.edu")
        code, out, err = cli("notify", "--round", "AY113", "--send")
        assert code == 1  # the certificate is the office's own: not trusted without cafile
        assert "CERTIFICATE_VERIFY_FAILED" in err
        assert box.messages == []
        monkeypatch.setenv(
            "CERTREVIEW_SMTP", f"{base}?from=office@example.edu&cafile={tmp_path / 'server.pem'}"
        )
        code, out, err = cli("notify", "--round", "AY113", "--send")
        assert code == 0, err
        assert "sending through smtp://office%40example.edu:***@127.0.0.1:" in out
        assert PASSWORD not in out + err
        assert sorted(box.to()) == [KUO, LIN, WANG]
    finally:
        secure.stop()


# aiosmtpd cannot tell implicit TLS from none when it checks its AUTH settings; the link is TLS.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtps_and_a_wrong_password(department, cli, tmp_path, monkeypatch):
    box = Mailbox()
    secure = start_server(box, login=True, tls="ssl", cert_dir=tmp_path)
    cafile = tmp_path / "server.pem"
    try:
        wrong = (
            f"smtps://office:nope@127.0.0.1:{secure.port}?from=office@example.edu&cafile={cafile}"
        )
        monkeypatch.setenv("CERTREVIEW_SMTP", wrong)
        code, out, err = cli("notify", "--round", "AY113", "--send")
        assert code == 1
        assert err.count("refused the login: 535") == 3  # tried once, the rest not tried
        assert "nope" not in out + err
        user = USER.replace("@", "%40")
        right = f"smtps://{user}:{PASSWORD_QUOTED}@127.0.0.1:{secure.port}?cafile={cafile}"
        monkeypatch.setenv("CERTREVIEW_SMTP", right)  # from: the login is an address
        code, out, err = cli("notify", "--round", "AY113", "--send")
        assert code == 0, err
        assert len(box.messages) == 3
        assert box.messages[0]["From"] == USER
    finally:
        secure.stop()


PASSWORD_QUOTED = "p%40ss%3Aw%C3%B6rd"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://mail.example.edu", "must start with smtp:// or smtps://"),
        ("smtp://mail.example.edu", "needs the sender's address: add ?from="),
        ("smtp://u:secret@mail.example.edu?starttls=0&from=a@b.edu", "refusing to send a password"),
        ("smtp://mail.example.edu?from=a@b.edu&tls=1", "unknown SMTP URL option tls"),
        ("smtp://mail.example.edu:99999?from=a@b.edu", "the SMTP URL is not valid"),
    ],
)
def test_a_bad_smtp_url_is_one_line_without_the_password(department, cli, monkeypatch, url, says):
    monkeypatch.setenv("CERTREVIEW_SMTP", url)
    code, _out, err = cli("notify", "--round", "AY113")
    assert code == 1
    assert says in err and len(err.strip().splitlines()) == 1
    assert "secret" not in err and "Traceback" not in err


def test_without_smtp_a_dry_run_works_and_send_says_what_to_set(department, cli, monkeypatch):
    monkeypatch.delenv("CERTREVIEW_SMTP")
    code, out, _ = cli("notify", "--round", "AY113")
    assert code == 0 and "CERTREVIEW_SMTP is not set" in out
    code, _, err = cli("notify", "--round", "AY113", "--send")
    assert code == 1 and "set CERTREVIEW_SMTP first" in err
    assert log_rows(department) == []


def test_an_unknown_round_and_the_default_round(department, cli):
    code, _, err = cli("notify", "--round", "AY999")
    assert code == 1 and "no round AY999: rounds with uploads are AY114, AY113" in err
    code, out, _ = cli("notify")  # the current round: AY114 has one undecided upload only
    assert code == 0 and "round AY114: 0 students" in out


def test_the_mail_speaks_traditional_chinese_by_default(department, mailbox):
    i18n.set_language("zh_TW")
    try:
        service = NotifyService(department)
        plan = service.plan("AY113")
        result = service.send(plan, "office-lin")
    finally:
        i18n.set_language(None)
    assert len(result.sent) == 3
    kuo = next(m for m in mailbox.messages if m["To"].addresses[0].addr_spec == KUO)
    assert kuo["Subject"] == "證照審核結果（AY113）：3 張證照"
    text = body(kuo)
    assert text.startswith("郭峯堃（0912345678）：AY113 證照審核結果。")
    assert "您已達到畢業證照門檻（AY111+ Day）。" in text
    # The language of the framing is not part of the notice: in English it is not sent again.
    assert NotifyService(department).plan("AY113").to_send == []


def test_purging_a_student_removes_the_mails_logged_for_them(department, cli):
    assert cli("notify", "--round", "AY113", "--send")[0] == 0
    code, _out, err = cli("purge", "--left-before", "113", "--yes")  # 王小明 left in AY112
    assert code == 0, err
    assert sorted(r[0] for r in log_rows(department)) == ["0912345678", "B11100003"]
