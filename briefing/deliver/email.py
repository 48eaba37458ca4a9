"""Sends a rendered edition to its subscribers by email, once per (edition, recipient).

Knows editions on disk (`briefing.json`, `email.html`, `email.txt`), MIME, unsubscribe tokens and the send
ledger; SMTP itself is behind `briefing.deliver.smtp`. It does not render: the HTML arrives inlined once per
edition, and per-recipient work is substituting the unsubscribe link for `UNSUBSCRIBE_PLACEHOLDER`.

Exactly once, as far as SMTP allows: before a message goes out its intent is committed (`sending`); the moment
the server answers 250 it is committed as `sent`, and reruns skip it. The only duplicate window is a crash
between the server's acceptance and that commit (a few milliseconds); a rerun then sends that one recipient
again with the same Message-ID, reports it under `resent`, and mail clients that de-duplicate by Message-ID
show it once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from email import quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path
from string import Formatter
from urllib.parse import quote
from zoneinfo import ZoneInfo

from briefing.config import EmailSettings, Settings
from briefing.deliver.headers import header_text
from briefing.deliver.smtp import ConnectSmtpError, Mailer, PermanentSmtpError, TransientSmtpError
from briefing.errors import ConfigError, DeliveryError
from briefing.models import Edition, SendFailure, SendReport, SendStatus, Subscriber, edition_from_dict
from briefing.store import Store
from briefing.subscribers import is_address, load_subscribers

log = logging.getLogger(__name__)

UNSUBSCRIBE_PLACEHOLDER = "%%UNSUBSCRIBE_URL%%"  # templates put this where the unsubscribe link goes
SUBJECT_FIELDS = ("title", "top_story", "date", "edition", "name")
Sleep = Callable[[float], None]
WIRE_POLICY = SMTP.clone(refold_source="none")  # CRLF; headers set raw are sent as composed


@dataclass(frozen=True)
class EditionMail:
    """An edition as email bodies: read once, shared by every recipient without a sections filter."""

    edition: Edition
    folder: Path
    text: str
    html: str


# ------------------------------------------------------------------------------------------- entry point


def send_edition(
    edition: str | Path,
    settings: Settings,
    store: Store,
    *,
    now: datetime,
    dry_run: bool = False,
    to: str | None = None,
    sleep: Sleep = time.sleep,
) -> SendReport:
    """Email one edition (an id under `outputs/editions/`, or its folder) to every subscriber not yet sent it.

    `dry_run` writes one `.eml` per recipient under the edition's `outbox/` and records nothing; `to` sends a
    single test copy to that address, not recorded and not checked against the suppression list.
    """
    mail = load_edition_mail(edition, settings.outputs_path)
    if not mail.edition.stories and to is None and not dry_run:
        raise DeliveryError(
            f"edition {mail.edition.id} has no stories: nothing was sent",
            hint="check `briefing feeds` for failing feeds; `--to ADDR` still sends a test copy",
        )
    composer = _Composer(mail, settings, now)
    recipients = [_test_recipient(to)] if to is not None else load_subscribers(settings)
    if dry_run:
        return _write_outbox(mail, composer, recipients, store, record=to is None)
    ca_file = settings.resolve(settings.email.smtp.ca_file) if settings.email.smtp.ca_file else None
    with Mailer(settings.email.smtp, settings.smtp_password, ca_file) as mailer:
        sender = _Sender(mail.edition.id, settings.email, store, mailer, composer, now, sleep)
        if to is not None:
            return sender.send_test(recipients[0])
        return sender.send_all(recipients)


# --------------------------------------------------------------------------------------- reading editions


def edition_folder(edition: str | Path, outputs: Path) -> Path:
    """An edition id or folder -> its folder; DeliveryError if it has not been built."""
    folder = Path(edition) if isinstance(edition, Path) else outputs / "editions" / edition
    if not (folder / "briefing.json").is_file():
        raise DeliveryError(f"no built edition at {folder}", hint="run `briefing build` first, or check the id")
    return folder


def latest_edition_id(outputs: Path) -> str:
    """The most recently generated edition under `outputs/editions/`."""
    newest: tuple[str, str] | None = None
    for path in (outputs / "editions").glob("*/briefing.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            key = (str(data["generated_at"]), str(data["id"]))
        except (OSError, ValueError, KeyError) as error:
            log.warning("skipping %s: %s", path, error)
            continue
        newest = key if newest is None or key > newest else newest
    if newest is None:
        raise DeliveryError(f"no edition has been built under {outputs / 'editions'}", hint="run `briefing build`")
    return newest[1]


def load_edition_mail(edition: str | Path, outputs: Path) -> EditionMail:
    folder = edition_folder(edition, outputs)
    try:
        model = edition_from_dict(json.loads((folder / "briefing.json").read_text(encoding="utf-8")))
        text = (folder / "email.txt").read_text(encoding="utf-8")
        body = (folder / "email.html").read_text(encoding="utf-8")
    except (OSError, ValueError, KeyError) as error:
        raise DeliveryError(f"cannot read the edition at {folder}: {error}", hint="rebuild it") from error
    return EditionMail(model, folder, text, body)


# ------------------------------------------------------------------------------------ unsubscribe tokens


def unsubscribe_token(address: str, secret: str) -> str:
    """A per-recipient token that names the address and proves we issued it (HMAC-SHA256, 128 bits kept)."""
    normalised = address.strip().lower()
    return f"{_b64(normalised.encode())}.{_b64(_mac(normalised, secret))}"


def address_from_token(token: str, secret: str) -> str | None:
    """The address a token was issued for, or None if it was not issued with this secret."""
    if not token.isascii():  # never issued by us; and hmac.compare_digest refuses non-ASCII strings
        return None
    encoded, _, signature = token.partition(".")
    try:
        address = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return address if hmac.compare_digest(signature, _b64(_mac(address, secret))) else None


def _mac(address: str, secret: str) -> bytes:
    return hmac.new(secret.encode(), b"unsubscribe\0" + address.encode(), hashlib.sha256).digest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# ------------------------------------------------------------------------------------------- composing


class _Composer:
    """Builds each recipient's message; everything that does not depend on the recipient is worked out once."""

    def __init__(self, mail: EditionMail, settings: Settings, now: datetime) -> None:
        self._mail = mail
        self._settings = settings
        self._email = settings.email
        self._secret = settings.unsubscribe_secret
        self._from = _from_address(self._email)
        self._date = format_datetime(now)
        self._list_id = _list_id(self._email, mail.edition, self._from)
        self._mailto = self._email.unsubscribe_mailto or self._from.addr_spec
        self._variants: dict[tuple[str, ...], _Variant] = {}
        self._boundary = f"==briefing-{hashlib.sha256(mail.edition.id.encode()).hexdigest()[:24]}=="
        _check_unsubscribe_config(self._email, self._secret)
        self._full = self._make_variant(mail.edition, mail.text, mail.html)

    @property
    def sender(self) -> str:
        return self._from.addr_spec

    def message_id(self, recipient: str) -> str:
        """Stable for (edition, recipient), so a resend after a crash is recognisably the same message."""
        digest = hashlib.sha256(f"{self._mail.edition.id}\0{recipient.lower()}".encode()).hexdigest()[:24]
        safe_id = re.sub(r"[^A-Za-z0-9.-]", "-", self._mail.edition.id)
        return f"<{safe_id}.{digest}@{self._from.domain or 'localhost'}>"

    def compose(self, subscriber: Subscriber) -> bytes:
        """The message as sent (CRLF): headers built and folded by `EmailMessage` (the shared ones once per
        variant), then a multipart/alternative body assembled from the variant's pre-encoded parts."""
        web_url, mailto_url = self._unsubscribe_urls(subscriber.email)
        variant = self._variant(subscriber.sections)
        message = EmailMessage()
        message["To"] = Address(display_name=_one_line(subscriber.name or ""), addr_spec=subscriber.email)
        message.set_raw("Message-ID", self.message_id(subscriber.email))
        # Raw, folded after the comma: an https URL is one long word the header folder would otherwise turn
        # into RFC 2047 encoded-words, which no client reads as a List-Unsubscribe URL.
        message.set_raw("List-Unsubscribe", ",\n ".join(f"<{url}>" for url in (web_url, mailto_url) if url))
        head = variant.shared_head + _folded(message)
        return head + b"\r\n" + _alternative_body(self._boundary, variant, web_url or mailto_url)

    def _make_variant(self, edition: Edition, text: str, body: str) -> _Variant:
        message = EmailMessage()
        message["Subject"] = _subject(self._email.subject, edition)
        message["From"] = self._from
        message["Date"] = self._date
        message["List-Id"] = self._list_id
        if self._email.unsubscribe_url:  # RFC 8058: one-click needs an https URL that accepts a POST
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["MIME-Version"] = "1.0"
        # text first, HTML last: clients show the last part they can render
        message["Content-Type"] = f'multipart/alternative; boundary="{self._boundary}"'
        return _Variant(_folded(message), _qp_pieces(text), _qp_pieces(body))

    def _unsubscribe_urls(self, address: str) -> tuple[str | None, str]:
        token = unsubscribe_token(address, self._secret) if self._secret else None
        mailto = f"mailto:{self._mailto}?subject={quote('unsubscribe ' + (token or address))}"
        template = self._email.unsubscribe_url
        if template is None:
            return None, mailto
        return template.replace("{token}", quote(token or "", safe="")), mailto

    def _variant(self, sections: tuple[str, ...] | None) -> _Variant:
        """The subject and bodies for a sections filter, rendered once per distinct filter."""
        if sections is None:
            return self._full
        key = tuple(sorted(sections))
        if key not in self._variants:
            wanted = tuple(s for s in self._mail.edition.sections if s.name in key)
            edition = replace(self._mail.edition, sections=wanted)
            text, body = _render_email(edition, self._settings)
            self._variants[key] = self._make_variant(edition, text, body)
        return self._variants[key]


