"""Header values from untrusted text: feed headlines in the Subject, subscriber names in To.

The email package decodes RFC 2047 encoded-words in a header value and can re-emit a decoded CR/LF raw, so a
value that looks like one line can carry whole headers (or, after a blank line, a new body). The unit tests pin
`header_text`; the others send through a real SMTP server on 127.0.0.1 (and a dry run) and read what arrived.
"""

from __future__ import annotations

import base64
import tempfile
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings, strategies
from smtpserver import SmtpServer, running_server
from test_deliver_email import EDITION_ID, NOW, make_settings, send, write_edition

from briefing.config import SubscriberSettings
from briefing.deliver.compose import UNSUBSCRIBE_PLACEHOLDER
from briefing.deliver.email import EditionMail, write_dry_run
from briefing.deliver.headers import header_text
from briefing.models import ArticleRef, Bullet, Edition, EmailVariant, Section, Story, StoryStatus
from briefing.store import Store, open_store

smtp_server = pytest.fixture(running_server)

INJECTION = "\r\nReply-To: attacker@evil.example\r\nX-Injected: yes"
ENCODED = "=?utf-8?b?" + base64.b64encode(INJECTION.encode()).decode() + "?="
BCC = "=?utf-8?b?" + base64.b64encode(b"Eve\r\nBcc: victim@evil.example").decode() + "?="


