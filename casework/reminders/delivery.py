"""Delivery backends behind one small interface: ``Backend.send(message)``.

- ``OutboxBackend``: files in a local folder (the embedded default), shown to admins;
- ``SmtpBackend``: staff mail (and victim email) through an SMTP relay, with ``smtplib``;
- ``NotifyBackend``: victim email and text messages through GOV.UK Notify's official client.

A backend raises ``DeliveryError`` when trying again later may work (the send task retries with
backoff) and ``Undeliverable`` when it never will (the reminder is marked failed at once).
"""

from __future__ import annotations

import os
import smtplib
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol

from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from casework.cases.registry import Audience
from casework.db import utcnow
from casework.reminders.models import Channel

REMINDER_HEADER = "X-Casework-Reminder"
AUDIENCE_HEADER = "X-Casework-Audience"
CHANNEL_HEADER = "X-Casework-Channel"


class DeliveryError(Exception):
    """The message was not sent this time; a later attempt may succeed."""


class Undeliverable(Exception):
    """The message can never be sent as it stands (no such channel on this backend, a refused address)."""


@dataclass(frozen=True)
class Message:
    """One message ready to go: where, what, and (for Notify templates) the personalisation."""

    reminder_id: int
    audience: Audience
    channel: Channel
    to: str
    subject: str
    body: str
    personalisation: dict[str, str] = field(default_factory=dict)


class Backend(Protocol):
    """Anything that can deliver a ``Message``."""

    name: str

    def send(self, message: Message) -> None:
        """Deliver ``message`` or raise ``DeliveryError`` / ``Undeliverable``."""


def _email(message: Message, sender: str) -> EmailMessage:
    email = EmailMessage(policy=default_policy)
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = make_msgid(idstring=f"reminder-{message.reminder_id}")
    email[REMINDER_HEADER] = str(message.reminder_id)
    email[AUDIENCE_HEADER] = message.audience.value
    email[CHANNEL_HEADER] = message.channel.value
    email.set_content(message.body)
    return email


class OutboxBackend:
    """Writes each message as an ``.eml`` file in a folder (atomically: written aside, then renamed)."""

    name = "outbox"

    def __init__(self, folder: str | Path, sender: str) -> None:
        self.folder = Path(folder)
        self.sender = sender

    def send(self, message: Message) -> None:
        """Write the message to the outbox folder."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
            final = self.folder / f"{stamp}-reminder-{message.reminder_id}-{message.channel.value}.eml"
            partial = self.folder / f".{uuid.uuid4().hex}.part"
            partial.write_bytes(bytes(_email(message, self.sender)))
            os.replace(partial, final)
        except OSError as error:
            raise DeliveryError(f"could not write to the outbox: {error}") from error


class SmtpBackend:
    """Sends email through an SMTP server (STARTTLS and sign-in when configured). No text messages."""

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        use_tls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.use_tls = use_tls
        self.username = username
        self.password = password
        self.timeout = timeout

    def send(self, message: Message) -> None:
        """Hand the message to the SMTP server; any SMTP or network failure is worth retrying."""
        if message.channel != Channel.EMAIL:
            raise Undeliverable("text messages need GOV.UK Notify (NOTIFY_API_KEY); SMTP carries email only")
        smtp = smtplib.SMTP(timeout=self.timeout)
        try:
            smtp.connect(self.host, self.port)
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(_email(message, self.sender))
        except (smtplib.SMTPException, OSError) as error:
            smtp.close()
            raise DeliveryError(f"SMTP {self.host}:{self.port}: {error}") from error
        # Accepted: a failure to say goodbye must not count as a failed send (it would be sent twice).
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


class NotifyBackend:
    """GOV.UK Notify through its official client: one email template and one text message template."""

    name = "notify"

    def __init__(
        self,
        api_key: str,
        *,
        email_template_id: str,
        sms_template_id: str,
        base_url: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        options: dict[str, Any] = {"timeout": timeout}
        if base_url:
            options["base_url"] = base_url
        self.client = NotificationsAPIClient(api_key, **options)
        self.email_template_id = email_template_id
        self.sms_template_id = sms_template_id

    def send(self, message: Message) -> None:
        """Ask Notify to send the templated message; 4xx refusals are final, others are retried."""
        reference = f"reminder-{message.reminder_id}"
        try:
            if message.channel == Channel.SMS:
                self.client.send_sms_notification(
                    phone_number=message.to,
                    template_id=self.sms_template_id,
                    personalisation=message.personalisation,
                    reference=reference,
                )
            else:
                self.client.send_email_notification(
                    email_address=message.to,
                    template_id=self.email_template_id,
                    personalisation=message.personalisation,
                    reference=reference,
                )
        except APIError as error:
            if 400 <= error.status_code < 500 and error.status_code != 429:
                raise Undeliverable(f"GOV.UK Notify refused the message: {error}") from error
            raise DeliveryError(f"GOV.UK Notify: {error}") from error


def staff_backend(config: dict[str, Any]) -> Backend:
    """SMTP when ``MAIL_SERVER`` is set, otherwise the local outbox folder."""
    if config.get("MAIL_SERVER"):
        return SmtpBackend(
            config["MAIL_SERVER"],
            int(config["MAIL_PORT"]),
            sender=config["MAIL_FROM"],
            use_tls=bool(config["MAIL_USE_TLS"]),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            timeout=float(config["MAIL_TIMEOUT_SECONDS"]),
        )
    return OutboxBackend(config["OUTBOX_DIR"], config["MAIL_FROM"])


def victim_backend(config: dict[str, Any]) -> Backend:
    """GOV.UK Notify when ``NOTIFY_API_KEY`` is set, otherwise the same backend as staff mail."""
    if config.get("NOTIFY_API_KEY"):
        return NotifyBackend(
            config["NOTIFY_API_KEY"],
            email_template_id=config["NOTIFY_EMAIL_TEMPLATE_ID"],
            sms_template_id=config["NOTIFY_SMS_TEMPLATE_ID"],
            base_url=config.get("NOTIFY_BASE_URL"),
            timeout=float(config["MAIL_TIMEOUT_SECONDS"]),
        )
    return staff_backend(config)


@dataclass(frozen=True)
class OutboxEntry:
    """One file of the outbox as an admin sees it (the recipient of a victim message is withheld)."""

    name: str
    sent_at: Any
    to: str
    subject: str
    body: str
    audience: str
    channel: str


def read_outbox(folder: str | Path, limit: int = 100) -> list[OutboxEntry]:
    """The newest ``limit`` messages in the outbox folder, newest first."""
    path = Path(folder)
    if not path.is_dir():
        return []
    files = sorted(path.glob("*.eml"), reverse=True)[:limit]
    entries = []
    for file in files:
        email = message_from_bytes(file.read_bytes(), policy=default_policy)
        audience = str(email.get(AUDIENCE_HEADER, ""))
        body = email.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
        entries.append(
            OutboxEntry(
                name=file.name,
                sent_at=parsedate_to_datetime(str(email["Date"])) if email["Date"] else None,
                to="The victim (contact details withheld)" if audience == Audience.VICTIM else str(email["To"]),
                subject=str(email["Subject"]),
                body=body.get_content() if body is not None else "",
                audience=audience,
                channel=str(email.get(CHANNEL_HEADER, "")),
            )
        )
    return entries
