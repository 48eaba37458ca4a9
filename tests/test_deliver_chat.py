"""Chat and webhook channels through Apprise: what a real HTTP server on 127.0.0.1 receives, once per edition."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from smtpserver import SmtpServer, running_server, write_email_config
from test_deliver_email import EDITION_ID, story, write_edition
from webhookserver import WebhookServer

from briefing import render
from briefing.config import RenderSettings, load_settings
from briefing.errors import ConfigError
from briefing.models import Edition, Section, SendStatus, edition_from_dict
from briefing.store import open_store

REPO = Path(__file__).resolve().parents[1]
CHANNELS = ("alpha", "beta", "gamma")

smtp_server = pytest.fixture(running_server)


@pytest.fixture
def hooks() -> Iterator[WebhookServer]:
    with WebhookServer() as server:
        yield server


def channels_yaml(names: tuple[str, ...] = CHANNELS) -> str:
    lines = ["channels:"]
    for name in names:
        lines += [
            f"  - name: {name}",
            f'    url: "${{HOOK_{name.upper()}}}"',
            "    max_attempts: 2",
            "    retry_seconds: 0",
        ]
    return "\n".join(lines) + "\n"


def environment(hooks: WebhookServer, names: tuple[str, ...] = CHANNELS) -> dict[str, str]:
    return {f"HOOK_{name.upper()}": hooks.url(name) for name in names}


@pytest.fixture
def config_file(tmp_path: Path, smtp_server: SmtpServer) -> Path:
    write_edition(tmp_path / "outputs")
    return write_email_config(tmp_path, smtp_server, ["{email: ada@example.org}"], extra=channels_yaml())


def send(config: Path, hooks: WebhookServer, *options: str) -> Result:
    from briefing.cli import app

    return CliRunner(env=environment(hooks)).invoke(app, ["--config", str(config), "send", EDITION_ID, *options])


def test_each_channel_gets_one_post_per_edition_and_none_on_a_rerun(
    config_file: Path, hooks: WebhookServer, smtp_server: SmtpServer
) -> None:
    first = send(config_file, hooks)
    again = send(config_file, hooks)

    assert (first.exit_code, again.exit_code) == (0, 0), first.output
    assert (hooks.counts(), len(smtp_server.messages)) == (dict.fromkeys(CHANNELS, 1), 1)


def test_the_post_carries_the_digest(config_file: Path, hooks: WebhookServer) -> None:
    send(config_file, hooks)

    post = hooks.posts["alpha"][0]
    assert (post["title"], "Top headline" in post["message"], "Match won" in post["message"]) == (
        "Morning briefing, 25 November 2026",
        True,
        True,
    )


def test_a_failing_channel_is_retried_then_reported_while_the_others_complete(
    config_file: Path, hooks: WebhookServer, smtp_server: SmtpServer
) -> None:
    hooks.status["beta"] = 500

    result = send(config_file, hooks)

    assert (result.exit_code, "failed: -" in result.output, "(beta)" in result.output) == (3, True, True)
    assert (hooks.counts(), len(smtp_server.messages)) == ({"alpha": 1, "beta": 2, "gamma": 1}, 1)


def test_a_channel_that_recovers_is_sent_by_the_next_run(config_file: Path, hooks: WebhookServer) -> None:
    hooks.status["beta"] = 500
    send(config_file, hooks)
    del hooks.status["beta"]

    result = send(config_file, hooks)

    assert (result.exit_code, hooks.counts()) == (0, {"alpha": 1, "beta": 3, "gamma": 1})


@pytest.mark.slow
def test_sigkill_mid_send_and_a_rerun_post_nothing_twice(config_file: Path, hooks: WebhookServer) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env.update(environment(hooks), PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "briefing", "--config", str(config_file), "send", EDITION_ID]
    victim: list[subprocess.Popen[str]] = []

    def kill_on_beta(path: str) -> None:  # beta has the post; its sender dies before hearing the answer
        if path == "beta" and victim:
            victim.pop().send_signal(signal.SIGKILL)

    hooks.on_post = kill_on_beta
    process = subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    victim.append(process)
    process.communicate(timeout=60)
    hooks.on_post = None
    rerun = subprocess.run(command, env=env, text=True, capture_output=True, timeout=60)

    assert process.returncode == -signal.SIGKILL
    assert (rerun.returncode, "maybe sent: -" in rerun.stderr, hooks.counts()) == (3, True, dict.fromkeys(CHANNELS, 1))
    with open_store(config_file.parent / "state" / "briefing.sqlite") as store:
        assert store.sends(EDITION_ID, "beta")["-"].status is SendStatus.MAYBE_SENT


# ------------------------------------------------------------------------------------------ configuration


def test_channel_url_is_read_from_the_environment(config_file: Path, hooks: WebhookServer) -> None:
    settings = load_settings(config_file, environment(hooks))

    assert [channel.url for channel in settings.channels] == [hooks.url(name) for name in CHANNELS]


def test_unset_variable_is_one_located_line(config_file: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(config_file, {"HOOK_ALPHA": "json://127.0.0.1:9/a", "HOOK_BETA": "json://127.0.0.1:9/b"})

    assert raised.value.problems == [f"{config_file}: channels[2].url: ${{HOOK_GAMMA}} is not set in the environment"]


@pytest.mark.parametrize(
    "url",
    [
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
        "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_jsaBcdEf",
        "json://user:hunter2@127.0.0.1:9/hook",
        "ntfys://ntfy.example.org/topic?token=tk_abcdefgh",
    ],
)
def test_a_token_written_in_the_file_is_refused_with_a_hint(tmp_path: Path, url: str) -> None:
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f'sections: [{{name: World, feeds: [{{url: "http://127.0.0.1:9/w.xml"}}]}}]\n'
        f'channels: [{{name: team-slack, url: "{url}"}}]\n',
        encoding="utf-8",
    )

    with pytest.raises(ConfigError) as raised:
        load_settings(config, {})

    assert raised.value.problems == [
        f"{config}: channels[0].url: looks like it holds a token or password written in the file; secrets are not "
        'read from the file: write url: "${BRIEFING_TEAM_SLACK_URL}" and export that variable'
    ]


# ------------------------------------------------------------------------------------------- the message


def long_edition(stories: int) -> Edition:
    made = tuple(story(f"c-{n}", f"Headline number {n} about a long running matter") for n in range(stories))
    return replace(edition_from_dict(EMPTY_EDITION), sections=(Section("World", made),))


EMPTY_EDITION = {
    "id": EDITION_ID,
    "title": "Morning briefing, 25 November 2026",
    "generated_at": "2026-11-25T06:30:02+00:00",
    "window": {"start": "2026-11-24T06:30:00+00:00", "end": "2026-11-25T06:30:00+00:00"},
    "summariser": "extractive",
    "sections": [],
}


@pytest.mark.parametrize("fmt", ["markdown", "text", "html"])
def test_the_digest_fits_the_services_limit_by_leaving_out_the_lowest_stories(fmt: str) -> None:
    _, body = render.chat_message(long_edition(60), RenderSettings(), fmt, 2000)

    assert (len(body) <= 2000, "Headline number 0 " in body, "Headline number 59 " in body) == (True, True, False)
    assert "more stories in the full edition" in body
