"""Email messages: headers, the multipart/alternative body, and each recipient's unsubscribe links.

Knows MIME and the list headers mail providers want (Message-ID, List-Id, List-Unsubscribe with one-click,
RFC 8058); knows nothing of SMTP, the store or templates. The bodies arrive rendered and inlined once per
sections filter (`EmailVariant`); the headers that do not depend on the recipient are folded once per variant,
so per-recipient work is the To header, the Message-ID, and the unsubscribe link put in place.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from string import Formatter
from urllib.parse import quote
from zoneinfo import ZoneInfo

from briefing.config import EmailSettings
from briefing.deliver.headers import header_text
from briefing.deliver.tokens import unsubscribe_token
from briefing.errors import ConfigError
from briefing.models import Edition, EmailVariant, Subscriber
from briefing.subscribers import is_address

UNSUBSCRIBE_PLACEHOLDER = "%%UNSUBSCRIBE_URL%%"  # templates put this where the unsubscribe link goes
SUBJECT_FIELDS = ("title", "top_story", "date", "edition", "name")
WIRE_POLICY = SMTP.clone(refold_source="none")  # CRLF; headers set raw are sent as composed


@dataclass(frozen=True)
class _Prepared:
    """What every recipient of one variant shares, prepared once: the headers that do not depend on the
    recipient, already folded, and the bodies, already quoted-printable encoded around each unsubscribe
    placeholder. Encoding ~40 KB of HTML and parsing every header per recipient was most of the per-message
    cost (bench/send.py)."""

    shared_head: bytes
    text: tuple[str, ...]
    html: tuple[str, ...]


class Composer:
    """Builds each recipient's message from the edition's email variants."""

    def __init__(
        self,
        edition_id: str,
        variants: Mapping[tuple[str, ...] | None, EmailVariant],
        email: EmailSettings,
        secret: str | None,
        now: datetime,
    ) -> None:
        check_unsubscribe_config(email, secret)
        for problem in subject_problems(email.subject):
            raise ConfigError(problem)
        self._edition_id = edition_id
        self._email = email
        self._secret = secret
        self._from = from_address(email)
        self._mailto = email.unsubscribe_mailto or self._from.addr_spec
        self._boundary = f"==briefing-{hashlib.sha256(edition_id.encode()).hexdigest()[:24]}=="
        self._date = format_datetime(now)
        self._variants = variants
        self._prepared: dict[tuple[str, ...] | None, _Prepared] = {}

    @property
    def sender(self) -> str:
        return self._from.addr_spec

    def message_id(self, recipient: str) -> str:
        """Stable for (edition, recipient), so a resend after a crash is recognisably the same message."""
        digest = hashlib.sha256(f"{self._edition_id}\0{recipient.lower()}".encode()).hexdigest()[:24]
        safe_id = re.sub(r"[^A-Za-z0-9.-]", "-", self._edition_id)
        return f"<{safe_id}.{digest}@{self._from.domain or 'localhost'}>"

    def compose(self, subscriber: Subscriber) -> bytes:
        """The message as sent (CRLF): the recipient's headers folded by `EmailMessage`, the shared ones
        prepared once, then a multipart/alternative body assembled from the variant's pre-encoded parts."""
        web_url, mailto_url = self._unsubscribe_urls(subscriber.email)
        prepared = self._prepared_for(subscriber.sections)
        # Raw, folded after the comma: an https URL is one long word the header folder would otherwise turn
        # into RFC 2047 encoded-words, which no client reads as a List-Unsubscribe URL.
        unsubscribe = ",\r\n ".join(f"<{url}>" for url in (web_url, mailto_url) if url)
        head = (
            f"{_to_header(subscriber)}Message-ID: {self.message_id(subscriber.email)}\r\n"
            f"List-Unsubscribe: {unsubscribe}\r\n\r\n"
        )
        return (
            prepared.shared_head
            + head.encode("ascii")
            + _alternative_body(self._boundary, prepared, web_url or mailto_url)
        )

    def _prepared_for(self, sections: tuple[str, ...] | None) -> _Prepared:
        key = None if sections is None else tuple(sorted(sections))
        if key not in self._prepared:
            self._prepared[key] = self._prepare(self._variants[key])
        return self._prepared[key]

    def _prepare(self, variant: EmailVariant) -> _Prepared:
        message = EmailMessage()
        message["Subject"] = subject(self._email.subject, variant.edition)
        message["From"] = self._from
        message["Date"] = self._date
        message["List-Id"] = list_id(self._email, variant.edition, self._from)
        if self._email.unsubscribe_url:  # RFC 8058: one-click needs an https URL that accepts a POST
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["MIME-Version"] = "1.0"
        # text first, HTML last: clients show the last part they can render
        message["Content-Type"] = f'multipart/alternative; boundary="{self._boundary}"'
        return _Prepared(_folded(message), _qp_pieces(variant.text), _qp_pieces(variant.html))

    def _unsubscribe_urls(self, address: str) -> tuple[str | None, str]:
        token = unsubscribe_token(address, self._secret) if self._secret else None
        mailto = f"mailto:{self._mailto}?subject={quote('unsubscribe ' + (token or address))}"
        template = self._email.unsubscribe_url
        if template is None:
            return None, mailto
        return template.replace("{token}", quote(token or "", safe="")), mailto


