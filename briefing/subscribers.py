"""The subscriber list: from feeds.yaml (`email.subscribers`) and/or a YAML or CSV file (`email.subscribers_file`).

Knows addresses, names and section filters; knows nothing of SMTP or the store (the suppression list of
unsubscribed addresses is applied by the sender). Every problem is collected and reported as one located line
(`subscribers.csv: row 3: email: expected an address, got 'bob'`), then the whole load fails with exit 2.

CSV: a header row with `email` and optionally `name` and `sections` (section names separated by `;`).
YAML: a list of mappings with the same keys (`sections` a list), or a mapping with a `subscribers` list.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from briefing.config import Settings
from briefing.errors import ConfigError
from briefing.models import Subscriber

# Deliberately loose (RFC 5322 is not a regular language): one @, no spaces or angle brackets, a dot in the
# domain. The server has the final word; this catches typos and pasted "Name <addr>" forms early.
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"\x00-\x1f\x7f]+@[^@\s<>(),;:\"\x00-\x1f\x7f]+\.[^@\s<>(),;:\".\x00-\x1f\x7f]+$")
MAX_YAML_BYTES = 16 * 1024 * 1024  # PyYAML reads about 1 MB a second: a bigger list belongs in a CSV
_KEYS = frozenset({"email", "name", "sections"})


@dataclass(frozen=True)
class _Entry:
    where: str  # "feeds.yaml: email.subscribers[2]" or "subscribers.csv: row 3"
    data: Mapping[str, Any]


def load_subscribers(settings: Settings) -> list[Subscriber]:
    """All subscribers, config list first then the file, one per address (case-insensitive).

    Raises ConfigError listing every problem (bad address, unknown section, duplicate, unreadable file).
    """
    entries = list(_config_entries(settings))
    if settings.email.subscribers_file:
        entries += _file_entries(settings.resolve(settings.email.subscribers_file))
    known_sections = {section.name for section in settings.sections}
    problems: list[str] = []
    subscribers: list[Subscriber] = []
    first_seen: dict[str, str] = {}
    for entry in entries:
        subscriber = _validate(entry, known_sections, problems)
        if subscriber is None:
            continue
        key = subscriber.email.lower()
        if key in first_seen:
            problems.append(f"{entry.where}: email: {subscriber.email} is already listed at {first_seen[key]}")
            continue
        first_seen[key] = entry.where
        subscribers.append(subscriber)
    if problems:
        raise ConfigError(f"{len(problems)} problem(s) in the subscriber list", problems=problems)
    return subscribers


def is_address(text: str) -> bool:
    """A plausible bare e-mail address (no display name), ASCII only: internationalised addresses need
    SMTPUTF8, which this version does not negotiate."""
    return text.isascii() and bool(_ADDRESS.match(text))


def _config_entries(settings: Settings) -> Iterable[_Entry]:
    config_name = settings.config_path.name if settings.config_path else "feeds.yaml"
    for index, subscriber in enumerate(settings.email.subscribers):
        yield _Entry(f"{config_name}: email.subscribers[{index}]", subscriber.model_dump(exclude_none=True))


def _file_entries(path: Path) -> list[_Entry]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the subscriber file: {error}") from error
    if path.suffix.lower() == ".csv":
        return _csv_entries(path, text)
    if path.suffix.lower() in {".yaml", ".yml"}:
        if len(text) > MAX_YAML_BYTES:
            raise ConfigError(
                f"{path.name}: {len(text):,} characters; a YAML subscriber file is at most {MAX_YAML_BYTES:,} "
                "(use a CSV file for longer lists)"
            )
        return _yaml_entries(path, text)
    raise ConfigError(f"{path}: subscriber files must end in .csv, .yaml or .yml")


def _csv_entries(path: Path, text: str) -> list[_Entry]:
    reader = csv.DictReader(text.splitlines())
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if "email" not in header:
        raise ConfigError(f"{path.name}: row 1: expected a header row with an `email` column, got {header}")
    reader.fieldnames = header
    try:
        return _csv_rows(path, reader)
    except csv.Error as error:  # a field past the csv module's limit (128 KiB), a NUL byte: not a subscriber list
        raise ConfigError(
            f"{path.name}: row {reader.line_num + 1}: {_csv_problem(error)}; expected a CSV of subscribers"
        ) from None


def _csv_problem(error: csv.Error) -> str:
    if "field larger" in str(error):
        return f"a field is longer than {csv.field_size_limit()} characters"
    return f"unreadable CSV ({error})"


def _csv_rows(path: Path, reader: csv.DictReader[str]) -> list[_Entry]:
    entries = []
    for row_number, row in enumerate(reader, start=2):  # row 1 is the header
        data: dict[str, Any] = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if None in row:
            data["__extra__"] = row[None]
        if data.get("sections"):
            data["sections"] = [part.strip() for part in data["sections"].split(";") if part.strip()]
        else:
            data.pop("sections", None)
        if not data.get("name"):
            data.pop("name", None)
        entries.append(_Entry(f"{path.name}: row {row_number}", data))
    return entries


def _yaml_entries(path: Path, text: str) -> list[_Entry]:
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError) as error:  # deep nesting, a 5,000-digit number
        raise ConfigError(f"{path.name}: not valid YAML: {' '.join(str(error).split())[:200]}") from None
    if isinstance(data, dict) and "subscribers" in data:
        data = data["subscribers"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise ConfigError(f"{path.name}: expected a list of subscribers, got {type(data).__name__}")
    return [
        _Entry(f"{path.name}: [{index}]", item if isinstance(item, dict) else {"__not_a_mapping__": item})
        for index, item in enumerate(data)
    ]


def _validate(entry: _Entry, known_sections: set[str], problems: list[str]) -> Subscriber | None:
    data = entry.data
    if "__not_a_mapping__" in data:
        problems.append(f"{entry.where}: expected a mapping with an `email` key, got {data['__not_a_mapping__']!r}")
        return None
    if "__extra__" in data:
        problems.append(f"{entry.where}: more fields than the header has columns")
        return None
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        problems.append(f"{entry.where}: unknown key(s) {', '.join(unknown)}; expected email, name, sections")
        return None
    email = str(data.get("email") or "").strip()
    if not is_address(email):
        problems.append(f"{entry.where}: email: expected an address like reader@example.org, got {email!r}")
        return None
    sections = _sections(entry, data.get("sections"), known_sections, problems)
    name = data.get("name")
    return Subscriber(email=email, name=str(name).strip() if name else None, sections=sections)


def _sections(entry: _Entry, value: Any, known_sections: set[str], problems: list[str]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(f"{entry.where}: sections: expected a list of section names, got {value!r}")
        return None
    unknown = [name for name in value if known_sections and name not in known_sections]
    if unknown:
        expected = ", ".join(sorted(known_sections))
        problems.append(f"{entry.where}: sections: unknown section(s) {', '.join(unknown)}; expected one of {expected}")
    return tuple(value) or None
