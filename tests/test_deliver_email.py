"""Sending an edition by email: what a real SMTP server on 127.0.0.1 receives, and what the store remembers."""

from __future__ import annotations

import html
import json
import shutil
import ssl
import subprocess
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from smtpserver import SmtpServer, running_server, write_email_config

from briefing import render
from briefing.config import EmailSettings, Settings, SmtpSettings, SubscriberSettings, load_settings
from briefing.deliver.compose import UNSUBSCRIBE_PLACEHOLDER
from briefing.deliver.email import EditionMail, send_edition, send_test_copy, write_dry_run
from briefing.deliver.sending import Pacer
from briefing.deliver.tokens import address_from_token, unsubscribe_token
from briefing.errors import ConfigError, DeliveryError
from briefing.models import (
    ArticleRef,
    Bullet,
    Edition,
    EmailVariant,
    Section,
    SendFailure,
    SendReport,
    SendStatus,
    Story,
    StoryStatus,
    edition_from_dict,
    edition_to_dict,
)
from briefing.store import Store, open_store
from briefing.subscribers import load_subscribers

NOW = datetime(2026, 11, 25, 6, 31, tzinfo=UTC)
EDITION_ID = "2026-11-25-morning"
SECRET = "test-secret"
UNSUBSCRIBE_URL = "https://example.org/unsubscribe?token={token}"
READERS = [("ada@example.org", "Ada Lovelace"), ("bob@example.org", None), ("cy@example.org", "Cy")]

smtp_server = pytest.fixture(running_server)


def story(story_id: str, headline: str) -> Story:
    published = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    article = ArticleRef("a-1", "Source title", "https://news.example/1", "Example News", published)
    return Story(story_id, headline, StoryStatus.NEW, (Bullet("A bullet.", ("a-1",)),), (article,))


def write_edition(outputs: Path, headline: str = "Top headline", *, empty: bool = False) -> Path:
    """An edition folder as render leaves it (briefing.json, email.html, email.txt), and the edition stored."""
    edition = Edition(
        id=EDITION_ID,
        title="Morning briefing, 25 November 2026",
        name="morning",
        generated_at=datetime(2026, 11, 25, 6, 30, 2, tzinfo=UTC),
        window_start=datetime(2026, 11, 24, 6, 30, tzinfo=UTC),
        window_end=datetime(2026, 11, 25, 6, 30, tzinfo=UTC),
        timezone="Europe/London",
        summariser="extractive",
        sections=()
        if empty
        else (Section("World", (story("c-1", headline),)), Section("Sport", (story("c-2", "Match won"),))),
    )
    folder = outputs / "editions" / EDITION_ID
    folder.mkdir(parents=True)
    (folder / "briefing.json").write_text(json.dumps(edition_to_dict(edition)), encoding="utf-8")
    (folder / "email.html").write_text(
        f'<html><body><h1>{headline}</h1><a href="{UNSUBSCRIBE_PLACEHOLDER}">Unsubscribe</a></body></html>',
        encoding="utf-8",
    )
    (folder / "email.txt").write_text(f"{headline}\n\nUnsubscribe: {UNSUBSCRIBE_PLACEHOLDER}\n", encoding="utf-8")
    with open_store(outputs.parent / "state" / "briefing.sqlite") as store:  # where the pipeline reads it from
        store.save_edition(edition, built_at=edition.generated_at)
        store.mark_published(edition.id, edition.generated_at)
    return folder


def make_settings(tmp_path: Path, server: SmtpServer, **email: object) -> Settings:
    values: dict[str, object] = {
        "enabled": True,
        "from_": "Briefing <briefing@example.org>",
        "smtp": SmtpSettings(host="127.0.0.1", port=server.port, security="none", timeout=5),
        "subscribers": [SubscriberSettings(email=address, name=name) for address, name in READERS],
        "unsubscribe_url": UNSUBSCRIBE_URL,
        "rate_per_second": 1000,
        "retry_seconds": 0,
    }
    values.update(email)
    return Settings(
        config_path=tmp_path / "feeds.yaml",
        email=EmailSettings(**values),  # type: ignore[arg-type]
        unsubscribe_secret=SECRET,
    )


