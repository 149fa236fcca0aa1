"""The notices panel, driven through its buttons with a real database and a loopback SMTP server."""

from __future__ import annotations

from reporting_department import standard_department
from sqlalchemy import select

from certreview import i18n
from certreview.store.models import NoticeLog
from certreview.widgets.notify import NotifyPanel
from certreview.workspace import Workspace


def panel_for(workspace: Workspace, mail_server, **kwargs) -> NotifyPanel:
    with workspace.Session.begin() as s:
        standard_department(s)
    url = f"smtp://127.0.0.1:{mail_server.port}?starttls=0&from=office@example.edu"
    panel = NotifyPanel(workspace, smtp_url=url, current_year=114, **kwargs)
    panel.sent_by.value = "office-lin"
    return panel


def test_the_panel_previews_the_current_round_and_counts(workspace, mail_server, mailbox) -> None:
    panel = panel_for(workspace, mail_server)
    assert panel.round.options[0] == ("AY114 (current round)", "AY114")
    assert "round AY114: 0 students" in panel.counts.value
    assert panel.send_button.disabled
    panel.round.value = "AY113"
    assert "3 to send (0 failed before), 0 already sent, 3 without e-mail" in panel.counts.value
    assert "Dry run — the first 3 of 3 e-mails:" in panel.preview.value
    assert "郭峯堃 &lt;kuo@example.edu&gt;" in panel.preview.value
    assert "=HYPERLINK(&quot;x&quot;)" in panel.without.value  # escaped
    assert "Without e-mail (3)" in panel.without.value
    assert "Server: smtp://127.0.0.1:" in panel.server.value
    assert panel.send_button.description == "Send 3 e-mails"
    assert panel.retry_button.disabled
    assert mailbox.messages == []


def test_send_asks_first_then_sends_logs_and_shows_results(workspace, mail_server, mailbox) -> None:
    panel = panel_for(workspace, mail_server)
    panel.round.value = "AY113"
    panel.send_button.click()
    assert panel.confirm.layout.display == "flex"
    assert "Send 3 e-mails to students now?" in panel.question.value
    panel.no_button.click()
    assert panel.confirm.layout.display == "none" and mailbox.messages == []
    panel.send_button.click()
    panel.yes_button.click()
    assert len(mailbox.messages) == 3
    assert (panel.progress.value, panel.progress.max) == (3, 3)
    assert "3 sent, 0 failed" in panel.results.value
    assert "0 to send (0 failed before), 3 already sent" in panel.counts.value
    assert panel.send_button.disabled
    with workspace.Session() as s:
        assert s.scalars(select(NoticeLog.sent_by).distinct()).all() == ["office-lin"]


def test_retry_failed_sends_only_what_failed(workspace, mail_server, mailbox) -> None:
    panel = panel_for(workspace, mail_server)
    panel.round.value = "AY113"
    mailbox.refuse.add("lin@example.edu")
    panel.send_button.click()
    panel.yes_button.click()
    assert "2 sent, 1 failed" in panel.results.value
    assert "not sent to B11100003 lin@example.edu" in panel.results.value
    assert "(failed before: the server refused the address" in panel.preview.value
    assert panel.retry_button.description == "Retry failed (1)"
    mailbox.refuse.clear()
    panel.retry_button.click()
    assert "Send 1 e-mails to students now?" in panel.question.value
    panel.yes_button.click()
    assert "1 sent, 0 failed" in panel.results.value
    assert sorted(mailbox.to()) == ["kuo@example.edu", "lin@example.edu", "wang@example.edu"]
    assert panel.retry_button.disabled


def test_without_a_server_setting_the_panel_says_what_to_set(workspace, monkeypatch) -> None:
    monkeypatch.delenv("CERTREVIEW_SMTP", raising=False)
    with workspace.Session.begin() as s:
        standard_department(s)
    panel = NotifyPanel(workspace, current_year=114)
    panel.round.value = "AY113"
    assert "CERTREVIEW_SMTP is not set" in panel.server.value
    panel.sent_by.value = "office-lin"
    panel.send_button.click()
    panel.yes_button.click()
    assert "Not sent: set CERTREVIEW_SMTP first" in panel.message.value
    panel.sent_by.value = " "
    panel.send_button.click()
    assert "Type your name" in panel.message.value


def test_the_panel_speaks_traditional_chinese(workspace, mail_server) -> None:
    i18n.set_language("zh_TW")
    try:
        panel = panel_for(workspace, mail_server)
        panel.round.value = "AY113"
        assert panel.round.options[0][0] == "AY114（本梯次）"
        assert "AY113 梯次：6 位學生 — 待寄 3 封（其中先前失敗 0 封）" in panel.counts.value
        assert panel.send_button.description == "寄出 3 封郵件"
        assert "名冊上沒有電子郵件" in panel.without.value
    finally:
        i18n.set_language(None)
