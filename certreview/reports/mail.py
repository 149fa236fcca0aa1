"""E-mail over SMTP: the server from a `CERTREVIEW_SMTP` URL, plain-text UTF-8 messages, one connection.

The URL (user names and passwords percent-encoded, e.g. `@` as `%40`)::

    smtp://USER:PASSWORD@HOST[:PORT]?from=office@example.edu     STARTTLS, port 587 by default
    smtps://USER:PASSWORD@HOST[:PORT]?from=office@example.edu    TLS from the start, port 465
    smtp://HOST:25?starttls=0&from=office@example.edu             no encryption (a local relay)

Other query keys: `timeout` (seconds, default 30) and `cafile` (a PEM file of the certificate
authority that signed the server's certificate, for an office server with its own certificate).
A password is never sent unencrypted except to this machine (localhost), and never printed:
`SmtpSettings.display()` shows `***` in its place.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from types import TracebackType
from urllib.parse import parse_qs, quote, unquote, urlsplit

from certreview.i18n import _

SMTP_ENV = "CERTREVIEW_SMTP"
QUERY_KEYS = ("from", "starttls", "timeout", "cafile")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class MailError(ValueError):
    """An SMTP setting that cannot be used; str() is one line saying what to change."""


class SendFailure(Exception):
    """One message was not sent; str() is the one-line reason kept in the notice log.

    `fatal` means the server cannot be used at all (down, wrong password, bad certificate),
    so the messages after this one would fail the same way.
    """

    def __init__(self, reason: str, *, fatal: bool) -> None:
        super().__init__(reason)
        self.fatal = fatal


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: server, encryption, login and the sender's address."""

    host: str
    port: int
    security: str  # starttls | ssl | none
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    cafile: str | None = None

    def display(self) -> str:
        """Return the server as it may be printed: the URL with `***` for the password."""
        scheme = "smtps" if self.security == "ssl" else "smtp"
        login = ""
        if self.username:
            login = quote(self.username, safe="") + (":***" if self.password else "") + "@"
        query = f"from={self.sender}"
        if self.security == "none":
            query = "starttls=0&" + query
        return f"{scheme}://{login}{self.host}:{self.port}?{query}"


def smtp_settings(url: str | None = None) -> SmtpSettings | None:
    """Return the settings of URL, else of $CERTREVIEW_SMTP; None when neither is set."""
    url = (url or os.environ.get(SMTP_ENV) or "").strip()
    return parse_smtp_url(url) if url else None


def parse_smtp_url(url: str) -> SmtpSettings:
    """Return the settings an SMTP URL describes, or raise MailError saying what is wrong.

    >>> s = parse_smtp_url("smtp://office%40example.edu:s3cret@mail.example.edu?from=office@example.edu")
    >>> s.host, s.port, s.security, s.username, s.display()
    ('mail.example.edu', 587, 'starttls', 'office@example.edu', 'smtp://office%40example.edu:***@mail.example.edu:587?from=office@example.edu')
    """
    example = "smtp://user:password@mail.example.edu:587?from=office@example.edu"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise MailError(
            _("the SMTP URL is not valid — write it like {example}").format(example=example)
        ) from None
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise MailError(
            _(
                "the SMTP URL must start with smtp:// or smtps:// and name a server, e.g. {example}"
            ).format(example=example)
        )
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - set(QUERY_KEYS))
    if unknown:
        raise MailError(
            _("unknown SMTP URL option {option}: use {options}").format(
                option=unknown[0], options=", ".join(QUERY_KEYS)
            )
        )
    security = "ssl" if parts.scheme == "smtps" else "starttls"
    if "starttls" in query:
        flag = query["starttls"].strip().lower()
        if flag not in {"0", "1", "yes", "no", "true", "false"} or security == "ssl":
            raise MailError(
                _("starttls=1 or starttls=0 goes with smtp:// only (smtps:// is encrypted anyway)")
            )
        security = "starttls" if flag in {"1", "yes", "true"} else "none"
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    sender = query.get("from") or (username if username and "@" in username else "")
    if not _is_address(parseaddr(sender)[1]):
        raise MailError(_("the SMTP URL needs the sender's address: add ?from=office@example.edu"))
    try:
        timeout = float(query.get("timeout", 30))
    except ValueError:
        timeout = -1.0
    if not 0 < timeout <= 600:
        raise MailError(_("timeout in the SMTP URL must be seconds between 1 and 600"))
    host = parts.hostname
    if password and security == "none" and not _is_loopback(host):
        raise MailError(
            _(
                "refusing to send a password unencrypted to {host}: remove starttls=0 "
                "or use smtps://"
            ).format(host=host)
        )
    cafile = query.get("cafile")
    if cafile and not os.path.isfile(cafile):
        raise MailError(_("cafile {path} in the SMTP URL is not a file").format(path=cafile))
    return SmtpSettings(
        host=host,
        port=port or DEFAULT_PORTS[security],
        security=security,
        sender=sender,
        username=username,
        password=password,
        timeout=timeout,
        cafile=cafile,
    )


