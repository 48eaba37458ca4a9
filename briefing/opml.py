"""Feed lists in and out of other readers: OPML 2.0 <-> feeds.yaml.

OPML files come from elsewhere and are untrusted XML: they are parsed with defusedxml (no entity expansion,
no external entities, no DTD tricks). Importing adds feeds to feeds.yaml by inserting text, so the user's
comments and layout survive; only when the file's layout is one this cannot safely edit (flow-style lists,
anchors) is it re-written from the data, and the report says so. The edited file is validated before it
replaces the old one, atomically.

This module knows OPML and the layout of feeds.yaml; it knows nothing of polling or the store.
"""

from __future__ import annotations

import json
import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import yaml
from defusedxml import DefusedXmlException

from briefing.config import NO_FEEDS, feeds_from_settings, load_settings
from briefing.errors import ConfigError
from briefing.models import Feed

DEFAULT_SECTION = "Imported"


@dataclass(frozen=True)
class OpmlFeed:
    """One feed outline: its URL, its title, and the folder it sat in (None at the top level)."""

    url: str
    title: str | None = None
    folder: str | None = None


@dataclass(frozen=True)
class ImportReport:
    """What an import did: feeds added per section, feeds skipped with the reason, whether comments were lost."""

    added: dict[str, list[OpmlFeed]] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    rewritten: bool = False

    @property
    def added_count(self) -> int:
        return sum(len(feeds) for feeds in self.added.values())


# ------------------------------------------------------------------------------------------------- reading


def parse_opml(data: bytes, source: str = "OPML") -> list[OpmlFeed]:
    """Every outline with an xmlUrl, in document order, with its nearest enclosing folder's name."""
    try:
        root = SafeET.fromstring(data)
    except (ET.ParseError, DefusedXmlException, ValueError) as error:
        raise ConfigError(f"{source}: not a readable OPML file: {error}") from None
    if root.tag.lower() != "opml" or root.find("body") is None:
        raise ConfigError(f"{source}: not an OPML file (expected <opml> with a <body>), got <{root.tag}>")
    body = root.find("body")
    assert body is not None
    return list(_outlines(body, folder=None))


def _outlines(parent: ET.Element, folder: str | None) -> Iterator[OpmlFeed]:
    for outline in parent.findall("outline"):
        url = _attribute(outline, "xmlUrl")
        label = _attribute(outline, "title") or _attribute(outline, "text")
        if url:
            named = label if label and label != url.strip() else None  # a URL as its own label is no name
            yield OpmlFeed(url=url.strip(), title=named, folder=folder)
        else:
            yield from _outlines(outline, folder=label or folder)


def _attribute(element: ET.Element, name: str) -> str | None:
    """OPML writers disagree on case (xmlUrl, xmlurl, XMLURL)."""
    for key, value in element.attrib.items():
        if key.lower() == name.lower() and value.strip():
            return " ".join(value.split())
    return None


# ------------------------------------------------------------------------------------------------- writing