def encoded(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?b?" + base64.b64encode(text.encode(charset)).decode() + "?="


# ------------------------------------------------------------------------------------------- the function


def test_header_text_decodes_encoded_words_before_removing_line_breaks() -> None:
    assert header_text("Markets: " + ENCODED) == "Markets: Reply-To: attacker@evil.example X-Injected: yes"


def test_header_text_decodes_nested_encoded_words_until_none_is_left() -> None:
    twice = encoded(encoded("a\r\nBcc: x@evil.example"))

    assert header_text(twice) == "a Bcc: x@evil.example"


def test_header_text_leaves_no_encoded_word_syntax_behind() -> None:
    deep = "x\nBcc: y@evil.example"
    for _ in range(8):
        deep = encoded(deep)

    assert "=?" not in header_text(deep)


def test_header_text_removes_every_kind_of_line_break_and_control_character() -> None:
    assert header_text("a\rb\nc\x00d\x85e\u2028f\u2029g\x0bh\tend") == "a b c d e f g h end"


def test_header_text_keeps_ordinary_headlines_as_they_are() -> None:
    assert header_text("Apple’s 2% rise: what it means — and why = ? matters") == (
        "Apple’s 2% rise: what it means — and why = ? matters"
    )


def test_header_text_caps_the_length() -> None:
    assert len(header_text("word " * 500, limit=120)) <= 120


# ------------------------------------------------------------------------------- through a real server


def test_encoded_headline_cannot_add_headers_to_the_sent_message(
    tmp_path: Path, smtp_server: SmtpServer, store: Store
) -> None:
    write_edition(tmp_path / "outputs", headline="Markets rally " + ENCODED)

    send(make_settings(tmp_path, smtp_server), store)

    message = smtp_server.messages[0].message
    assert (message["Subject"], message["Reply-To"], message["X-Injected"]) == (
        "Morning briefing, 25 November 2026: Markets rally Reply-To: attacker@evil.example X-Injected: yes",
        None,
        None,
    )


def test_encoded_subscriber_name_cannot_add_a_bcc(tmp_path: Path, smtp_server: SmtpServer, store: Store) -> None:
    write_edition(tmp_path / "outputs")
    reader = SubscriberSettings(email="ada@example.org", name=BCC)
    settings = make_settings(tmp_path, smtp_server, subscribers=[reader])

    send(settings, store)

    received = smtp_server.messages[0]
    assert (received.recipients, received.message["Bcc"], str(received.message["To"])) == (
        ("ada@example.org",),
        None,
        '"Eve Bcc: victim@evil.example" <ada@example.org>',
    )


def test_encoded_name_in_the_subscribers_csv_cannot_add_a_bcc(
    tmp_path: Path, smtp_server: SmtpServer, store: Store
) -> None:
    write_edition(tmp_path / "outputs")
    csv_file = tmp_path / "subscribers.csv"
    csv_file.write_text(f"email,name\nada@example.org,{BCC}\n", encoding="utf-8")
    settings = make_settings(tmp_path, smtp_server, subscribers=[], subscribers_file=str(csv_file))

    send(settings, store)

    assert (smtp_server.messages[0].message["Bcc"], len(smtp_server.messages)) == (None, 1)


def test_blank_line_in_a_headline_cannot_replace_the_body(
    tmp_path: Path, smtp_server: SmtpServer, store: Store
) -> None:
    payload = encoded("x\r\n\r\n<h1>Your account is locked</h1>")
    write_edition(tmp_path / "outputs", headline="Update " + payload)

    send(make_settings(tmp_path, smtp_server), store)

    message = smtp_server.messages[0].message
    assert (message.get_content_type(), message["Subject"].strip()) == (
        "multipart/alternative",
        "Morning briefing, 25 November 2026: Update x <h1>Your account is locked</h1>",
    )


# ----------------------------------------------------------------------------------------------- fuzzing

_NO_SERVER = SimpleNamespace(port=25)  # a dry run never connects
HEADER_NAMES = {
    "subject",
    "from",
    "date",
    "list-id",
    "list-unsubscribe-post",
    "mime-version",
    "content-type",
    "to",
    "message-id",
    "list-unsubscribe",
}
_fragments = strategies.one_of(
    strategies.text(max_size=40),
    strategies.sampled_from(["\r\n", "\n", "\r", "\r\n\r\n", "Bcc: x@evil.example", "=?", "?=", ": ", "\x85"]),
    strategies.text(max_size=30).map(encoded),
    strategies.text(alphabet="abcdé\r\n:", max_size=30).map(lambda t: encoded(t, "latin-1") if t.isascii() else t),
    strategies.binary(max_size=30).map(lambda b: "=?utf-8?q?" + b.hex("=") + "?="),
)
hostile_text = strategies.lists(_fragments, max_size=6).map("".join)


def _edition(headline: str) -> Edition:
    published = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    article = ArticleRef("a-1", "Source", "https://news.example/1", "Example News", published)
    story = Story("c-1", headline, StoryStatus.NEW, (Bullet("A bullet.", ("a-1",)),), (article,))
    return Edition(
        id=EDITION_ID,
        title="Morning briefing",
        name="morning",
        generated_at=datetime(2026, 11, 25, 6, 30, tzinfo=UTC),
        window_start=datetime(2026, 11, 24, 6, 30, tzinfo=UTC),
        window_end=datetime(2026, 11, 25, 6, 30, tzinfo=UTC),
        timezone="UTC",
        summariser="extractive",
        sections=(Section("World", (story,)),),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(headline=hostile_text.filter(lambda t: t.strip()), name=hostile_text)
def test_fuzzed_headlines_and_names_never_add_or_break_headers(headline: str, name: str) -> None:
    """Whatever the headline and the name, the message has exactly our headers, one recipient, one body."""
    with tempfile.TemporaryDirectory() as work:
        edition = _edition(headline)
        html, text = f"<p>Hi</p><a href='{UNSUBSCRIBE_PLACEHOLDER}'>x</a>", f"Hi\n{UNSUBSCRIBE_PLACEHOLDER}\n"
        mail = EditionMail(edition, {None: EmailVariant(None, edition, text, html)})
        # as a subscribers file brings it: the config's own check (one line) is not what is under test here
        reader = SubscriberSettings.model_construct(email="a@example.org", name=name, sections=None)
        settings_ = make_settings(Path(work), _NO_SERVER, subscribers=[reader])  # type: ignore[arg-type]
        with open_store(Path(work) / "state.sqlite") as store:
            report = write_dry_run(mail, settings_, store, Path(work) / "outbox", now=NOW)
        raw = report.dry_run_files[0].read_bytes()
    message = message_from_bytes(raw, policy=policy.default)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert sorted(key.lower() for key in message) == sorted(HEADER_NAMES)
    names = [line.split(b":")[0].lower().decode() for line in head.split(b"\r\n") if line[:1] not in b" \t"]
    assert sorted(names) == sorted(HEADER_NAMES)
    assert [a.addr_spec for a in message["To"].addresses] == ["a@example.org"]
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
    assert message.get_content_type() == "multipart/alternative"