@dataclass(frozen=True)
class _Variant:
    """What every recipient of one sections filter shares, prepared once: the headers that do not depend on
    the recipient, already folded, and the bodies, already quoted-printable encoded around each unsubscribe
    placeholder. Encoding ~40 KB of HTML and parsing every header per recipient was most of the per-message
    cost (bench/send.py)."""

    shared_head: bytes
    text: tuple[str, ...]
    html: tuple[str, ...]


def _folded(message: EmailMessage) -> bytes:
    """A message's headers as wire bytes (CRLF; raw headers as set)."""
    return b"".join(WIRE_POLICY.fold_binary(name, value) for name, value in message.raw_items())


def _qp_pieces(content: str) -> tuple[str, ...]:
    return tuple(_qp(piece) for piece in content.split(UNSUBSCRIBE_PLACEHOLDER))


def _qp(text: str) -> str:
    """Quoted-printable of the UTF-8 bytes, lines at most 76 characters (RFC 2045)."""
    return quoprimime.body_encode(text.encode("utf-8").decode("latin-1"), maxlinelen=76, eol="\r\n")


def _alternative_body(boundary: str, variant: _Variant, link: str) -> bytes:
    """Each part's encoded pieces joined by the encoded link between soft line breaks (a trailing "=" joins
    lines when decoded), so the pieces never need re-encoding. The boundary cannot occur in quoted-printable
    text, where every "=" is itself encoded."""
    chunks = []
    for subtype, pieces, value in (("plain", variant.text, link), ("html", variant.html, html.escape(link))):
        chunks.append(f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n')
        chunks.append("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
        chunks.append(f"=\r\n{_qp(value)}=\r\n".join(pieces))
        chunks.append("\r\n")
    chunks.append(f"--{boundary}--\r\n")
    return "".join(chunks).encode("ascii")


def _render_email(edition: Edition, settings: Settings) -> tuple[str, str]:
    from briefing import render  # deliver renders only for subscribers who filter sections

    parts = render.render_email(edition, settings.render)
    return parts.text, parts.html


def _check_unsubscribe_config(email: EmailSettings, secret: str | None) -> None:
    template = email.unsubscribe_url
    if template is None:
        return
    if not template.startswith("https://"):
        raise ConfigError(f"email.unsubscribe_url: expected an https:// URL (RFC 8058), got {template!r}")
    if "{token}" not in template:
        raise ConfigError("email.unsubscribe_url: must contain {token}, the per-recipient signed token")
    if not secret:
        raise ConfigError(
            "email.unsubscribe_url needs a secret to sign unsubscribe tokens",
            hint="export BRIEFING_UNSUBSCRIBE_SECRET (a long random string; keep it stable)",
        )


def _from_address(email: EmailSettings) -> Address:
    name, addr = parseaddr(email.from_)
    if not is_address(addr):
        raise ConfigError(
            f"email.from: expected an address like 'Briefing <briefing@example.org>', got {email.from_!r}"
        )
    return Address(display_name=_one_line(name), addr_spec=addr)


def _subject(template: str, edition: Edition) -> str:
    fields = {name for _, name, _, _ in Formatter().parse(template) if name is not None}
    unknown = sorted(fields - set(SUBJECT_FIELDS))
    if unknown:
        raise ConfigError(
            f"email.subject: unknown placeholder(s) {', '.join(unknown)}; expected {', '.join(SUBJECT_FIELDS)}"
        )
    local = edition.generated_at.astimezone(ZoneInfo(edition.timezone))
    stories = edition.stories
    values = {
        "title": edition.title,
        "top_story": stories[0].headline if stories else "",
        "date": f"{local.day} {local:%B %Y}",
        "edition": edition.id,
        "name": edition.name,
    }
    subject = _one_line(template.format(**values)).strip(" :-")
    return subject[:200] or edition.title  # a headline from a feed can be any length


def _list_id(email: EmailSettings, edition: Edition, sender: Address) -> str:
    if email.list_id and "<" in email.list_id:
        return _one_line(email.list_id)
    identifier = email.list_id or f"{edition.name or 'briefing'}.{sender.domain or 'localhost'}"
    identifier = re.sub(r"[^A-Za-z0-9.-]", "-", identifier)
    return f"{sender.display_name or 'Briefing'} <{identifier}>"


def _one_line(text: str) -> str:
    """Untrusted text for a header: encoded-words decoded first, then no line breaks or controls (`headers`)."""
    return header_text(text, limit=10_000)


def _test_recipient(address: str) -> Subscriber:
    if not is_address(address):
        raise ConfigError(f"--to: expected an address like reader@example.org, got {address!r}")
    return Subscriber(email=address)


# ----------------------------------------------------------------------------------------------- sending


class Pacer:
    """Spaces sends at most `rate` per second (a steady pace, not bursts)."""

    def __init__(self, rate: float, sleep: Sleep, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / rate
        self._sleep = sleep
        self._monotonic = monotonic
        self._next = 0.0

    def wait(self) -> None:
        now = self._monotonic()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self._interval


class _Sender:
    """Walks the subscriber list once, recording every outcome as it happens."""

    def __init__(
        self,
        edition_id: str,
        email: EmailSettings,
        store: Store,
        mailer: Mailer,
        composer: _Composer,
        now: datetime,
        sleep: Sleep,
    ) -> None:
        self._edition_id = edition_id
        self._email = email
        self._store = store
        self._mailer = mailer
        self._composer = composer
        self._now = now
        self._sleep = sleep
        self._pacer = Pacer(email.rate_per_second, sleep)

    def send_all(self, subscribers: list[Subscriber]) -> SendReport:
        previous = self._store.sends(self._edition_id)
        suppressed = self._store.unsubscribed()
        sent: list[str] = []
        done: list[str] = []
        unsubscribed: list[str] = []
        resent: list[str] = []
        failed: list[SendFailure] = []
        for subscriber in subscribers:
            key = subscriber.email.lower()
            record = previous.get(key)
            if key in suppressed:
                unsubscribed.append(subscriber.email)
            elif record is not None and record.status is SendStatus.SENT:
                done.append(subscriber.email)
            elif record is not None and record.status is SendStatus.FAILED and record.permanent:
                failed.append(SendFailure(subscriber.email, f"earlier run: {record.error}", permanent=True))
            else:
                if record is not None and record.status is SendStatus.SENDING:
                    resent.append(subscriber.email)  # outcome unknown: the previous run stopped mid-send
                failure = self._send_recorded(subscriber)
                if failure is None:
                    sent.append(subscriber.email)
                else:
                    failed.append(failure)
        return SendReport(self._edition_id, tuple(sent), tuple(done), tuple(unsubscribed), tuple(resent), tuple(failed))

    def send_test(self, subscriber: Subscriber) -> SendReport:
        """One copy, not recorded: for checking how the edition looks in a real mailbox."""
        message = self._composer.compose(subscriber)
        failure = self._attempts(subscriber.email, message, record=False)
        if failure is None:
            return SendReport(self._edition_id, sent=(subscriber.email,))
        return SendReport(self._edition_id, failed=(failure,))

    def _send_recorded(self, subscriber: Subscriber) -> SendFailure | None:
        try:
            message = self._composer.compose(subscriber)
        except Exception as error:  # one recipient's odd data must not stop the others
            self._store.mark_sending(self._edition_id, subscriber.email, "", self._now)
            return self._failed(subscriber.email, f"cannot compose the message: {error}", permanent=True, record=True)
        return self._attempts(subscriber.email, message, record=True)

    def _attempts(self, recipient: str, message: bytes, *, record: bool) -> SendFailure | None:
        """Try up to `max_attempts` times on transient failures, backing off; the outcome is committed."""
        delay = self._email.retry_seconds
        for attempt in range(1, self._email.max_attempts + 1):
            self._pacer.wait()
            if record:
                self._store.mark_sending(self._edition_id, recipient, self._composer.message_id(recipient), self._now)
            try:
                self._mailer.send(self._composer.sender, recipient, message)
            except PermanentSmtpError as error:
                return self._failed(recipient, str(error), permanent=True, record=record)
            except DeliveryError as error:  # the whole run stops (login, sender refused): a rerun retries
                self._failed(recipient, str(error), permanent=False, record=record)
                raise
            except TransientSmtpError as error:
                log.info("%s: attempt %d failed: %s", recipient, attempt, error)
                if attempt == self._email.max_attempts:
                    self._failed(recipient, str(error), permanent=False, record=record)
                    if isinstance(error, ConnectSmtpError):
                        raise DeliveryError(str(error), hint="check email.smtp; rerun to send the rest") from error
                    return SendFailure(recipient, str(error), permanent=False)
                self._sleep(delay)
                delay *= 2
            else:
                if record:
                    self._store.mark_sent(self._edition_id, recipient, self._now)
                return None
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _failed(self, recipient: str, reason: str, *, permanent: bool, record: bool) -> SendFailure:
        log.warning("%s: not sent: %s", recipient, reason)
        if record:
            self._store.mark_failed(self._edition_id, recipient, reason, permanent, self._now)
        return SendFailure(recipient, reason, permanent)


# ------------------------------------------------------------------------------------------------ dry run


def _write_outbox(
    mail: EditionMail, composer: _Composer, recipients: list[Subscriber], store: Store, *, record: bool
) -> SendReport:
    """One `.eml` per recipient who would be sent the edition now; nothing is recorded as sent."""
    outbox = mail.folder / "outbox"
    outbox.mkdir(exist_ok=True)
    for stale in outbox.glob("*.eml"):  # the outbox shows this run only
        stale.unlink()
    previous = store.sends(mail.edition.id) if record else {}
    suppressed = store.unsubscribed() if record else {}
    written: list[Path] = []
    skipped_sent: list[str] = []
    skipped_unsubscribed: list[str] = []
    for subscriber in recipients:
        key = subscriber.email.lower()
        if key in suppressed:
            skipped_unsubscribed.append(subscriber.email)
            continue
        if key in previous and previous[key].status is SendStatus.SENT:
            skipped_sent.append(subscriber.email)
            continue
        path = outbox / f"{re.sub(r'[^A-Za-z0-9@._+-]', '_', key)}.eml"
        _write_atomic(path, composer.compose(subscriber))
        written.append(path)
    return SendReport(
        mail.edition.id,
        skipped_already_sent=tuple(skipped_sent),
        skipped_unsubscribed=tuple(skipped_unsubscribed),
        dry_run_files=tuple(written),
    )


def _write_atomic(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
