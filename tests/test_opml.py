"""Feed lists move in and out of other readers as OPML; importing edits feeds.yaml without losing comments."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.config import feeds_from_settings, load_settings
from briefing.errors import ConfigError
from briefing.models import Feed
from briefing.opml import OpmlFeed, import_opml, parse_opml, write_opml

CONFIG = """\
# My feeds. Keep this comment.
timezone: Europe/London
sections:
  - name: World
    feeds:
      - url: https://a.example/rss   # the first one
        name: A News

  - name: Tech
    feeds:
      - url: https://b.example/atom
# trailing comment
"""


def opml(body: str) -> bytes:
    return f'<?xml version="1.0"?><opml version="2.0"><head/><body>{body}</body></opml>'.encode()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------------- parsing


def test_parse_opml_reads_feeds_with_their_folders_in_document_order() -> None:
    data = opml(
        '<outline text="Top" xmlUrl="https://top.example/rss"/>'
        '<outline text="News"><outline title="Inner" text="x" xmlurl="https://in.example/rss"/>'
        '<outline text="Deeper"><outline text="D" XMLURL=" https://deep.example/rss "/></outline></outline>'
    )
    assert parse_opml(data) == [
        OpmlFeed("https://top.example/rss", "Top", None),
        OpmlFeed("https://in.example/rss", "Inner", "News"),
        OpmlFeed("https://deep.example/rss", "D", "Deeper"),
    ]


def test_parse_opml_refuses_entity_expansion() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.example/rss"/></body></opml>'
    )
    with pytest.raises(ConfigError, match=r"^list\.opml: not a readable OPML file: "):
        parse_opml(bomb, source="list.opml")


def test_parse_opml_refuses_external_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY s SYSTEM "file://{secret}">]>'
        '<opml version="2.0"><body><outline text="&s;" xmlUrl="https://x.example/rss"/></body></opml>'
    ).encode()
    with pytest.raises(ConfigError, match="not a readable OPML file"):
        parse_opml(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><body/></html>", "not an OPML file (expected <opml> with a <body>), got <html>"),
        (b"<opml version='2.0'><body>", "not a readable OPML file"),
        (b"", "not a readable OPML file"),
    ],
)
def test_parse_opml_explains_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_opml(data)


# ------------------------------------------------------------------------------------------------- writing


def test_write_opml_groups_sections_as_folders_and_escapes_text() -> None:
    feeds = [
        Feed(key="https://a.example/rss?x=1&y=2", url="x", section="World", name='A & "B" <news>'),
        Feed(key="https://b.example/rss", url="x", section="Tech & Science"),
    ]
    data = write_opml(feeds, now=datetime(2026, 11, 25, 6, 30, tzinfo=UTC))
    assert b'xmlUrl="https://a.example/rss?x=1&amp;y=2"' in data
    assert b"&lt;news&gt;" in data and b"<dateCreated>Wed, 25 Nov 2026 06:30:00 +0000</dateCreated>" in data
    assert parse_opml(data) == [
        OpmlFeed("https://a.example/rss?x=1&y=2", 'A & "B" <news>', "World"),
        OpmlFeed("https://b.example/rss", None, "Tech & Science"),
    ]


def test_write_opml_labels_a_feed_by_its_name_else_its_title_else_its_url() -> None:
    feeds = [
        Feed(key="http://127.0.0.1:8000/a.xml", url="x", section="S", name="Named", title="Title A"),
        Feed(key="http://127.0.0.1:8000/b.xml", url="x", section="S", title="Title B"),
        Feed(key="http://127.0.0.1:8000/c.xml", url="x", section="S"),
    ]
    labels = [f.title for f in parse_opml(write_opml(feeds))]
    assert labels == ["Named", "Title B", None]  # the URL as its own label is read back as no name


# ----------------------------------------------------------------------------------------------- importing


def test_import_inserts_feeds_under_existing_and_new_sections_keeping_comments(config: Path) -> None:
    report = import_opml(
        config,
        [
            OpmlFeed("https://c.example/rss", 'C: "quoted" #1', "World"),
            OpmlFeed("https://d.example/rss", None, "Science"),
        ],
    )
    assert report.added_count == 2 and not report.rewritten
    assert config.read_text() == textwrap.dedent(
        """\
        # My feeds. Keep this comment.
        timezone: Europe/London
        sections:
          - name: World
            feeds:
              - url: https://a.example/rss   # the first one
                name: A News
              - url: "https://c.example/rss"
                name: "C: \\"quoted\\" #1"

          - name: Tech
            feeds:
              - url: https://b.example/atom

          - name: "Science"
            feeds:
              - url: "https://d.example/rss"
        # trailing comment
        """
    )


def test_import_skips_known_and_non_http_feeds_and_honours_section(config: Path) -> None:
    report = import_opml(
        config,
        [
            OpmlFeed("https://a.example/rss", "Again", "World"),
            OpmlFeed("ftp://old.example/feed", "Old", None),
            OpmlFeed("https://e.example/rss", "E", "Elsewhere"),
            OpmlFeed("https://e.example/rss", "E twice", "Elsewhere"),
        ],
        section="Tech",
    )
    feeds = feeds_from_settings(load_settings(config, environ={}))
    assert report.skipped == [
        ("https://a.example/rss", "already in the config"),
        ("ftp://old.example/feed", "not an http(s) URL"),
        ("https://e.example/rss", "already listed earlier in the OPML file"),
    ]
    assert [(f.section, f.key) for f in feeds][-1] == ("Tech", "https://e.example/rss")


def test_import_skips_a_url_that_differs_only_in_case(config: Path) -> None:
    report = import_opml(
        config,
        [
            OpmlFeed("HTTPS://A.example/rss", "A again", "World"),
            OpmlFeed("https://f.example/Feed", "F", "World"),
            OpmlFeed("https://F.EXAMPLE/feed", "F again", "World"),
        ],
    )
    assert report.skipped == [
        ("HTTPS://A.example/rss", "already in the config as https://a.example/rss"),
        ("https://F.EXAMPLE/feed", "already listed earlier in the OPML file as https://f.example/Feed"),
    ]


def test_import_adds_new_sections_in_the_opml_order(config: Path) -> None:
    folders = ["Science", "Sport", "Arts"]
    import_opml(config, [OpmlFeed(f"https://{name.lower()}.example/rss", name, name) for name in folders])
    sections = [s.name for s in load_settings(config, environ={}).sections]
    assert sections == ["World", "Tech", *folders]


def test_import_rewrites_a_file_it_cannot_edit_as_text_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("sections: [{name: World, feeds: [{url: 'https://a.example/rss'}]}]\n")
    report = import_opml(path, [OpmlFeed("https://b.example/rss", "B", "World")])
    assert report.rewritten
    assert [f.key for f in feeds_from_settings(load_settings(path, environ={}))] == [
        "https://a.example/rss",
        "https://b.example/rss",
    ]


@pytest.mark.parametrize("empty", ["sections:\n", "sections: []\n"])
def test_import_into_empty_sections_rewrites_the_file(tmp_path: Path, empty: str) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("timezone: UTC\n" + empty)
    report = import_opml(path, [OpmlFeed("https://a.example/rss", "A", "World")])
    assert report.rewritten
    assert [f.key for f in feeds_from_settings(load_settings(path, environ={}))] == ["https://a.example/rss"]


def test_import_into_a_config_without_feeds_adds_a_sections_key(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("# fresh\ntimezone: UTC")
    import_opml(path, [OpmlFeed("https://a.example/rss", "A", None)])
    assert path.read_text().startswith('# fresh\ntimezone: UTC\n\nsections:\n  - name: "Imported"\n')
    assert load_settings(path, environ={}).sections[0].feeds[0].name == "A"


def test_import_leaves_an_invalid_config_untouched(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(CONFIG + "timezone_typo: x\n")
    with pytest.raises(ConfigError, match="timezone_typo: unknown key"):
        import_opml(path, [OpmlFeed("https://z.example/rss")])
    assert path.read_text() == CONFIG + "timezone_typo: x\n"
    assert [p.name for p in tmp_path.iterdir()] == ["feeds.yaml"]


def test_export_then_import_gives_the_same_feeds(tmp_path: Path) -> None:
    source = load_settings(Path(__file__).parent.parent / "feeds.yaml", environ={})
    target = tmp_path / "feeds.yaml"
    target.write_text("timezone: UTC\n")
    import_opml(target, parse_opml(write_opml(feeds_from_settings(source))))
    imported = feeds_from_settings(load_settings(target, environ={}))
    assert [(f.section, f.key, f.name) for f in imported] == [
        (f.section, f.key, f.name) for f in feeds_from_settings(source)
    ]