@pytest.fixture
def settings(tmp_path: Path, smtp_server: SmtpServer) -> Settings:
    write_edition(tmp_path / "outputs")
    return make_settings(tmp_path, smtp_server)


def edition_mail(settings: Settings) -> EditionMail:
    """What the pipeline hands delivery: the edition and its email variants (here the full one from the files
    `write_edition` left, which a test may have edited, and the rest rendered with the bundled templates)."""
    folder = settings.outputs_path / "editions" / EDITION_ID
    edition = edition_from_dict(json.loads((folder / "briefing.json").read_text(encoding="utf-8")))
    filters = {subscriber.sections for subscriber in load_subscribers(settings)}
    variants = render.email_variants(edition, settings.render, filters)
    text, body = ((folder / name).read_text(encoding="utf-8") for name in ("email.txt", "email.html"))
    variants[None] = EmailVariant(None, edition, text, body)
    return EditionMail(edition, variants)


def outbox(settings: Settings) -> Path:
    return settings.database_path.parent / "outbox" / EDITION_ID


def send(
    settings: Settings, store: Store, *, dry_run: bool = False, to: str | None = None, retry_unclear: bool = False
) -> SendReport:
    mail = edition_mail(settings)
    if dry_run:
        return write_dry_run(mail, settings, store, outbox(settings), now=NOW)
    if to is not None:
        return send_test_copy(mail, settings, to, now=NOW, sleep=lambda seconds: None)
    return send_edition(mail, settings, store, now=NOW, retry_unclear=retry_unclear, sleep=lambda seconds: None)


# ------------------------------------------------------------------------------------------ the message


def test_send_delivers_one_message_per_subscriber(settings: Settings, store: Store, smtp_server: SmtpServer) -> None:
    report = send(settings, store)

    assert report.sent == tuple(address for address, _ in READERS)
    assert {k: len(v) for k, v in smtp_server.by_recipient().items()} == {a: 1 for a, _ in READERS}
    assert {r.mail_from for r in smtp_server.messages} == {"briefing@example.org"}


def test_message_is_multipart_alternative_text_first_html_last(
    settings: Settings, store: Store, smtp_server: SmtpServer
) -> None:
    send(settings, store)

    message = smtp_server.by_recipient()["ada@example.org"][0].message
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert (message.get_content_type(), parts) == ("multipart/alternative", ["text/plain", "text/html"])


def test_message_carries_every_list_header(settings: Settings, store: Store, smtp_server: SmtpServer) -> None:
    send(settings, store)

    message = smtp_server.by_recipient()["ada@example.org"][0].message
    token = unsubscribe_token("ada@example.org", SECRET)
    headers = {name: str(message[name]) for name in ("Subject", "From", "To", "List-Id", "List-Unsubscribe")}
    assert headers == {
        "Subject": "Morning briefing, 25 November 2026: Top headline",
        "From": "Briefing <briefing@example.org>",
        "To": "Ada Lovelace <ada@example.org>",
        "List-Id": "Briefing <morning.example.org>",
        "List-Unsubscribe": f"<https://example.org/unsubscribe?token={token}>, "
        f"<mailto:briefing@example.org?subject=unsubscribe%20{token}>",
    }
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    raw = smtp_server.by_recipient()["ada@example.org"][0].data
    assert f"List-Unsubscribe: <https://example.org/unsubscribe?token={token}>,\r\n <mailto:".encode() in raw
    assert parsedate_to_datetime(message["Date"]) == NOW
    assert message["Message-ID"].endswith("@example.org>")


