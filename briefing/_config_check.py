"""How feeds.yaml is read and how its problems are worded; `briefing.config` is the public face.

Reading keeps the file's duplicate keys (plain YAML silently keeps the last one) and turns syntax errors into one
line with line and column. It refuses, each with one located line, what no feeds.yaml needs and what once
crashed or stalled the loader: a file over MAX_CONFIG_BYTES, nesting deeper than MAX_DEPTH, keys that are not
text, integers of more than MAX_DIGITS digits, aliases that expand past MAX_VALUES values.

Checking covers what spans several keys (unique names and URLs, at least one feed, subscribers' sections).
Describing turns each pydantic error into one line: `key.path[0]: expected ..., got ...`, with a did-you-mean for
unknown keys.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlsplit, urlunsplit

import yaml
from pydantic import BaseModel
from pydantic_core import ErrorDetails
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from briefing.errors import ConfigError

MAX_CONFIG_BYTES = 1024 * 1024  # larger feeds.yaml files are refused unread (a 50 MB file parsed for minutes)
MAX_DEPTH = 64  # a feeds.yaml nests 6 levels; PyYAML composes recursively and 5,000 levels overflow the stack
MAX_DIGITS = 18  # every bounded number fits; int() of 5,000 digits raises, and bigger ones cost seconds
MAX_VALUES = 100_000  # values after aliases are expanded: nine levels of ten aliases is a billion

NO_FEEDS = "sections: no feeds configured; expected at least one section with at least one feed url"


# ---------------------------------------------------------------------------------------------- reading


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that no feeds.yaml needs, refused before it costs anything (see the module docstring)."""

    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class _Checks:
    """The checks both loaders make while composing: nesting depth and alias expansion (see the module docstring)."""

    duplicates: list[str]
    _depth: int

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    f"nested deeper than {MAX_DEPTH} levels; a feeds.yaml needs at most 6",
                    self.peek_event().start_mark,  # type: ignore[attr-defined]
                )
            return super().compose_node(parent, index)  # type: ignore[misc,no-any-return]
        finally:
            self._depth -= 1

    def get_single_node(self) -> yaml.Node | None:
        node: yaml.Node | None = super().get_single_node()  # type: ignore[misc]
        if node is not None and _expanded_size(node, {}) > MAX_VALUES:
            raise _Refused(f"expands to more than {MAX_VALUES:,} values through aliases", node.start_mark)
        return node