def write_opml(feeds: list[Feed], title: str = "briefing feeds", now: datetime | None = None) -> bytes:
    """OPML 2.0 with one folder outline per section, in the order sections first appear."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    if now is not None:
        ET.SubElement(head, "dateCreated").text = format_datetime(now)
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for feed in feeds:
        if feed.section not in folders:
            folders[feed.section] = ET.SubElement(body, "outline", text=feed.section, title=feed.section)
        label = feed.name or feed.title or feed.key  # not the bare host: it would label every feed of a server alike
        attributes = {"type": "rss", "text": label, "title": label, "xmlUrl": feed.key}
        ET.SubElement(folders[feed.section], "outline", attributes)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


# ------------------------------------------------------------------------------------------------ importing


def import_opml(config_path: Path, opml: list[OpmlFeed], section: str | None = None) -> ImportReport:
    """Add the OPML's new http(s) feeds to feeds.yaml, under `section` or else under each feed's folder."""
    known = {_same_feed(url): (url, "already in the config") for url in _configured_urls(config_path)}
    added: dict[str, list[OpmlFeed]] = {}
    skipped: list[tuple[str, str]] = []
    for feed in opml:
        reason = _skip_reason(feed.url, known)
        if reason:
            skipped.append((feed.url, reason))
            continue
        known[_same_feed(feed.url)] = (feed.url, "already listed earlier in the OPML file")
        added.setdefault(section or feed.folder or DEFAULT_SECTION, []).append(feed)
    if not added:
        return ImportReport(skipped=skipped)
    text = config_path.read_text(encoding="utf-8-sig")
    edited = _insert_feeds(text, added)
    rewritten = edited is None
    _replace_validated(config_path, edited if edited is not None else _rewrite(text, added))
    return ImportReport(added=added, skipped=skipped, rewritten=rewritten)


def _configured_urls(config_path: Path) -> set[str]:
    """The feed URLs already in feeds.yaml; a file that only lacks feeds is fine (that is what we add)."""
    try:
        settings = load_settings(config_path, environ={})
    except ConfigError as error:
        if all(problem.endswith(NO_FEEDS) for problem in error.problems):
            return set()
        raise
    return {feed.key.strip() for feed in feeds_from_settings(settings)}


def _skip_reason(url: str, known: dict[str, tuple[str, str]]) -> str | None:
    """Why a feed is not added (not http(s), or known by a URL that differs at most in case), or None."""
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("http", "https") or not rest:
        return "not an http(s) URL"
    if _same_feed(url) not in known:
        return None
    spelling, where = known[_same_feed(url)]
    return where if spelling == url else f"{where} as {spelling}"


def _same_feed(url: str) -> str:
    """URLs that differ only in case are one feed to an importer: host and scheme are case-blind, and a path
    that differs only in case is, in practice, the same feed listed twice."""
    return url.strip().casefold()


def _replace_validated(path: Path, text: str) -> None:
    """Write `text` beside `path`, validate it as a config, then atomically replace `path` with it."""
    handle, temporary = tempfile.mkstemp(prefix=".feeds-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        load_settings(Path(temporary), environ={})
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------------- editing feeds.yaml


def _insert_feeds(text: str, added: dict[str, list[OpmlFeed]]) -> str | None:
    """feeds.yaml with the feeds inserted as text, or None when its layout is not one this can edit."""
    if not _has_key(text, "sections"):
        return _append_sections_key(text, added)
    sections = _sections_node(text)
    if sections is None or sections.flow_style:
        return None
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    inserts: list[tuple[int, str]] = []
    for name, feeds in added.items():
        item = _section_named(sections, name)
        if item is None:
            insert = _append_section(lines, sections, name, feeds)
        else:
            insert = _insert_into_section(lines, item, feeds)
        if insert is None:
            return None
        inserts.append(insert)
    at_line: dict[int, str] = {}
    for line, block in inserts:  # blocks for the same place keep the OPML's order
        at_line[line] = at_line.get(line, "") + block
    for line, block in sorted(at_line.items(), reverse=True):
        lines.insert(line, block)
    return "".join(lines)


def _has_key(text: str, key: str) -> bool:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    return isinstance(root, yaml.MappingNode) and any(k.value == key for k, _ in root.value)


def _append_sections_key(text: str, added: dict[str, list[OpmlFeed]]) -> str:
    block = "\nsections:\n"
    for name, feeds in added.items():
        block += f"  - name: {_quote(name)}\n    feeds:\n" + "".join(_feed_lines(feed, 6, 8) for feed in feeds)
    return (text if not text or text.endswith("\n") else text + "\n") + block


def _sections_node(text: str) -> yaml.SequenceNode | None:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if key.value == "sections" and isinstance(value, yaml.SequenceNode) and value.value:
            return value
    return None


def _section_named(sections: yaml.SequenceNode, name: str) -> yaml.Node | None:
    for item in sections.value:
        found = _child(item, "name")
        if isinstance(found, yaml.ScalarNode) and found.value == name:
            return item  # type: ignore[no-any-return]
    return None


def _insert_into_section(lines: list[str], section: yaml.Node, feeds: list[OpmlFeed]) -> tuple[int, str] | None:
    """After the section's last feed, at its indentation (None if its feeds are not a non-empty block list)."""
    feed_list = _child(section, "feeds")
    if not isinstance(feed_list, yaml.SequenceNode) or feed_list.flow_style or not feed_list.value:
        return None
    last = feed_list.value[-1]
    dash, key = _dash_column(lines, last), last.start_mark.column
    if dash < 0:
        return None
    return _last_line(last) + 1, "".join(_feed_lines(feed, dash, key) for feed in feeds)


def _append_section(
    lines: list[str], sections: yaml.SequenceNode, name: str, feeds: list[OpmlFeed]
) -> tuple[int, str] | None:
    last = sections.value[-1]
    if _child(last, "name") is None:
        return None
    dash, key = _dash_column(lines, last), last.start_mark.column
    if dash < 0:
        return None
    step = key - dash
    block = f"\n{' ' * dash}- name: {_quote(name)}\n{' ' * key}feeds:\n"
    block += "".join(_feed_lines(feed, key + step, key + 2 * step) for feed in feeds)
    return _last_line(last) + 1, block


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((value for k, value in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _dash_column(lines: list[str], item: yaml.Node) -> int:
    line = lines[item.start_mark.line]
    return line.rfind("-", 0, item.start_mark.column)


def _last_line(node: yaml.Node) -> int:
    """The line where a node's last scalar ends (a block mapping's own end mark is the next key's)."""
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.value and not node.flow_style:
        last: Any = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    mark = node.end_mark
    return mark.line - 1 if mark.column == 0 else mark.line


def _feed_lines(feed: OpmlFeed, dash: int, key: int) -> str:
    text = f"{' ' * dash}-{' ' * (key - dash - 1)}url: {_quote(feed.url)}\n"
    if feed.title:
        text += f"{' ' * key}name: {_quote(feed.title)}\n"
    return text


def _quote(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML), safe for any title an OPML file carries."""
    return json.dumps(value, ensure_ascii=False)


def _rewrite(text: str, added: dict[str, list[OpmlFeed]]) -> str:
    """The fallback: the file re-dumped from its data with the feeds added (comments are lost)."""
    data = yaml.safe_load(text) or {}
    sections = data["sections"] = data.get("sections") or []
    for name, feeds in added.items():
        section = next((s for s in sections if s.get("name") == name), None)
        if section is None:
            section = {"name": name, "feeds": []}
            sections.append(section)
        section.setdefault("feeds", []).extend({"url": f.url, **({"name": f.title} if f.title else {})} for f in feeds)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
