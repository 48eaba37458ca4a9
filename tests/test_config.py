"""feeds.yaml is validated as a whole: every problem is one line naming the file, the key path, the bad value
and what was expected. Secrets come from the environment only."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from briefing.config import Settings, feeds_from_settings, load_settings, redacted
from briefing.errors import ConfigError
from briefing.models import Feed

ROOT = Path(__file__).parent.parent
FEED = "sections: [{name: World, feeds: [{url: 'https://a.example/rss'}]}]\n"


def write(folder: Path, text: str) -> Path:
    path = folder / "feeds.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.exit_code == 2
    return caught.value.problems


# ---------------------------------------------------------------------------------------------- loading


def test_load_settings_reads_the_file_and_resolves_paths_beside_it(tmp_config: Path) -> None:
    settings = load_settings(tmp_config, environ={})
    assert (settings.timezone, settings.editions[0].at) == ("Europe/London", "06:30")
    assert settings.database_path == tmp_config.parent / "state" / "briefing.sqlite"
    assert settings.outputs_path == tmp_config.parent / "outputs"


def test_an_edition_time_may_drop_the_leading_zero(tmp_path: Path) -> None:
    path = write(tmp_path, FEED + "editions: [{name: morning, at: '6:30'}, {name: evening, at: '18:05'}]\n")
    assert [edition.at for edition in load_settings(path, environ={}).editions] == ["06:30", "18:05"]


def test_paths_in_stage_settings_are_made_absolute_beside_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, FEED + "render: {templates_dir: mine}\nemail: {subscribers_file: people.csv}\n")
    monkeypatch.chdir("/")
    settings = load_settings(path, environ={})
    assert (settings.render.templates_dir, settings.email.subscribers_file) == (
        str(tmp_path / "mine"),
        str(tmp_path / "people.csv"),
    )


def test_feeds_from_settings_keys_each_feed_by_its_configured_url(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        sections:
          - name: World
            feeds: [{url: "https://a.example/rss", name: A, weight: 2}]
          - name: Tech
            feeds: [{url: "https://b.example/atom", full_text: true}]
        """,
    )
    assert feeds_from_settings(load_settings(path, environ={})) == [
        Feed(key="https://a.example/rss", url="https://a.example/rss", section="World", name="A", weight=2.0),
        Feed(key="https://b.example/atom", url="https://b.example/atom", section="Tech", full_text=True),
    ]


def test_contract_keys_keep_their_names_in_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        FEED
        + textwrap.dedent(
            """\
        summariser: {backend: openai, base_url: "http://localhost:11434/v1"}
        email:
          from: "News <news@example.org>"
          smtp: {host: mail.example.org, port: 465, security: tls, username: me}
          subscribers: [{email: reader@example.org, name: Reader}]
          unsubscribe_url: "https://example.org/u?token={token}"
        """
        ),
    )
    settings = load_settings(path, environ={})
    assert (settings.summariser.backend, settings.email.from_, settings.email.smtp.security) == (
        "openai",
        "News <news@example.org>",
        "tls",
    )


def test_secrets_come_from_the_environment(tmp_config: Path) -> None:
    environ = {"OPENAI_API_KEY": "sk-1", "BRIEFING_SMTP_PASSWORD": "pw", "BRIEFING_UNSUBSCRIBE_SECRET": "s3"}
    settings = load_settings(tmp_config, environ=environ)
    assert (settings.openai_api_key, settings.smtp_password, settings.unsubscribe_secret) == ("sk-1", "pw", "s3")
    assert "sk-1" not in repr(settings)


def test_an_empty_secret_counts_as_not_set(tmp_config: Path) -> None:
    assert load_settings(tmp_config, environ={"OPENAI_API_KEY": ""}).openai_api_key is None


