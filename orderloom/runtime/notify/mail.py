"""Sending plain-text mail over SMTP."""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

log = logging.getLogger(__name__)

TLS_MODES = ("none", "starttls", "ssl")
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    sender: str
    port: int = 25
    tls: str = "none"
    user: str | None = None
    password: str | None = field(default=None, repr=False)


class MailError(Exception):
    """The mail server could not be reached or refused the message."""


def send_mail(smtp: SmtpSettings, recipients: list[str], subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    message.set_content(body)
    try:
        if smtp.tls == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS)
        with client:
            if smtp.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            client.send_message(message)
    except smtplib.SMTPAuthenticationError:
        # The server's answer may echo what was sent; say only what went wrong.
        raise MailError(f"the mail server {smtp.host}:{smtp.port} refused the login of "
                        f"{smtp.user!r}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"sending mail through {smtp.host}:{smtp.port} failed: "
                        f"{type(exc).__name__}: {exc}") from None
    log.info("mail %r sent to %s recipient(s)", subject, len(recipients))