def email_problem(address: str | None) -> str:
    """Return why ADDRESS cannot be written to ("" when it can).

    >>> email_problem("lin@example.edu"), bool(email_problem("a@x.edu; b@y.edu"))
    ('', True)
    """
    text = (address or "").strip()
    if not text:
        return _("no e-mail on the roster")
    if not _is_address(text):
        return _("not one e-mail address: {text}").format(text=text)
    return ""


def build_message(settings: SmtpSettings, to: str, subject: str, body: str) -> EmailMessage:
    """Return a plain-text UTF-8 message from the office to one student."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body, charset="utf-8")
    return message


class Mailer:
    """One SMTP connection for a batch of messages: opened on the first send, reopened once if lost."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        """Send MESSAGE, or raise SendFailure with the reason in one line."""
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                refused = self._smtp.send_message(message)
            except smtplib.SMTPServerDisconnected as exc:
                self._smtp = None
                if attempt == 2:
                    raise SendFailure(self._where(exc), fatal=True) from None
                continue  # the server hung up between messages: reconnect once
            except smtplib.SMTPRecipientsRefused as exc:
                raise SendFailure(_refused(exc.recipients), fatal=False) from None
            except smtplib.SMTPResponseException as exc:
                raise SendFailure(_reply(exc.smtp_code, exc.smtp_error), fatal=False) from None
            except (smtplib.SMTPNotSupportedError, UnicodeError) as exc:
                # An address in Chinese to a server without SMTPUTF8: this message only.
                raise SendFailure(str(exc), fatal=False) from None
            except (smtplib.SMTPException, OSError) as exc:
                self.close()
                raise SendFailure(self._where(exc), fatal=True) from None
            if refused:  # some recipients refused, others taken: one recipient here
                raise SendFailure(_refused(refused), fatal=False)
            return

    def close(self) -> None:
        """Say goodbye to the server (quietly: the messages are already sent or logged)."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context(cafile=s.cafile)
        smtp: smtplib.SMTP | None = None
        try:
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=context)
            if s.username:
                _login(smtp, s.username, s.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            if smtp is not None:
                smtp.close()  # a half-open (TLS) socket would linger until collected
            if isinstance(exc, smtplib.SMTPAuthenticationError):
                reason = _("the server {server} refused the login: {reply}").format(
                    server=f"{s.host}:{s.port}", reply=_reply(exc.smtp_code, exc.smtp_error)
                )
            else:
                reason = self._where(exc)
            raise SendFailure(reason, fatal=True) from None
        return smtp

    def _where(self, exc: BaseException) -> str:
        s = self.settings
        detail = _reply(exc.smtp_code, exc.smtp_error) if hasattr(exc, "smtp_code") else str(exc)
        if isinstance(exc, socket.timeout | TimeoutError):
            detail = _("no answer within {seconds:g} s").format(seconds=s.timeout)
        return _("cannot send through {server}: {detail}").format(
            server=f"{s.host}:{s.port}", detail=detail or type(exc).__name__
        )


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Log in; a name or password beyond ASCII goes as UTF-8 AUTH PLAIN (smtplib sends ASCII only)."""
    if (username + password).isascii():
        smtp.login(username, password)
        return
    smtp.ehlo_or_helo_if_needed()
    if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPException(
            _("the server offers no AUTH PLAIN, needed for a password beyond ASCII")
        )
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}"


def _refused(recipients: dict[str, tuple[int, bytes]]) -> str:
    address, (code, text) = next(iter(recipients.items()))
    return _("the server refused the address {address}: {reply}").format(
        address=address, reply=_reply(code, text)
    )


def _is_address(text: str) -> bool:
    """Return whether TEXT is one plain address with a dotted domain (as mail servers take it)."""
    try:
        address = Address(addr_spec=text)
    except (ValueError, IndexError, HeaderParseError):
        return False
    return bool(address.username) and "." in address.domain.strip(".")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
