"""Config values that used to pass validation and crash later, and files that used to crash or hang the loader:
each is one located line and exit 2, fast. Config loading is also fuzzed with a bounded budget."""

from __future__ import annotations

import re
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from briefing.cli import app
from briefing.config import MAX_CONFIG_BYTES, Settings, load_settings
from briefing.errors import ConfigError

ROOT = Path(__file__).parent.parent
FEED = "sections: [{name: World, feeds: [{url: 'https://a.example/rss'}]}]\n"


def write(folder: Path, text: str) -> Path:
    path = folder / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    return [problem.removeprefix(f"{path}: ") for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("poll: {interval_minutes: .inf}", "poll.interval_minutes: expected a finite number, got inf"),
        ("poll: {max_backoff_hours: .inf}", "poll.max_backoff_hours: expected a finite number, got inf"),
        ("poll: {timeout: .nan}", "poll.timeout: expected a finite number, got nan"),
        ("lookback_hours: .inf", "lookback_hours: expected a finite number, got inf"),
        ("cluster: {window_hours: 1e300}", "cluster.window_hours: expected a number at most 720, got '1e300'"),
        ("email: {smtp: {timeout: -1}}", "email.smtp.timeout: expected a number greater than 0, got -1"),
        ("email: {smtp: {port: 99999999}}", "email.smtp.port: expected a number at most 65535, got 99999999"),
        ("poll: {concurrency: 1000000}", "poll.concurrency: expected a number at most 256, got 1000000"),
        ("grace_hours: 1e9", "grace_hours: expected a number at most 168, got '1e9'"),
        ("rank: {max_stories: 1e6}", "rank.max_stories: expected a whole number, got '1e6'"),
        (
            "sections: [{name: World, feeds: [{url: 'http://[::1'}]}]",
            "sections[0].feeds[0].url: expected an http(s) URL, got 'http://[::1'",
        ),
        (
            "sections: [{name: World, feeds: [{url: 'http://example.org:99999/rss'}]}]",
            "sections[0].feeds[0].url: expected an http(s) URL, got 'http://example.org:99999/rss'",
        ),
        (
            'sections: [{name: World, feeds: [{url: "https://a.example/rss\\nX: y"}]}]',
            "sections[0].feeds[0].url: expected an http(s) URL, got 'https://a.example/rss\\nX: y'",
        ),
        (
            'email: {from: "Briefing <b@example.org>\\r\\nBcc: x@evil.example"}',
            "email.from: expected one line of text, got 'Briefing <b@example.org>\\r\\nBcc: x@evil.example'",
        ),
        (
            'poll: {user_agent: "bot\\nX-Evil: 1"}',
            "poll.user_agent: expected one line of text, got 'bot\\nX-Evil: 1'",
        ),
    ],
    ids=[
        "inf-interval",
        "inf-backoff",
        "nan-timeout",
        "inf-lookback",
        "huge-window",
        "negative-smtp-timeout",
        "smtp-port",
        "huge-concurrency",
        "huge-grace",
        "float-count",
        "broken-ipv6-url",
        "url-port",
        "url-line-break",
        "from-line-break",
        "user-agent-line-break",
    ],
)
def test_values_that_would_crash_later_are_one_located_problem(tmp_path: Path, text: str, problem: str) -> None:
    sections = "" if text.startswith("sections") else FEED

    assert problems_of(write(tmp_path, sections + text + "\n")) == [problem]


def test_deeply_nested_lists_are_one_located_line(tmp_path: Path) -> None:
    path = write(tmp_path, FEED + "render: " + "[" * 5000 + "]" * 5000 + "\n")

    assert problems_of(path) == ["line 2, column 72: nested deeper than 64 levels; a feeds.yaml needs at most 6"]


def test_a_complex_key_is_one_located_line(tmp_path: Path) -> None:
    path = write(tmp_path, FEED + "? [a, b]\n: 1\n")

    assert problems_of(path) == ["line 2, column 3: expected a key name (text), got a list"]


