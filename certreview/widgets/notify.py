"""The notices panel: choose a round, preview the e-mails, see the counts, send (after a yes), retry."""

from __future__ import annotations

import ipywidgets as w

from certreview.i18n import _
from certreview.reports.notify import Notice, NoticePlan, NotifyService, SendResult, Templates
from certreview.widgets import html
from certreview.widgets.guard import DatabaseGuard
from certreview.widgets.workbench import default_reviewer
from certreview.workspace import Workspace

PREVIEWED = 3
GREEN, RED, GREY = "#2e7d32", "#c62828", "#555555"


class NotifyPanel(w.VBox):
    """E-mail each student their notice of a round: a dry-run preview first, Send after a yes."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        smtp_url: str | None = None,
        current_year: int | None = None,
        templates: Templates = None,
    ) -> None:
        self.service = NotifyService(workspace, smtp_url, templates)
        self.current_year = current_year
        self.plan: NoticePlan | None = None
        self.result: SendResult | None = None
        self.only_failed = False
        rounds = self.service.rounds()
        self.round = w.Dropdown(
            options=[
                (_("{round} (current round)").format(round=r) if i == 0 else r, r)
                for i, r in enumerate(rounds)
            ],
            description=_("Round"),
        )
        self.sent_by = w.Text(
            value=default_reviewer(), placeholder=_("your name"), description=_("Sent by")
        )
        self.refresh_button = w.Button(description=_("Preview"), icon="eye")
        self.counts = w.HTML()
        self.server = w.HTML()
        self.preview = w.HTML(layout=w.Layout(max_height="420px", overflow="auto"))
        self.without = w.HTML()
        self.send_button = w.Button(description=_("Send"), button_style="primary", icon="envelope")
        # As wide as its words: "重寄失敗的郵件（0）" was cut to "重寄失敗的郵件…".
        self.retry_button = w.Button(
            description=_("Retry failed"), icon="redo", layout=w.Layout(width="auto")
        )
        self.question = w.HTML()
        self.yes_button = w.Button(description=_("Yes, send"), button_style="danger")
        self.no_button = w.Button(description=_("Cancel"))
        self.confirm = w.HBox([self.question, self.yes_button, self.no_button])
        self.confirm.layout.display = "none"
        self.progress = w.IntProgress(value=0, min=0, max=1, description=_("Sent"))
        self.progress.layout.visibility = "hidden"
        self.results = w.HTML()
        self.message = w.HTML()
        self.round.observe(lambda _change: self.refresh(), names="value")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.send_button.on_click(lambda _b: self.ask(only_failed=False))
        self.retry_button.on_click(lambda _b: self.ask(only_failed=True))
        self.yes_button.on_click(lambda _b: self.send_now())
        self.no_button.on_click(lambda _b: self.cancel())
        super().__init__(
            [
                w.HBox([self.round, self.sent_by, self.refresh_button]),
                self.counts,
                self.server,
                self.preview,
                self.without,
                w.HBox([self.send_button, self.retry_button]),
                self.confirm,
                self.progress,
                self.results,
                self.message,
            ]
        )
        self.refresh()

    def refresh(self) -> None:
        """Plan the chosen round again: counts, the first e-mails, who has no address."""
        self.confirm.layout.display = "none"
        self.message.value = ""
        if self.round.value is None:
            self.plan = None
            self.counts.value = _say(_("No uploads yet: there are no notices to send."), GREY)
            self._buttons()
            return
        with DatabaseGuard([self.say], _("Not loaded"), _("Press Preview to try again.")):
            self.plan = self.service.plan(self.round.value, self.current_year)
        plan = self.plan
        if plan is None:
            return
        self.counts.value = f"<b>{html.esc(plan.summary())}</b>"
        self.server.value = self._server_line()
        shown = plan.to_send[:PREVIEWED]
        if shown:
            heading = _("Dry run — the first {n} of {total} e-mails:").format(
                n=len(shown), total=len(plan.to_send)
            )
            self.preview.value = f"<p>{html.esc(heading)}</p>" + "".join(
                _preview_html(n) for n in shown
            )
        else:
            self.preview.value = _say(_("Nothing to send: every notice has gone out."), GREY)
        self.without.value = _without_html(plan.without_email)
        self._buttons()

    def ask(self, only_failed: bool) -> None:
        """Ask for a yes before sending (ONLY_FAILED: only the notices that failed)."""
        if self.plan is None:
            return
        if not self.sent_by.value.strip():
            self.say(_("Type your name in “Sent by” first."))
            return
        chosen = self.plan.failed if only_failed else self.plan.to_send
        self.only_failed = only_failed
        self.question.value = _("Send {n} e-mails to students now?").format(n=len(chosen))
        self.confirm.layout.display = "flex"

    def cancel(self) -> None:
        """Close the question; nothing is sent."""
        self.confirm.layout.display = "none"
        self.say(_("Not sent."), GREY)

    def send_now(self) -> SendResult | None:
        """Send (after the yes), with progress; show what was sent and what failed, then re-plan."""
        self.confirm.layout.display = "none"
        if self.plan is None:
            return None
        self.progress.value, self.progress.layout.visibility = 0, "visible"
        self.result = None
        with DatabaseGuard([self.say], _("Not all logged"), _("Press Preview, then Send again.")):
            try:
                self.result = self.service.send(
                    self.plan,
                    self.sent_by.value.strip(),
                    only_failed=self.only_failed,
                    progress=self._step,
                )
            except ValueError as exc:  # no or a bad CERTREVIEW_SMTP
                self.say(_("Not sent: {error}").format(error=exc))
                return None
        result = self.result
        if result is None:
            return None
        lines = [_say(result.summary(), RED if result.failed else GREEN)]
        lines += [
            _say(
                _("not sent to {student_id} {email}: {error}").format(
                    student_id=n.student_id, email=n.email, error=error
                ),
                RED,
            )
            for n, error in result.failed
        ]
        self.refresh()
        self.results.value = "<br>".join(lines)
        return result

    def say(self, text: str, colour: str = RED) -> None:
        """Show a one-line message under the panel (escaped)."""
        self.message.value = _say(text, colour)

    def _step(self, done: int, total: int) -> None:
        self.progress.max = max(total, 1)
        self.progress.value = done

    def _buttons(self) -> None:
        plan = self.plan
        to_send = len(plan.to_send) if plan else 0
        failed = len(plan.failed) if plan else 0
        self.send_button.description = _("Send {n} e-mails").format(n=to_send)
        self.send_button.disabled = to_send == 0
        self.retry_button.description = _("Retry failed ({n})").format(n=failed)
        self.retry_button.disabled = failed == 0

    def _server_line(self) -> str:
        try:
            smtp = self.service.smtp()
        except ValueError as exc:
            return _say(_("CERTREVIEW_SMTP is not usable: {error}").format(error=exc), RED)
        if smtp is None:
            return _say(
                _("CERTREVIEW_SMTP is not set: set it before sending (see the README)."), RED
            )
        return _say(_("Server: {server}").format(server=smtp.display()), GREY)


def _preview_html(notice: Notice) -> str:
    """Return one e-mail as the student will read it (escaped)."""
    before = ""
    if notice.last_status == "failed":
        before = _say(_("(failed before: {error})").format(error=notice.last_error), RED)
    to, subject = html.esc(_("To:")), html.esc(_("Subject:"))
    return (
        "<div style='border:1px solid #ccc;margin:6px 0;padding:6px'>"
        f"<div><b>{to}</b> {html.esc(notice.recipient)}</div>"
        f"<div><b>{subject}</b> {html.esc(notice.subject)}</div>{before}"
        f"<pre style='white-space:pre-wrap;margin:6px 0 0'>{html.esc(notice.body)}</pre></div>"
    )


def _without_html(notices: list[Notice]) -> str:
    if not notices:
        return ""
    items = "".join(
        f"<li>{html.esc(n.student_id)} {html.esc(n.name)} — {html.esc(n.problem)}</li>"
        for n in notices
    )
    title = _("Without e-mail ({n}): tell them another way").format(n=len(notices))
    return f"<p><b>{html.esc(title)}</b></p><ul>{items}</ul>"


def _say(text: str, colour: str) -> str:
    return f"<span style='color:{colour}'>{html.esc(text)}</span>"
