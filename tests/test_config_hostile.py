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


# ---------------------------------------------------------------------------- the two readers agree
# A file whose every line is plain (`_PLAIN_LINE`) is read by libyaml (`_FastLoader`), any other by PyYAML's own
# reader (`_Loader`); a file libyaml refuses is read again by `_Loader`, which words the refusal. So every plain
# file must be read alike by both, and the corners where they differ must not count as plain.

_DIFFERING = ["a:\tb\n", "a: b\tc\n", "!\n", "|#\n"]
_PLAIN = [
    FEED.replace("sections: [{name: World, feeds: [{url: 'https://a.example/rss'}]}]", "x: 1"),
    "yes: 1\nno: 2\non: 3\n'yes': 4\n\"no\": 5\n",
    "a: 06:30\nb: '06:30'\nc: 6:30\nd: 0o17\ne: 017\nf: 0x1F\ng: 1_000\nh: 1e3\ni: .inf\nj: null\nk: 2026-11-25\n",
    "a: 1\na: 2\nb:\n  c: 1\n  c: 1\n",
    "- a\n- - b\n  - c: d\n",
    "a: x # comment\n# only a comment\n  # an indented one\n",
    "a: 1\r\nb: 2\r\n",
    "  a: 1\n b: 2\n",
    "a:\n- 1\n- 2\n",
    "a:b\n",
    "sections:\n  - name: World\n    feeds:\n      - url: https://a.example/rss?a=1&b=2\n        weight: 2\n",
    "sections:\n  - name: Monde\n    feeds:\n      - url: https://a.example/rss\n"
    "        name: Le Monde \u2013 \u00e9co  # \u00e9\n",
    "",
    "\n\n",
]


def _read_both(text: str) -> tuple[str, str]:
    """What each reader makes of `text`: its values and duplicate keys, or the kind of error it raised."""
    from briefing import _config_check

    assert _config_check._fast_loader is not None, "PyYAML here is built with libyaml"
    results = []
    for loader in (_config_check._fast_loader, _config_check._Loader):
        try:
            results.append(repr(_config_check._read(loader(text))))
        except (yaml.YAMLError, ValueError, TypeError, RecursionError) as error:
            results.append(f"refused: {type(error).__name__}")
    return results[0], results[1]


def _plain(text: str) -> bool:
    from briefing._config_check import _PLAIN_LINE

    return all(_PLAIN_LINE.fullmatch(line) for line in text.split("\n"))


def _read_alike(text: str) -> bool:
    fast, python = _read_both(text)
    return fast.startswith("refused") or fast == python  # what libyaml refuses, `_Loader` reads again


@pytest.mark.parametrize("text", _DIFFERING)
def test_files_the_two_readers_read_differently_are_not_plain(text: str) -> None:
    assert (_read_alike(text), _plain(text)) == (False, False)


@pytest.mark.parametrize("text", _PLAIN)
def test_plain_files_are_read_alike_by_both_readers(text: str) -> None:
    assert (_plain(text), _read_alike(text)) == (True, True)


def test_the_shipped_configs_are_plain_and_read_alike() -> None:
    shipped = [ROOT / "feeds.yaml", ROOT / "briefing" / "starter.yaml"]
    assert [
        (path.name, _plain(text := path.read_text(encoding="utf-8-sig")), _read_alike(text)) for path in shipped
    ] == [(path.name, True, True) for path in shipped]


_plain_values = strategies.sampled_from(
    ["", "1", "x", "06:30", "6:30", "0x1F", "017", "0o17", "1_000", "1e3", ".inf", ".NaN", "~", "null", "true", "Yes",
     "off", "https://a.org/rss?a=1&b=2", "a b", "2026-11-25", "2026-11-25 06:30:00", "1:2:3", "a:b", "a'b", 'a"b',
     "'q'", '"q"', "''", "(x)", "$x", "+1", "./p", "a; b, c", "a:", "3.", "0", "00", "Le Monde – Monde",
     "日本経済新聞", "'Süddeutsche'", "café 😀", " x"]
)  # fmt: skip
_plain_lines = strategies.tuples(
    strategies.sampled_from(["", " ", "  ", "   ", "    "]),
    strategies.sampled_from(["", "- ", "- - "]),
    strategies.sampled_from(["", "a:", "url:", "yes:", "on:", "'a':", '"b":', "<<:", "null:", "1:"]),
    strategies.sampled_from(["", " "]),
    _plain_values,
    strategies.sampled_from(["", " # c", "  #", " #x:y"]),
    strategies.sampled_from(["", "\r"]),
).map("".join)
_plain_texts = strategies.lists(_plain_lines, max_size=12).map("\n".join).filter(_plain)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(text=_plain_texts)
def test_fuzzed_plain_files_are_read_alike_by_both_readers(text: str) -> None:
    assert _read_alike(text)


def test_a_plain_config_is_read_by_libyaml_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What keeps a full idle check fast: a plain feeds.yaml never reaches PyYAML's Python reader."""
    from briefing import _config_check

    def refuse(text: str) -> None:
        raise AssertionError("read by PyYAML's Python reader")

    monkeypatch.setattr(_config_check, "_Loader", refuse)
    path = write(tmp_path, (ROOT / "briefing" / "starter.yaml").read_text(encoding="utf-8"))

    assert load_settings(path, environ={}).sections[0].feeds