_PLAIN_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]{1,60}")  # RFC 5322 atext and spaces: no quoting needed


def _to_header(subscriber: Subscriber) -> str:
    """The To header: written directly for a bare address or a plain ASCII name (the common case, and most of
    the per-message cost when built through `EmailMessage`), else folded and encoded by the email package."""
    name = one_line(subscriber.name or "")
    if not name:
        return f"To: {subscriber.email}\r\n"
    if _PLAIN_NAME.fullmatch(name):
        return f"To: {name} <{subscriber.email}>\r\n"
    message = EmailMessage()
    message["To"] = Address(display_name=name, addr_spec=subscriber.email)
    return _folded(message).decode("ascii")


def _folded(message: EmailMessage) -> bytes:
    """A message's headers as wire bytes (CRLF; raw headers as set)."""
    return b"".join(WIRE_POLICY.fold_binary(name, value) for name, value in message.raw_items())


def _qp_pieces(content: str) -> tuple[str, ...]:
    return tuple(_qp(piece) for piece in content.split(UNSUBSCRIBE_PLACEHOLDER))


_LEADING_DOT = re.compile(r"(?m)^\.")


def _qp(text: str) -> str:
    """Quoted-printable of the UTF-8 bytes, lines at most 76 characters (RFC 2045). A line's leading "." is
    written "=2E", so no line of a message starts with "." and SMTP's dot-stuffing has nothing to do."""
    encoded = quoprimime.body_encode(text.encode("utf-8").decode("latin-1"), maxlinelen=76, eol="\r\n")
    return _LEADING_DOT.sub("=2E", encoded)


def _alternative_body(boundary: str, prepared: _Prepared, link: str) -> bytes:
    """Each part's encoded pieces joined by the encoded link between soft line breaks (a trailing "=" joins
    lines when decoded), so the pieces never need re-encoding. The boundary cannot occur in quoted-printable
    text, where every "=" is itself encoded."""
    chunks = []
    for subtype, pieces, value in (("plain", prepared.text, link), ("html", prepared.html, html.escape(link))):
        chunks.append(f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n')
        chunks.append("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
        chunks.append(f"=\r\n{_qp(value)}=\r\n".join(pieces))
        chunks.append("\r\n")
    chunks.append(f"--{boundary}--\r\n")
    return "".join(chunks).encode("ascii")


# ---------------------------------------------------------------------------------------- header values


def check_unsubscribe_config(email: EmailSettings, secret: str | None) -> None:
    for problem in unsubscribe_problems(email, secret):
        hint = "export BRIEFING_UNSUBSCRIBE_SECRET (a long random string; keep it stable)" if not secret else None
        raise ConfigError(problem, hint=hint)


def unsubscribe_problems(email: EmailSettings, secret: str | None, *, need_secret: bool = True) -> list[str]:
    """What is wrong with the unsubscribe settings; the missing secret only when it is `need_secret` (sending)."""
    template = email.unsubscribe_url
    if template is None:
        return []
    if not template.startswith("https://"):
        return [f"email.unsubscribe_url: expected an https:// URL (RFC 8058), got {template!r}"]
    if "{token}" not in template:
        return ["email.unsubscribe_url: must contain {token}, the per-recipient signed token"]
    if not secret and need_secret:
        return ["email.unsubscribe_url needs a secret to sign unsubscribe tokens: set BRIEFING_UNSUBSCRIBE_SECRET"]
    return []


def from_address(email: EmailSettings) -> Address:
    name, addr = parseaddr(email.from_)
    if not is_address(addr):
        raise ConfigError(
            f"email.from: expected an address like 'Briefing <briefing@example.org>', got {email.from_!r}"
        )
    return Address(display_name=one_line(name), addr_spec=addr)


def subject_problems(template: str) -> list[str]:
    try:
        fields = {name for _, name, _, _ in Formatter().parse(template) if name is not None}
    except ValueError as error:
        return [f"email.subject: {error}"]
    unknown = sorted(fields - set(SUBJECT_FIELDS))
    if unknown:
        return [f"email.subject: unknown placeholder(s) {', '.join(unknown)}; expected {', '.join(SUBJECT_FIELDS)}"]
    return []


def subject(template: str, edition: Edition) -> str:
    for problem in subject_problems(template):
        raise ConfigError(problem)
    local = edition.generated_at.astimezone(ZoneInfo(edition.timezone))
    stories = edition.stories
    values = {
        "title": edition.title,
        "top_story": stories[0].headline if stories else "",
        "date": f"{local.day} {local:%B %Y}",
        "edition": edition.id,
        "name": edition.name,
    }
    text = one_line(template.format(**values)).strip(" :-")
    return text[:200] or edition.title  # a headline from a feed can be any length


def list_id(email: EmailSettings, edition: Edition, sender: Address) -> str:
    if email.list_id and "<" in email.list_id:
        return one_line(email.list_id)
    identifier = email.list_id or f"{edition.name or 'briefing'}.{sender.domain or 'localhost'}"
    identifier = re.sub(r"[^A-Za-z0-9.-]", "-", identifier)
    return f"{sender.display_name or 'Briefing'} <{identifier}>"


def one_line(text: str) -> str:
    """Untrusted text for a header: encoded-words decoded first, then no line breaks or controls (`headers`)."""
    return header_text(text, limit=10_000)