def test_a_key_yaml_reads_as_a_boolean_is_one_located_line(tmp_path: Path) -> None:
    path = write(tmp_path, FEED + "poll:\n  yes: 3\n")

    assert problems_of(path) == ["line 3, column 3: expected a key name (text), got true; quote it"]


def test_a_5000_digit_integer_is_one_located_line(tmp_path: Path) -> None:
    path = write(tmp_path, FEED + "poll:\n  concurrency: " + "9" * 5000 + "\n")

    assert problems_of(path) == ["line 3, column 16: a number with 5000 digits; expected at most 18"]


def test_an_alias_bomb_is_one_located_line(tmp_path: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = write(tmp_path, FEED + "\n".join(levels) + "\n")

    assert problems_of(path) == ["line 1, column 1: expands to more than 100,000 values through aliases"]


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, FEED + "# " + "x" * (MAX_CONFIG_BYTES * 3) + "\n")
    started = time.perf_counter()

    found = problems_of(path)

    assert (found, time.perf_counter() - started < 5) == (
        [f"the file is {path.stat().st_size:,} bytes; a feeds.yaml is at most {MAX_CONFIG_BYTES:,}"],
        True,
    )


def test_config_check_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, FEED + "poll: {interval_minutes: .inf}\n")

    result = CliRunner().invoke(app, ["--config", str(path), "config", "check"])

    assert (result.exit_code, result.stderr.count("\n")) == (2, 1)


# ---------------------------------------------------------------------------------------- every number bound


def numeric_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, FieldInfo]]:
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        inner = getattr(field.annotation, "__args__", (field.annotation,))
        for candidate in inner:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                yield from numeric_fields(candidate, f"{key}.")
        if any(candidate in (int, float) for candidate in inner) and not field.exclude:
            yield key, field


@pytest.mark.parametrize(("key", "field"), list(numeric_fields(Settings)), ids=lambda value: str(value)[:40])
def test_every_number_in_the_config_is_bounded_and_the_bound_in_the_reference(key: str, field: FieldInfo) -> None:
    bounds = [getattr(m, "le", None) or getattr(m, "lt", None) for m in field.metadata]  # annotated_types Le, Lt
    bound = next((b for b in bounds if b is not None), None)
    reference = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    listed = key.replace("sections.feeds.", "sections[].feeds[].").replace("channels.", "channels[].")
    row = re.search(rf"^\| `{re.escape(listed)}` \|.*$", reference, re.M)
    assert bound is not None and row is not None and re.search(rf"(at most|less than) {bound:,}\b", row.group(0))


# ------------------------------------------------------------------------------------------------ fuzzing

_scalars = strategies.one_of(
    strategies.none(),
    strategies.booleans(),
    strategies.integers(min_value=-(10**30), max_value=10**30),
    strategies.floats(),
    strategies.text(max_size=30),
    strategies.sampled_from([".inf", "-.inf", ".nan", "http://[::1", "http://a:99999/", "06:30", "[/red]"]),
)
_keys = strategies.sampled_from(
    [
        "sections",
        "name",
        "feeds",
        "url",
        "poll",
        "cluster",
        "email",
        "smtp",
        "port",
        "timeout",
        "window_hours",
        "interval_minutes",
        "editions",
        "at",
        "timezone",
        "lookback_hours",
        "subscribers",
        "render",
        "rank",
        "x",
    ]
)
_documents = strategies.recursive(
    _scalars,
    lambda inner: strategies.lists(inner, max_size=3) | strategies.dictionaries(_keys, inner, max_size=4),
    max_leaves=20,
)
_texts = strategies.one_of(
    _documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    strategies.text(max_size=200),
    strategies.sampled_from(["? [a]\n: 1\n", "a: &x [*x]\n", "!!python/object:os.system {}\n", "a: !!binary x\n"]),
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(text=_texts)
def test_fuzzed_files_load_or_give_located_problems(text: str) -> None:
    """Whatever the file holds, loading returns settings or raises ConfigError: never another exception."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feeds.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8", errors="surrogatepass")
        try:
            load_settings(path, environ={})
        except ConfigError as error:
            assert error.problems and all(isinstance(p, str) and "\n" not in p for p in error.problems)