def test_message_id_is_stable_per_edition_and_recipient(
    settings: Settings, store: Store, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    send(settings, store, to="ada@example.org")
    send(settings, store, to="ada@example.org")
    send(settings, store, to="bob@example.org")

    ids = [received.message["Message-ID"] for received in smtp_server.messages]
    assert ids[0] == ids[1] != ids[2]


def test_bodies_carry_the_recipients_unsubscribe_link(
    settings: Settings, store: Store, smtp_server: SmtpServer
) -> None:
    send(settings, store)

    message = smtp_server.by_recipient()["bob@example.org"][0].message
    text, body = (part.get_content() for part in message.iter_parts())
    url = UNSUBSCRIBE_URL.format(token=unsubscribe_token("bob@example.org", SECRET))
    assert (url in text, f'href="{url}"' in body, UNSUBSCRIBE_PLACEHOLDER in text + body) == (True, True, False)


def test_bodies_arrive_byte_for_byte_whatever_their_lines(
    tmp_path: Path, smtp_server: SmtpServer, store: Store
) -> None:
    folder = write_edition(tmp_path / "outputs")
    long_line = "Überschrift — 日本語 " * 40  # one line far past the 76-character quoted-printable limit
    body = (
        f'<p>{long_line}</p>\n.starts with a dot\n<a href="{UNSUBSCRIBE_PLACEHOLDER}">x</a> {UNSUBSCRIBE_PLACEHOLDER}\n'
    )
    (folder / "email.html").write_text(body, encoding="utf-8")
    send(make_settings(tmp_path, smtp_server), store)

    received = smtp_server.by_recipient()["ada@example.org"][0]
    url = UNSUBSCRIBE_URL.format(token=unsubscribe_token("ada@example.org", SECRET))
    html_part = received.message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert html_part.replace("\r\n", "\n") == body.replace(UNSUBSCRIBE_PLACEHOLDER, url)
    assert max(len(line) for line in received.data.split(b"\r\n")) <= 998


def test_name_without_display_name_is_bare_address(settings: Settings, store: Store, smtp_server: SmtpServer) -> None:
    send(settings, store)

    assert str(smtp_server.by_recipient()["bob@example.org"][0].message["To"]) == "bob@example.org"


def test_headline_cannot_inject_headers(tmp_path: Path, smtp_server: SmtpServer, store: Store) -> None:
    write_edition(tmp_path / "outputs", headline="Hello\r\nBcc: victim@example.org")
    settings = make_settings(tmp_path, smtp_server)

    send(settings, store)

    message = smtp_server.messages[0].message
    assert (message["Subject"], message["Bcc"]) == (
        "Morning briefing, 25 November 2026: Hello Bcc: victim@example.org",
        None,
    )


def test_without_unsubscribe_url_only_mailto_and_no_one_click(
    tmp_path: Path, smtp_server: SmtpServer, store: Store
) -> None:
    write_edition(tmp_path / "outputs")
    settings = make_settings(tmp_path, smtp_server, unsubscribe_url=None, unsubscribe_mailto="leave@example.org")

    send(settings, store)

    message = smtp_server.messages[0].message
    token = unsubscribe_token("ada@example.org", SECRET)
    assert (message["List-Unsubscribe"], message["List-Unsubscribe-Post"]) == (
        f"<mailto:leave@example.org?subject=unsubscribe%20{token}>",
        None,
    )


def test_unsubscribe_url_without_secret_is_a_config_error(
    tmp_path: Path, smtp_server: SmtpServer, store: Store
) -> None:
    write_edition(tmp_path / "outputs")
    settings = make_settings(tmp_path, smtp_server).model_copy(update={"unsubscribe_secret": None})

    with pytest.raises(ConfigError, match="needs a secret"):
        send(settings, store)
    assert smtp_server.messages == []


def test_unknown_subject_placeholder_is_a_config_error(tmp_path: Path, smtp_server: SmtpServer, store: Store) -> None:
    write_edition(tmp_path / "outputs")
    settings = make_settings(tmp_path, smtp_server, subject="{title} {weather}")

    with pytest.raises(ConfigError, match=r"email.subject: unknown placeholder\(s\) weather"):
        send(settings, store)


def test_unsubscribe_token_names_the_address_and_refuses_forgeries() -> None:
    token = unsubscribe_token("Ada@Example.org", SECRET)

    assert address_from_token(token, SECRET) == "ada@example.org"
    assert address_from_token(token, "another secret") is None
    assert address_from_token(token.replace(".", "x."), SECRET) is None


@pytest.mark.parametrize(
    "token", ["YWRhQGV4YW1wbGUub3Jn.sïgnature", "ünïcode.sig", "abc.ünïcode", "\x00.\x00", "a" * 10_000, "..", ""]
)
def test_a_token_that_was_never_issued_gives_none(token: str) -> None:
    assert address_from_token(token, SECRET) is None


def test_subscriber_with_sections_gets_only_those_sections(
    tmp_path: Path, smtp_server: SmtpServer, store: Store
) -> None:
    write_edition(tmp_path / "outputs")
    readers = [
        SubscriberSettings(email="fan@example.org", sections=["Sport"]),
        SubscriberSettings(email="all@example.org"),
    ]
    settings = make_settings(tmp_path, smtp_server, subscribers=readers)

    send(settings, store)

    fan, everyone = (smtp_server.by_recipient()[a][0].message for a in ("fan@example.org", "all@example.org"))
    fan_html = fan.get_body(("html",)).get_content()  # type: ignore[union-attr]
    fan_link = UNSUBSCRIBE_URL.format(token=unsubscribe_token("fan@example.org", SECRET))
    assert ("Match won" in fan_html, "Top headline" in fan_html, html.escape(fan_link) in fan_html) == (
        True,
        False,
        True,  # the bundled template carries the placeholder that delivery fills in
    )
    assert (fan["Subject"], everyone["Subject"]) == (
        "Morning briefing, 25 November 2026: Match won",
        "Morning briefing, 25 November 2026: Top headline",
    )


# -------------------------------------------------------------------------------------- exactly once


def test_an_edition_without_stories_is_not_sent(tmp_path: Path, smtp_server: SmtpServer, store: Store) -> None:
    settings = make_settings(tmp_path, smtp_server)
    write_edition(settings.outputs_path, empty=True)

    with pytest.raises(DeliveryError, match="has no stories: nothing was sent"):
        send(settings, store)
    assert smtp_server.messages == []


def test_rerun_skips_recipients_already_sent(settings: Settings, store: Store, smtp_server: SmtpServer) -> None:
    send(settings, store)

    report = send(settings, store)

    assert (report.sent, report.skipped_already_sent) == ((), tuple(a for a, _ in READERS))
    assert len(smtp_server.messages) == len(READERS)


def test_each_send_is_recorded_with_its_message_id(settings: Settings, store: Store, smtp_server: SmtpServer) -> None:
    send(settings, store)

    records = store.sends(EDITION_ID)
    received = {r.recipients[0]: r.message["Message-ID"] for r in smtp_server.messages}
    assert {k: (v.status, v.message_id, v.attempts) for k, v in records.items()} == {
        address: (SendStatus.SENT, received[address], 1) for address, _ in READERS
    }


def test_interrupted_send_is_resent_once_with_the_same_message_id(
    settings: Settings, store: Store, smtp_server: SmtpServer
) -> None:
    send(settings, store, to="bob@example.org")  # what the server got before the crash (not recorded)
    message_id = smtp_server.messages[0].message["Message-ID"]
    store.claim_sends("email", EDITION_ID, [("bob@example.org", message_id)], "killed run", NOW)
    store.mark_handing_over("email", EDITION_ID, "bob@example.org", NOW)

    report = send(settings, store)

    assert report.resent == ("bob@example.org",)
    first, again = smtp_server.by_recipient()["bob@example.org"]
    assert first.message["Message-ID"] == again.message["Message-ID"]


def test_unsubscribed_address_is_not_sent(settings: Settings, store: Store, smtp_server: SmtpServer) -> None:
    store.unsubscribe("BOB@example.org", NOW)

    report = send(settings, store)

    assert report.skipped_unsubscribed == ("bob@example.org",)
    assert "bob@example.org" not in smtp_server.by_recipient()


# ------------------------------------------------------------------------------- a misbehaving server


def test_refused_recipient_is_recorded_as_a_permanent_failure(
    settings: Settings, store: Store, smtp_server: SmtpServer
) -> None:
    smtp_server.script.refuse["bob@example.org"] = 550

    report = send(settings, store)

    assert report.failed == (
        SendFailure("bob@example.org", "550 5.1.1 <bob@example.org>: refused by the test script", permanent=True),
    )
    assert sorted(smtp_server.by_recipient()) == ["ada@example.org", "cy@example.org"]
    assert store.sends(EDITION_ID)["bob@example.org"].status is SendStatus.FAILED


def test_permanent_failure_is_not_retried_on_rerun(settings: Settings, store: Store, smtp_server: SmtpServer) -> None:
    smtp_server.script.refuse["bob@example.org"] = 550
    send(settings, store)
    del smtp_server.script.refuse["bob@example.org"]

    report = send(settings, store)

    assert ([f.recipient for f in report.failed], report.sent) == (["bob@example.org"], ())
    assert "bob@example.org" not in smtp_server.by_recipient()


def test_busy_recipient_is_retried_until_accepted(settings: Settings, store: Store, smtp_server: SmtpServer) -> None:
    smtp_server.script.busy["bob@example.org"] = 2

    report = send(settings, store)

    assert (report.failed, len(smtp_server.by_recipient()["bob@example.org"])) == ((), 1)
    assert store.sends(EDITION_ID)["bob@example.org"].attempts == 3


def test_still_busy_after_every_attempt_fails_transiently_and_a_rerun_retries(
    settings: Settings, store: Store, smtp_server: SmtpServer
) -> None:
    smtp_server.script.busy["bob@example.org"] = settings.email.max_attempts

    first = send(settings, store)
    second = send(settings, store)

    assert [(f.recipient, f.permanent) for f in first.failed] == [("bob@example.org", False)]
    assert (second.sent, len(smtp_server.by_recipient()["bob@example.org"])) == (("bob@example.org",), 1)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_pacer_spaces_sends_evenly_at_the_configured_rate() -> None:
    clock = FakeMonotonic()
    pacer = Pacer(4, clock.sleep, lambda: clock.now)
    starts = []

    for _ in range(5):
        pacer.wait()
        starts.append(clock.now)

    assert starts == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_connection_dropped_before_data_is_reopened_and_retried(
    settings: Settings, store: Store, smtp_server: SmtpServer
) -> None:
    smtp_server.script.drop_rcpt["bob@example.org"] = 1

    report = send(settings, store)

    assert (report.sent, report.failed) == (tuple(a for a, _ in READERS), ())
    assert {k: len(v) for k, v in smtp_server.by_recipient().items()} == {a: 1 for a, _ in READERS}


def test_connection_dropped_after_data_is_maybe_sent_and_not_retried(
    settings: Settings, store: Store, smtp_server: SmtpServer
) -> None:
    smtp_server.script.drop["bob@example.org"] = 1  # the server has the whole message, then hangs up

    report = send(settings, store)

    assert (report.sent, report.unclear) == (("ada@example.org", "cy@example.org"), ("bob@example.org",))
    assert (report.partial, store.sends(EDITION_ID)["bob@example.org"].status) == (True, SendStatus.MAYBE_SENT)


def test_reply_after_the_clients_timeout_is_maybe_sent_once(
    tmp_path: Path, smtp_server: SmtpServer, store: Store
) -> None:
    write_edition(tmp_path / "outputs")
    settings = make_settings(
        tmp_path, smtp_server, smtp=SmtpSettings(host="127.0.0.1", port=smtp_server.port, security="none", timeout=0.3)
    )
    smtp_server.script.late["bob@example.org"] = 1.0  # accepted, but the 250 comes after the client gave up

    report = send(settings, store)

    assert report.unclear == ("bob@example.org",)
    assert {k: len(v) for k, v in smtp_server.by_recipient().items()} == {a: 1 for a, _ in READERS}


def test_rerun_leaves_maybe_sent_alone_and_reports_it_again(
    settings: Settings, store: Store, smtp_server: SmtpServer
) -> None:
    smtp_server.script.drop["bob@example.org"] = 1
    send(settings, store)

    report = send(settings, store)

    assert (report.sent, report.unclear) == ((), ("bob@example.org",))
    assert len(smtp_server.by_recipient()["bob@example.org"]) == 1


def test_retry_unclear_resends_maybe_sent_on_purpose(settings: Settings, store: Store, smtp_server: SmtpServer) -> None:
    smtp_server.script.drop["bob@example.org"] = 1
    send(settings, store)

    report = send(settings, store, retry_unclear=True)

    assert (report.sent, report.unclear, report.resent) == (("bob@example.org",), (), ("bob@example.org",))
    assert store.sends(EDITION_ID)["bob@example.org"].status is SendStatus.SENT


def test_unreachable_server_stops_the_run_and_leaves_recipients_for_a_rerun(tmp_path: Path, store: Store) -> None:
    write_edition(tmp_path / "outputs")
    closed = SmtpServer()  # never started: nothing listens on its port
    settings = make_settings(tmp_path, closed, max_attempts=2)

    report = send(settings, store)

    assert (report.partial, "cannot connect" in (report.stopped or "")) == (True, True)
    assert [r.status for r in store.sends(EDITION_ID).values()] == [
        SendStatus.FAILED,
        SendStatus.QUEUED,
        SendStatus.QUEUED,
    ]


def test_refused_sender_stops_the_run_without_blaming_recipients(
    settings: Settings, store: Store, smtp_server: SmtpServer
) -> None:
    smtp_server.script.refuse_sender = 550

    report = send(settings, store)

    assert "refused the sender briefing@example.org" in (report.stopped or "")
    assert [(r.status, r.permanent) for r in store.sends(EDITION_ID).values()] == [
        (SendStatus.FAILED, False),  # the rest stay claimed but untried: a rerun sends them
        (SendStatus.QUEUED, False),
        (SendStatus.QUEUED, False),
    ]


def test_login_uses_the_password_from_the_environment(tmp_path: Path, smtp_server: SmtpServer, store: Store) -> None:
    write_edition(tmp_path / "outputs")
    smtp_server.script.users["mailer"] = "s3cret"
    base = make_settings(
        tmp_path,
        smtp_server,
        smtp=SmtpSettings(host="127.0.0.1", port=smtp_server.port, security="none", username="mailer", timeout=5),
    )
    settings = base.model_copy(update={"smtp_password": "s3cret"})

    send(settings, store)

    assert {r.authenticated_as for r in smtp_server.messages} == {"mailer"}


def test_wrong_password_is_one_clear_error(tmp_path: Path, smtp_server: SmtpServer, store: Store) -> None:
    write_edition(tmp_path / "outputs")
    smtp_server.script.users["mailer"] = "s3cret"
    base = make_settings(
        tmp_path,
        smtp_server,
        smtp=SmtpSettings(host="127.0.0.1", port=smtp_server.port, security="none", username="mailer", timeout=5),
    )

    report = send(base.model_copy(update={"smtp_password": "wrong"}), store)

    assert "refused the login for mailer" in (report.stopped or "")


# ------------------------------------------------------------------------------------- dry run and --to


def test_dry_run_writes_one_eml_per_recipient_and_records_nothing(
    settings: Settings, store: Store, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    report = send(settings, store, dry_run=True)

    assert sorted(p.name for p in report.dry_run_files) == sorted(f"{a}.eml" for a, _ in READERS)
    assert all(path.parent == outbox(settings) for path in report.dry_run_files)
    assert (smtp_server.messages, store.sends(EDITION_ID)) == ([], {})


def test_dry_run_outbox_shows_only_the_latest_run(settings: Settings, store: Store, tmp_path: Path) -> None:
    send(settings, store, dry_run=True)
    store.unsubscribe("bob@example.org", NOW)

    send(settings, store, dry_run=True)

    assert sorted(p.name for p in outbox(settings).iterdir()) == ["ada@example.org.eml", "cy@example.org.eml"]


def test_to_sends_one_test_copy_that_is_not_recorded(settings: Settings, store: Store, smtp_server: SmtpServer) -> None:
    report = send(settings, store, to="me@example.org")

    assert (report.sent, [r.recipients for r in smtp_server.messages]) == (
        ("me@example.org",),
        [("me@example.org",)],
    )
    assert store.sends(EDITION_ID) == {}


# -------------------------------------------------------------------------------------------- the CLI


def cli() -> Any:
    from briefing.cli import app  # imported late: the CLI pulls in every stage

    return app


@pytest.fixture
def config_file(tmp_path: Path, smtp_server: SmtpServer) -> Path:
    write_edition(tmp_path / "outputs")
    return write_email_config(
        tmp_path, smtp_server, ["{email: ada@example.org, name: Ada}", "{email: bob@example.org}"]
    )


def test_cli_send_exits_3_when_a_recipient_failed(config_file: Path, smtp_server: SmtpServer) -> None:
    smtp_server.script.refuse["bob@example.org"] = 550

    result = CliRunner().invoke(cli(), ["--config", str(config_file), "send", EDITION_ID])

    assert (result.exit_code, "bob@example.org" in result.output) == (3, True)
    assert sorted(smtp_server.by_recipient()) == ["ada@example.org"]


def test_cli_send_with_an_unclear_outcome_exits_3_and_retry_unclear_resends(
    config_file: Path, smtp_server: SmtpServer
) -> None:
    smtp_server.script.drop["bob@example.org"] = 1
    runner = CliRunner()

    first = runner.invoke(cli(), ["--config", str(config_file), "send", EDITION_ID])
    again = runner.invoke(cli(), ["--config", str(config_file), "send", EDITION_ID, "--retry-unclear"])

    assert (first.exit_code, "maybe sent: bob@example.org" in first.output) == (3, True)
    assert (again.exit_code, len(smtp_server.by_recipient()["bob@example.org"])) == (0, 2)


def test_cli_send_without_edition_sends_the_latest(config_file: Path, smtp_server: SmtpServer) -> None:
    result = CliRunner().invoke(cli(), ["--config", str(config_file), "send"])

    assert (result.exit_code, sorted(smtp_server.by_recipient())) == (0, ["ada@example.org", "bob@example.org"])


def test_cli_unsubscribe_then_subscribers_shows_the_status(config_file: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli(), ["--config", str(config_file), "unsubscribe", "bob@example.org"])

    result = runner.invoke(cli(), ["--config", str(config_file), "subscribers", "--json"])

    rows = json.loads(result.output)
    assert [(row["email"], row["status"]) for row in rows] == [
        ("ada@example.org", "subscribed"),
        ("bob@example.org", "unsubscribed"),
    ]


def test_settings_loader_reads_the_smtp_password_from_the_environment(config_file: Path) -> None:
    settings = load_settings(config_file, {"BRIEFING_SMTP_PASSWORD": "pw"})

    assert settings.smtp_password == "pw"


# ------------------------------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command line)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_sends_over_tls_verifying_the_servers_certificate(
    tmp_path: Path, store: Store, certificate: tuple[Path, Path], security: str
) -> None:
    context = server_context(certificate)
    tls_options = {"starttls": context} if security == "starttls" else {"tls": context}
    with SmtpServer(**tls_options) as server:  # type: ignore[arg-type]
        write_edition(tmp_path / "outputs")
        smtp = SmtpSettings(host="127.0.0.1", port=server.port, security=security, ca_file=str(certificate[0]))  # type: ignore[arg-type]
        send(make_settings(tmp_path, server, smtp=smtp), store)

    assert len(server.messages) == len(READERS)


def test_untrusted_certificate_is_one_clear_error(tmp_path: Path, store: Store, certificate: tuple[Path, Path]) -> None:
    with SmtpServer(starttls=server_context(certificate)) as server:
        write_edition(tmp_path / "outputs")
        smtp = SmtpSettings(host="127.0.0.1", port=server.port, security="starttls", timeout=5)
        report = send(make_settings(tmp_path, server, smtp=smtp), store)
    assert "certificate is not trusted" in (report.stopped or "")
    assert server.messages == []


def test_cli_dry_run_writes_the_outbox_and_sends_nothing(config_file: Path, smtp_server: SmtpServer) -> None:
    result = CliRunner().invoke(cli(), ["--config", str(config_file), "send", "--dry-run"])

    folder = config_file.parent / "state" / "outbox" / EDITION_ID
    assert (result.exit_code, "dry run: wrote 2 messages" in result.output) == (0, True)
    assert (sorted(p.name for p in folder.iterdir()), smtp_server.messages) == (
        ["ada@example.org.eml", "bob@example.org.eml"],
        [],
    )