# ----------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "sections: [{name: World, feeds: [{url: 'https://a.example/rss'}]}, {name: Tech, feeds: [{url: 'ftp://x'}]}]",
            "sections[1].feeds[0].url: expected an http(s) URL, got 'ftp://x'",
        ),
        (
            FEED + "timezone: Mars/Olympus",
            "timezone: expected an IANA time zone such as Europe/London or America/New_York, got 'Mars/Olympus'",
        ),
        (
            FEED + "editions: [{name: morning, at: '25:00'}]",
            'editions[0].at: expected a time "HH:MM" (24-hour, e.g. "06:30"), got \'25:00\'',
        ),
        (
            FEED + "editions: [{name: morning, at: '6:3'}]",
            'editions[0].at: expected a time "HH:MM" (24-hour, e.g. "06:30"), got \'6:3\'',
        ),
        (
            FEED + "editions: [{name: morning, at: 6:30}]",
            'editions[0].at: expected a time "HH:MM" in quotes (YAML reads an unquoted 6:30 as a number), got 390',
        ),
        (
            FEED + "editions: [{name: am, at: '06:30'}, {name: am, at: '07:30'}]",
            "editions[1].name: duplicate edition name 'am'; already used by editions[0].name",
        ),
        (
            "sections: [{name: A, feeds: [{url: 'https://a.example/rss'}]}, "
            "{name: B, feeds: [{url: 'https://a.example/rss'}]}]",
            "sections[1].feeds[0].url: duplicate feed URL 'https://a.example/rss'; already listed at "
            "sections[0].feeds[0].url",
        ),
        (
            "sections: [{name: A, feeds: [{url: 'https://a.example/rss'}]}, "
            "{name: B, feeds: [{url: 'HTTPS://A.Example/rss'}]}]",
            "sections[1].feeds[0].url: duplicate feed URL 'HTTPS://A.Example/rss'; already listed at "
            "sections[0].feeds[0].url",
        ),
        (
            "sections: [{name: A, feeds: [{url: 'https://a.example/rss'}]}, "
            "{name: A, feeds: [{url: 'https://b.example/rss'}]}]",
            "sections[1].name: duplicate section name 'A'; already used by sections[0].name",
        ),
        ("sections: []", "sections: no feeds configured; expected at least one section with at least one feed url"),
        ("sections:", "sections: no feeds configured; expected at least one section with at least one feed url"),
        (
            FEED + "summariser: {backend: gpt}",
            "summariser.backend: expected one of 'extractive' or 'openai', got 'gpt'",
        ),
        (
            FEED + "email: {smtp: {security: ssl}}",
            "email.smtp.security: expected one of 'starttls', 'tls' or 'none', got 'ssl'",
        ),
        (FEED + "email: {smtp: {port: abc}}", "email.smtp.port: expected a whole number, got 'abc'"),
        (FEED + "poll: {concurrency: 0}", "poll.concurrency: expected a number at least 1, got 0"),
        (FEED + "email: {enabled: maybe}", "email.enabled: expected true or false, got 'maybe'"),
        (FEED + "editions: [{name: morning}]", "editions[0].at: required key is missing"),
        (FEED + "rank: 5", "rank: expected a mapping (key: value lines), got 5"),
        (FEED + "editions: {name: morning}", "editions: expected a list (lines starting with '- '), got a mapping"),
        (FEED + "summarizer: {backend: extractive}", "summarizer: unknown key; did you mean 'summariser'?"),
        (FEED + "email: {smtp: {securty: tls}}", "email.smtp.securty: unknown key; did you mean 'security'?"),
        (FEED + "email: {form: x@example.org}", "email.form: unknown key; did you mean 'from'?"),
        (
            "sections: [{name: W, feeds: [{url: 'https://a.example/rss', xyz: 1}]}]",
            "sections[0].feeds[0].xyz: unknown key; expected one of: url, name, weight, full_text",
        ),
        (
            FEED + "openai_api_key: sk-123",
            "openai_api_key: secrets are not read from the file; set OPENAI_API_KEY in the environment",
        ),
        (
            FEED + "summariser: {api_key: sk-123}",
            "summariser.api_key: secrets are not read from the file; set OPENAI_API_KEY in the environment",
        ),
        (
            FEED + "email: {smtp: {password: hunter2}}",
            "email.smtp.password: secrets are not read from the file; set BRIEFING_SMTP_PASSWORD in the environment",
        ),
        (
            FEED + "email: {unsubscribe_secret: s3}",
            "email.unsubscribe_secret: secrets are not read from the file; set BRIEFING_UNSUBSCRIBE_SECRET in the "
            "environment",
        ),
        (
            FEED + "database_url: mysql://db/briefing",
            "database_url: expected postgresql://user@host/dbname or sqlite:///PATH, got 'mysql://db/briefing'",
        ),
        (
            FEED + "database_url: 'postgresql://ann:s3cret@db.example/briefing'",
            "database_url: the password does not belong in the file; set BRIEFING_DATABASE_PASSWORD instead, "
            "got 'postgresql://ann:***@db.example/briefing'",
        ),
        (
            FEED + "database_url: 'postgresql://ann@db.example/briefing?password=s3cret'",
            "database_url: the password does not belong in the file; set BRIEFING_DATABASE_PASSWORD instead, "
            "got 'postgresql://ann@db.example/briefing?password=***'",
        ),
        (FEED + "retention: {articles_days: 0}", "retention.articles_days: expected a number greater than 0, got 0"),
        (
            FEED + "database_password: hunter2",
            "database_password: secrets are not read from the file; set BRIEFING_DATABASE_PASSWORD in the environment",
        ),
        (
            FEED + "db_password: hunter2",
            "db_password: secrets are not read from the file; set BRIEFING_DATABASE_PASSWORD in the environment",
        ),
        (
            FEED + "email: {enabled: true}",
            "email.enabled: true, but expected subscribers or subscribers_file to send to",
        ),
        (
            FEED + "email: {subscribers: [{email: r@example.org, sections: [World, Sport]}]}",
            "email.subscribers[0].sections[1]: expected a configured section (World), got 'Sport'",
        ),
        (FEED + "timezone: UTC\ntimezone: UTC", "line 3: duplicate key 'timezone'; expected each key once"),
    ],
)
def test_each_problem_is_one_located_line(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    assert problems_of(path) == [f"{path}: {problem}"]


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        timezone: Nowhere/Special
        summarizer: {}
        sections: [{name: W, feeds: [{url: "ftp://x"}]}]
        """,
    )
    assert len(problems_of(path)) == 3


def test_a_missing_file_is_one_line_suggesting_init(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert problems_of(path) == [
        f"{path}: no such file; run `briefing init` to write a starter config, or pass --config PATH"
    ]


def test_a_yaml_syntax_error_is_one_line_with_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "timezone: UTC\nsections:\n  - name: [World\n")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}: line 4, column 1: invalid YAML: ")
    assert "\n" not in problem


def test_a_file_that_is_not_a_mapping_is_one_line(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, "- just\n- a list\n")) == [
        f"{tmp_path / 'feeds.yaml'}: expected a mapping of settings (key: value lines), got a list"
    ]


def test_an_empty_file_asks_for_feeds(tmp_path: Path) -> None:
    [problem] = problems_of(write(tmp_path, "# nothing yet\n"))
    assert problem.endswith("sections: no feeds configured; expected at least one section with at least one feed url")


def test_long_values_are_shortened_in_messages(tmp_path: Path) -> None:
    [problem] = problems_of(write(tmp_path, FEED + f"timezone: {'x' * 500}"))
    assert len(problem) < 250 and problem.endswith("...'")


# -------------------------------------------------------------------------------------------- redaction


def test_redacted_masks_secrets_and_url_passwords(tmp_path: Path) -> None:
    path = write(tmp_path, FEED + "summariser: {base_url: 'https://me:hunter2@llm.example/v1'}")
    shown = redacted(load_settings(path, environ={"OPENAI_API_KEY": "sk-1"}))
    assert shown["secrets"] == {
        "OPENAI_API_KEY": "***",
        "BRIEFING_SMTP_PASSWORD": "(not set)",
        "BRIEFING_UNSUBSCRIBE_SECRET": "(not set)",
        "BRIEFING_DATABASE_PASSWORD": "(not set)",
    }
    assert shown["summariser"]["base_url"] == "https://me:***@llm.example/v1"
    assert "sk-1" not in repr(shown) and "hunter2" not in repr(shown)


def test_redacted_shows_keys_by_their_names_in_the_file(tmp_config: Path) -> None:
    shown = redacted(load_settings(tmp_config, environ={}))
    assert shown["email"]["from"] == Settings().email.from_
    assert shown["config_path"] == str(tmp_config.resolve())


# ------------------------------------------------------------------------------------------ starter file


def test_the_starter_config_is_valid_and_follows_real_outlets() -> None:
    settings = load_settings(ROOT / "feeds.yaml", environ={})
    feeds = feeds_from_settings(settings)
    assert [s.name for s in settings.sections] == ["World", "Business", "Technology"]
    assert len(feeds) >= 12 and len({f.outlet for f in feeds}) >= 10
    assert (settings.timezone, settings.editions[0].at, settings.email.enabled) == ("Europe/London", "06:30", False)


def test_the_packaged_starter_is_the_repository_feeds_yaml() -> None:
    packaged = ROOT / "briefing" / "starter.yaml"
    assert packaged.read_bytes() == (ROOT / "feeds.yaml").read_bytes()
