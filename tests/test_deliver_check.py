"""`briefing config check` finds every delivery problem that would otherwise surface at send time: one located
line each, exit 2; `build`, `run`, `run-due` and `schedule` refuse to start with them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefing.cli import app

BASE = """\
sections:
  - name: World
    feeds: [{url: "http://127.0.0.1:9/world.xml"}]
render: {site_url: "https://briefing.example.org/"}
"""


def check(tmp_path: Path, extra: str, files: dict[str, str] | None = None, *command: str) -> Result:
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    config = tmp_path / "feeds.yaml"
    config.write_text(BASE + extra, encoding="utf-8")
    env = {"BRIEFING_UNSUBSCRIBE_SECRET": ""}
    return CliRunner(env=env).invoke(app, ["--config", str(config), *(command or ("config", "check"))])


def problems(result: Result) -> list[str]:
    return [line.removeprefix("error: ") for line in result.output.splitlines() if line.startswith("error: ")]


CASES = {
    "inline subscribers": (
        "email:\n  subscribers: [{email: bob}, {email: alice@@example}]\n",
        {},
        [
            "feeds.yaml: email.subscribers[0]: email: expected an address like reader@example.org, got 'bob'",
            "feeds.yaml: email.subscribers[1]: email: expected an address like reader@example.org, "
            "got 'alice@@example'",
        ],
    ),
    "a subscribers CSV with bad rows": (
        "email:\n  subscribers_file: readers.csv\n",
        {"readers.csv": "email,name\nada@example.org,Ada\nnot-an-address,Bob\n"},
        ["readers.csv: row 3: email: expected an address like reader@example.org, got 'not-an-address'"],
    ),
    "an unsubscribe URL without its secret": (
        "email:\n  enabled: true\n  subscribers: [{email: ada@example.org}]\n"
        '  unsubscribe_url: "https://example.org/u?t={token}"\n',
        {},
        ["{config}: email.unsubscribe_url needs a secret to sign unsubscribe tokens: set BRIEFING_UNSUBSCRIBE_SECRET"],
    ),
    "a bad From": (
        'email:\n  from: "Briefing <briefing at example>"\n  subscribers: [{email: ada@example.org}]\n',
        {},
        [
            "{config}: email.from: expected an address like 'Briefing <briefing@example.org>', "
            "got 'Briefing <briefing at example>'"
        ],
    ),
    "an http unsubscribe URL": (
        'email:\n  subscribers: [{email: ada@example.org}]\n  unsubscribe_url: "http://example.org/u?t={token}"\n',
        {},
        ["{config}: email.unsubscribe_url: expected an https:// URL (RFC 8058), got 'http://example.org/u?t={token}'"],
    ),
    "an unknown subject placeholder": (
        'email:\n  subscribers: [{email: ada@example.org}]\n  subject: "{title} {weather}"\n',
        {},
        ["{config}: email.subject: unknown placeholder(s) weather; expected title, top_story, date, edition, name"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_config_check_finds_each_delivery_problem_on_one_located_line(tmp_path: Path, case: str) -> None:
    extra, files, expected = CASES[case]

    result = check(tmp_path, extra, files)

    config = str(tmp_path / "feeds.yaml")
    assert (result.exit_code, problems(result)) == (2, [line.replace("{config}", config) for line in expected])


def test_build_refuses_to_start_with_a_delivery_problem(tmp_path: Path) -> None:
    extra, files, _ = CASES["an unknown subject placeholder"]

    result = check(tmp_path, extra, files, "build", "--at", "2026-11-25T06:30:00+00:00")

    assert (result.exit_code, (tmp_path / "outputs").exists(), (tmp_path / "state").exists()) == (2, False, False)


def test_config_check_warns_that_feeds_need_site_url(tmp_path: Path) -> None:
    config = tmp_path / "feeds.yaml"
    config.write_text(BASE.replace('render: {site_url: "https://briefing.example.org/"}\n', ""), encoding="utf-8")

    result = CliRunner().invoke(app, ["--config", str(config), "config", "check"])

    assert (result.exit_code, "warning: " in result.output, "render.site_url is not set" in result.output) == (
        0,
        True,
        True,
    )


def test_duplicate_and_unknown_channel_urls_are_found(tmp_path: Path) -> None:
    extra = 'channels:\n  - {name: a, url: "json://127.0.0.1:9/a"}\n  - {name: a, url: "nosuchscheme://x"}\n'

    result = check(tmp_path, extra)

    config = str(tmp_path / "feeds.yaml")
    assert (result.exit_code, problems(result)) == (
        2,
        [
            f"{config}: channels[1].name: duplicate channel name 'a'; already channels[0]",
            f"{config}: channels[1].url: not an Apprise URL that this version knows",
        ],
    )