class _Loader(_Checks, yaml.SafeLoader):
    """A safe loader that notes duplicate keys (plain YAML keeps the last one silently) and refuses deep
    nesting, keys that are not text, overlong integers and alias bombs."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates = []
        self._depth = 0


_AnyLoader = Any  # `_Loader` or `_FastLoader`: both compose, construct and check alike
_fast_loader: type[Any] | None = None

try:
    from yaml._yaml import CParser  # libyaml's scanner and parser
except ImportError:  # PyYAML built without libyaml: every file is read by `_Loader`
    pass
else:

    class _FastLoader(_Checks, Composer, CParser, SafeConstructor, Resolver):
        """`_Loader` with libyaml's scanner and parser (C) under the same Python composer, constructors and
        checks: the same values and duplicate keys, five times faster (a 200-feed file: 42 -> 8 ms of CPU), which
        is most of what reading the config costs an idle cron tick. Its errors are worded by libyaml, so a file it
        refuses is read again by `_Loader` for the message (`_load`)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self.duplicates = []
            self._depth = 0

    _fast_loader = _FastLoader


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values `node` stands for once every alias is expanded (each shared node counted once)."""
    if id(node) not in sizes:
        sizes[id(node)] = 0  # a recursive alias counts as nothing more while it is being measured
        if isinstance(node, yaml.SequenceNode):
            children: list[yaml.Node] = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        sizes[id(node)] = min(1 + sum(_expanded_size(child, sizes) for child in children), MAX_VALUES + 1)
    return sizes[id(node)]


def _construct_int(loader: _AnyLoader, node: yaml.ScalarNode) -> int:
    digits = sum(char.isdigit() for char in str(node.value))
    if digits > MAX_DIGITS:
        raise _Refused(f"a number with {digits} digits; expected at most {MAX_DIGITS}", node.start_mark)
    return int(loader.construct_yaml_int(node))


def _check_key(loader: _AnyLoader, key_node: yaml.Node) -> None:
    """Keys are names: a list or mapping as a key, or a bare yes/no/1 that YAML reads as a non-string, is not."""
    if not isinstance(key_node, yaml.ScalarNode):
        kind = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
        raise _Refused(f"expected a key name (text), got {kind}", key_node.start_mark)
    implicit = (not key_node.style, False)  # plain: style None from `_Loader`, '' from libyaml
    if loader.resolve(yaml.ScalarNode, key_node.value, implicit) != "tag:yaml.org,2002:str":
        shown = _show(loader.construct_object(key_node))
        raise _Refused(f"expected a key name (text), got {shown}; quote it", key_node.start_mark)


def _construct_mapping(loader: _AnyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:merge"):
            _check_key(loader, key_node)
        if isinstance(key_node, yaml.ScalarNode) and key_node.value in seen:
            line = key_node.start_mark.line + 1
            loader.duplicates.append(f"line {line}: duplicate key {key_node.value!r}; expected each key once")
        seen.add(key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node))
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node))


for _loader in (_Loader, _fast_loader) if _fast_loader is not None else (_Loader,):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def read_yaml(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The file's top-level mapping and the duplicate keys found, or a one-line ConfigError."""
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: the file is {size:,} bytes; a feeds.yaml is at most {MAX_CONFIG_BYTES:,}")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file; run `briefing init` to write a starter config, or pass --config PATH"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the file: {error}") from None
    data, duplicates = _load(path, text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings (key: value lines), got {_show(data)}")
    return data, duplicates


def _load(path: Path, text: str) -> tuple[Any, list[str]]:
    """The file's data and duplicate keys: read by `_FastLoader` when every line is a plain one (`_PLAIN_LINE`),
    else, or when the fast read fails, by `_Loader`, so that every file is taken or refused, and every refusal
    worded, as before."""
    if _fast_loader is not None and all(_PLAIN_LINE.fullmatch(line) for line in text.split("\n")):
        try:
            return _read(_fast_loader(text))
        except (yaml.YAMLError, ValueError, TypeError, RecursionError):
            pass  # the message comes from `_Loader` below
    try:
        return _read(_Loader(text))  # its reader refuses control characters here, before parsing
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: {_yaml_error(error)}") from None
    except (ValueError, TypeError, RecursionError) as error:  # a constructor on a value the checks above let by
        raise ConfigError(f"{path}: cannot read the file as settings: {' '.join(str(error).split())[:160]}") from None


# The lines on which libyaml and PyYAML's own reader are known to agree (tests/test_config_hostile.py fuzzes
# them): block mappings and sequences of plain or simply quoted values, and comments. Outside them the two part
# ways in corners (a tab in a value, a bare `!` tag, `|#`), so a file with any other line is read by `_Loader`:
# flow collections, anchors and aliases, tags, block scalars, directives, escapes, tabs, control characters.
_TEXT = r"\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff"  # beyond ASCII, no breaks
_PLAIN_LINE = re.compile(
    rf"""
    (?: \x20* (?: -\x20+ )*                                       # indentation, dashes of sequence items
        (?: (?: [A-Za-z_][A-Za-z0-9_]* | "[\x20!\x23-\x5b\x5d-\x7e{_TEXT}]*" | '[\x20-\x26\x28-\x7e{_TEXT}]*' )
            : (?: \x20+ | $ ) )?                                  # a key
        (?: [A-Za-z0-9_./(+${_TEXT}] (?: [A-Za-z0-9_./()+$=&%~@,;?'"{_TEXT}-] | \x20(?!\x20*\#) | :(?=[^\x20]) )*
          | "[\x20!\x23-\x5b\x5d-\x7e{_TEXT}]*" | '[\x20-\x26\x28-\x7e{_TEXT}]*' )?  # a plain value, or a quoted one
    )?
    \x20* (?: (?<![^\x20]) \#[\x20-\x7e{_TEXT}]* )? \r?           # a comment, after a space or alone
    """,
    re.VERBOSE,
)


def _read(loader: _AnyLoader) -> tuple[Any, list[str]]:
    try:
        return loader.get_single_data(), loader.duplicates
    finally:
        loader.dispose()


def _yaml_error(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    problem = problem if isinstance(error, _Refused) else f"invalid YAML: {problem}"
    if mark is None:
        return problem
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"


# --------------------------------------------------------------------------------------------- checking


def cross_field_problems(data: dict[str, Any]) -> list[str]:
    """Checks that span several keys; tolerant of a badly shaped file (pydantic reports the shapes)."""
    sections = [s for s in _list(data.get("sections")) if isinstance(s, dict)]
    problems = _duplicates([s.get("name") for s in sections], "sections[{i}].name", "section name")
    problems += _duplicates(
        [e.get("name") for e in _list(data.get("editions")) if isinstance(e, dict)],
        "editions[{i}].name",
        "edition name",
    )
    problems += _duplicate_feed_urls(sections)
    if not any(_list(s.get("feeds")) for s in sections) and isinstance(data.get("sections") or [], list):
        problems.append(NO_FEEDS)
    problems += _email_problems(data.get("email"), {s.get("name") for s in sections})
    return problems


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _duplicates(values: list[object], where: str, what: str) -> list[str]:
    first: dict[object, int] = {}
    problems = []
    for index, value in enumerate(values):
        if not isinstance(value, str):
            continue
        if value in first:
            original = where.format(i=first[value])
            problems.append(f"{where.format(i=index)}: duplicate {what} {value!r}; already used by {original}")
        first.setdefault(value, index)
    return problems


def _duplicate_feed_urls(sections: list[dict[str, Any]]) -> list[str]:
    first: dict[str, str] = {}
    problems = []
    for i, section in enumerate(sections):
        for j, feed in enumerate(_list(section.get("feeds"))):
            url = feed.get("url") if isinstance(feed, dict) else None
            if not isinstance(url, str):
                continue
            where, key = f"sections[{i}].feeds[{j}].url", _url_key(url)
            if key in first:
                problems.append(f"{where}: duplicate feed URL {url!r}; already listed at {first[key]}")
            first.setdefault(key, where)
    return problems


def _url_key(url: str) -> str:
    """The URL as a server sees it: scheme and host are case-insensitive, so `https://Example.org/feed` and
    `https://example.org/feed` are one feed (the path is case-sensitive and kept)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # "http://[::1": the url field's own check reports it; compare it as written
        return url.strip()
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _email_problems(email: object, section_names: set[object]) -> list[str]:
    if not isinstance(email, dict):
        return []
    problems = []
    subscribers = _list(email.get("subscribers"))
    if email.get("enabled") is True and not subscribers and not email.get("subscribers_file"):
        problems.append("email.enabled: true, but expected subscribers or subscribers_file to send to")
    for i, subscriber in enumerate(subscribers):
        wanted = subscriber.get("sections") if isinstance(subscriber, dict) else None
        for j, name in enumerate(_list(wanted)):
            if isinstance(name, str) and name not in section_names:
                known = ", ".join(sorted(str(n) for n in section_names if isinstance(n, str))) or "none"
                problems.append(
                    f"email.subscribers[{i}].sections[{j}]: expected a configured section ({known}), got {name!r}"
                )
    return problems


# ------------------------------------------------------------------------------------------- describing

_EXPECTED = {
    "string_type": "expected text",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "finite_number": "expected a finite number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "list_type": "expected a list (lines starting with '- ')",
    "model_type": "expected a mapping (key: value lines)",
    "model_attributes_type": "expected a mapping (key: value lines)",
    "dict_type": "expected a mapping (key: value lines)",
}


def describe(detail: ErrorDetails, root: type[BaseModel]) -> str:
    """One pydantic error as `key.path[0]: expected ..., got ...`."""
    where = _format_loc(detail["loc"]) or "(top level)"
    kind = detail["type"]
    if kind == "extra_forbidden":
        variable = secret_variable(detail["loc"])
        if variable:
            return f"{where}: secrets are not read from the file; set {variable} in the environment"
        return f"{where}: unknown key{_did_you_mean(detail['loc'], root)}"
    if kind == "missing":
        return f"{where}: required key is missing"
    return f"{where}: {_expected(detail)}, got {_show(detail['input'])}"


def secret_variable(loc: tuple[int | str, ...]) -> str | None:
    """The environment variable for an unknown key that looks like a secret (`email.smtp.password`), if any."""
    word = str(loc[-1]).lower().replace("-", "_") if loc else ""
    if loc and loc[0] == "summariser" and any(part in word for part in ("key", "token", "secret", "password")):
        return "OPENAI_API_KEY"
    if ("database" in word or word.startswith("db")) and "pass" in word:
        return "BRIEFING_DATABASE_PASSWORD"
    if "password" in word or word in ("pass", "passwd"):
        return "BRIEFING_SMTP_PASSWORD"
    if "secret" in word:
        return "BRIEFING_UNSUBSCRIBE_SECRET"
    if "api_key" in word or "apikey" in word:
        return "OPENAI_API_KEY"
    return None


def _expected(detail: ErrorDetails) -> str:
    kind, ctx = detail["type"], detail.get("ctx", {})
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", detail["msg"]))
    if kind == "literal_error":
        return f"expected one of {ctx['expected']}"
    bounds = {"greater_than": "greater than", "greater_than_equal": "at least", "less_than": "less than"}
    bounds["less_than_equal"] = "at most"
    if kind in bounds:
        limit = next(iter(ctx.values()))
        return f"expected a number {bounds[kind]} {limit:g}"
    return _EXPECTED.get(kind) or detail["msg"].replace("Input should be", "expected", 1)


def _format_loc(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _show(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):  # a password written into a URL is never echoed back
        value = re.sub(r"(password=)[^&\s]+", r"\1***", re.sub(r"(://[^/:@\s]+:)[^/@\s]+@", r"\1***@", value))
    if isinstance(value, str) and len(value) > 80:
        value = value[:77] + "..."
    shown = repr(value)
    return shown if len(shown) <= 90 else shown[:87] + "..."


def _did_you_mean(loc: tuple[int | str, ...], root: type[BaseModel]) -> str:
    model = _model_at(loc[:-1], root)
    if model is None or not isinstance(loc[-1], str):
        return ""
    names = [info.alias or name for name, info in model.model_fields.items() if not info.exclude]
    import difflib  # only a file with an unknown key needs it

    close = difflib.get_close_matches(loc[-1], names, n=1, cutoff=0.6)
    known = ", ".join(names)
    return f"; did you mean {close[0]!r}?" if close else f"; expected one of: {known}"


def _model_at(loc: tuple[int | str, ...], root: type[BaseModel]) -> type[BaseModel] | None:
    """The settings model that a key path leads to (list indices step into the item model)."""
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None:
            return None
        fields = {info.alias or name: info for name, info in model.model_fields.items()}
        info = fields.get(part) or model.model_fields.get(part)
        model = _inner_model(info.annotation) if info else None
    return model


def _inner_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _inner_model(argument)
        if found is not None:
            return found
    return None
