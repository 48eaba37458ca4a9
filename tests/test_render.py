"""Rendering an edition: every format for a fixed edition, compared with golden files, and what readers rely on.

Golden files live in tests/golden/ (the paths an `outputs/` folder would have). After a deliberate change to a
template, regenerate them with `UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_render.py` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import lxml.html
import markdown
import pytest
import yaml
from edition_fixture import large_edition, sample_edition

from briefing.config import RenderSettings
from briefing.errors import ConfigError
from briefing.models import Edition, OtherItems, Section, edition_from_dict, edition_to_dict
from briefing.render import bundled_templates_path, render_edition, render_site
from briefing.render._email import trim_order
from briefing.render._view import safe_url

GOLDEN = Path(__file__).parent / "golden"
FOLDER = "editions/2026-11-25-morning"
ATOM = "{http://www.w3.org/2005/Atom}"


def _earlier() -> Edition:
    """The edition before the sample one, so the site has an archive and a pager."""
    edition = sample_edition()
    return replace(
        edition,
        id="2026-11-24-morning",
        title="Morning briefing, 24 November 2026",
        generated_at=edition.generated_at - timedelta(days=1),
        window_start=edition.window_start - timedelta(days=1),
        window_end=edition.window_end - timedelta(days=1),
        sections=edition.sections[:1],
    )


def _everything(settings: RenderSettings | None = None) -> dict[str, bytes]:
    settings = settings or RenderSettings()
    rendered = render_edition(sample_edition(), settings, previous=[_earlier()])
    return {**rendered.files, **render_site([sample_edition(), _earlier()], settings)}


@pytest.fixture(scope="module")
def outputs() -> dict[str, bytes]:
    return _everything()


def _golden_names() -> list[str]:
    return sorted(_everything())


@pytest.mark.parametrize("name", _golden_names())
def test_each_format_matches_its_golden_file(outputs: dict[str, bytes], name: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(outputs[name])
    if not golden.exists():
        pytest.fail(f"{golden} is missing: run UPDATE_GOLDEN=1 pytest tests/test_render.py and review it")
    assert outputs[name].decode() == golden.read_text(encoding="utf-8")


def test_rendering_again_gives_identical_bytes(outputs: dict[str, bytes]) -> None:
    assert _everything() == outputs


def test_an_edition_read_back_from_briefing_json_renders_identically(outputs: dict[str, bytes]) -> None:
    """The site is rebuilt from stored editions: the JSON round trip must not change a byte."""
    stored = edition_from_dict(json.loads(outputs[f"{FOLDER}/briefing.json"]))
    assert render_edition(stored, RenderSettings(), previous=[_earlier()]).files == {
        name: data for name, data in outputs.items() if name.startswith("editions/")
    }


# ------------------------------------------------------------------------------------------------ email.html


def _html(outputs: dict[str, bytes], name: str = f"{FOLDER}/email.html") -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(outputs[name])


def test_email_styles_are_inlined_and_media_rules_kept(outputs: dict[str, bytes]) -> None:
    page = _html(outputs)
    headline_style = page.cssselect("h3.headline")[0].get("style")
    kept = " ".join(page.xpath("//style/text()"))
    assert ("font-weight:700" in headline_style, "max-width: 620px" in kept, "prefers-color-scheme: dark" in kept) == (
        True,
        True,
        True,
    )
    assert "!important" in kept


def test_email_has_a_hidden_preheader_naming_the_top_stories(outputs: dict[str, bytes]) -> None:
    preheader = _html(outputs).cssselect(".preheader")[0]
    assert (preheader.text_content().strip()[:29], "display:none" in preheader.get("style")) == (
        "4 stories: Crew capsule docks",
        True,
    )


def test_email_is_one_column_of_at_most_600_pixels(outputs: dict[str, bytes]) -> None:
    container = _html(outputs).cssselect("table.container")[0]
    assert (container.get("width"), "max-width:600px" in container.get("style")) == ("600", True)


def test_email_cites_articles_by_number_with_links(outputs: dict[str, bytes]) -> None:
    first = _html(outputs).cssselect("li.bullet")[0]
    links = [(a.text, a.get("href"), a.get("title")) for a in first.cssselect("a.cite")]
    assert links == [
        ("[1]", "https://harbourtimes.example/news/1", "Harbour Times, 04:55 GMT"),
        ("[2]", "https://coastalwire.example/news/2", "Coastal Wire, 04:20 GMT"),
    ]


def test_source_times_carry_the_zone_of_the_edition() -> None:
    edition = replace(sample_edition(), timezone="America/New_York")
    text = render_edition(edition, RenderSettings()).files[f"{FOLDER}/email.txt"].decode()
    assert "  [2] Coastal Wire, 24 Nov 23:20 EST: https://coastalwire.example/news/2\n" in text


def test_only_continuing_stories_carry_the_update_badge(outputs: dict[str, bytes]) -> None:
    badged = [h.text_content().strip() for h in _html(outputs).cssselect("h3.headline") if h.cssselect(".badge")]
    assert badged == ["UpdateCurfews extended in several cities as protests enter a sixth night"]


def test_an_update_says_which_edition_last_reported_it(outputs: dict[str, bytes]) -> None:
    earlier = [p.text_content() for p in _html(outputs).cssselect("p.earlier")]
    assert earlier == ["What is new since Morning briefing, 24 November 2026"]


def test_the_previous_editions_may_include_this_one_and_later_ones() -> None:
    """A rebuild passes every stored edition: only those before this one count."""
    later = replace(_earlier(), id="2026-11-26-morning", window_end=sample_edition().window_end + timedelta(days=1))
    rebuilt = render_edition(sample_edition(), RenderSettings(), previous=[later, sample_edition(), _earlier()])
    assert rebuilt.files == render_edition(sample_edition(), RenderSettings(), previous=[_earlier()]).files


def test_a_citation_without_an_http_url_is_shown_but_not_linked(outputs: dict[str, bytes]) -> None:
    sources = _html(outputs).cssselect("p.sources")[2]
    assert (sources.text_content(), [a.get("href") for a in sources.cssselect("a")]) == (
        "[1]\xa0Silicon Post,\xa003:10 GMT · [2]\xa0Market Desk,\xa002:30 GMT",
        ["https://siliconpost.example/news/6"],
    )


def test_outlets_no_bullet_cites_are_listed_as_also_covering(outputs: dict[str, bytes]) -> None:
    also = _html(outputs).cssselect("p.also")
    assert [p.text_content() for p in also] == ["Also covered by Evening Ledger"]


def test_a_lone_bullet_that_says_the_headline_again_is_not_printed_but_its_source_is() -> None:
    """An item whose text is its title gives a story whose one bullet is its headline: printed once."""
    edition = sample_edition()
    story = edition.sections[0].stories[0]
    lone = replace(story, bullets=(replace(story.bullets[0], text=f"{story.headline}."),))
    edition = replace(edition, sections=(replace(edition.sections[0], stories=(lone,)),))

    files = render_edition(edition, RenderSettings()).files
    html = lxml.html.fromstring(files[f"{FOLDER}/email.html"])
    text, md = files[f"{FOLDER}/email.txt"].decode(), files[f"{FOLDER}/briefing.md"].decode()

    assert html.cssselect("li.bullet") == [] and len(html.cssselect("p.sources")) == 1
    assert text.count(story.headline) == md.count(story.headline) == 1
    assert f"### {story.headline}\n\nSources:" in md and f"{story.headline}\n\n  [1]" in text
    assert json.loads(files[f"{FOLDER}/briefing.json"])["sections"][0]["stories"][0]["bullets"]  # kept in the data


def test_footer_tells_how_the_edition_was_made(outputs: dict[str, bytes]) -> None:
    footer = _html(outputs).cssselect("td.footer")[0].text_content()
    assert (
        "From 12 feeds (1 failing): 148 articles read, 37 stories formed, 4 stories in this edition. "
        "11 bullets checked against their sources; 2 dropped by the grounding check. "
        "Summarised by the offline summariser."
    ) in " ".join(footer.split())


def _summarised_by(edition: Edition) -> str:
    return render_edition(edition, RenderSettings()).files[f"{FOLDER}/email.txt"].decode()


def _llm_edition(fallbacks: int) -> Edition:
    """The sample edition summarised by an LLM, its first `fallbacks` stories by the offline summariser."""
    edition = replace(sample_edition(), summariser="openai", model="gpt-4o-mini")
    sections = []
    index = 0
    for section in edition.sections:
        stories = []
        for story in section.stories:
            fell_back = index < fallbacks
            index += 1
            stories.append(
                replace(story, summariser="extractive", fallback="the LLM call failed: timeout")
                if fell_back
                else replace(story, summariser="openai", model="gpt-4o-mini")
            )
        sections.append(replace(section, stories=tuple(stories)))
    stats = replace(edition.stats, llm_calls=7, bullets_repaired=1)
    return replace(edition, sections=tuple(sections), stats=stats)


def test_the_footer_names_the_model_and_counts_stories_that_fell_back() -> None:
    text = " ".join(_summarised_by(_llm_edition(fallbacks=1)).split())
    assert (
        "11 bullets checked against their sources; 1 repaired, 2 dropped by the grounding check. "
        "Summarised by gpt-4o-mini (7 LLM calls); 1 story fell back to the offline summariser (3 bullets)."
    ) in text


def test_an_edition_stored_before_stories_named_their_summariser_credits_its_own() -> None:
    data = edition_to_dict(_llm_edition(fallbacks=0))
    for section in data["sections"]:
        for story in section["stories"]:
            for key in ("summariser", "model", "fallback"):
                del story[key]
    text = " ".join(_summarised_by(edition_from_dict(data)).split())
    assert "Summarised by gpt-4o-mini (7 LLM calls)." in text


def test_the_footer_never_credits_the_model_when_every_story_fell_back() -> None:
    text = " ".join(_summarised_by(_llm_edition(fallbacks=4)).split())
    assert "Summarised by the offline summariser: every story fell back from gpt-4o-mini (7 LLM calls)" in text


def test_both_email_parts_carry_the_unsubscribe_placeholder_delivery_fills(outputs: dict[str, bytes]) -> None:
    from briefing.deliver.compose import UNSUBSCRIBE_PLACEHOLDER

    links = [a.get("href") for a in _html(outputs).cssselect("a.unsubscribe")]
    text = outputs[f"{FOLDER}/email.txt"].decode()
    assert (links, text.endswith(f"Unsubscribe: {UNSUBSCRIBE_PLACEHOLDER}\n")) == ([UNSUBSCRIBE_PLACEHOLDER], True)


def test_an_edition_without_stories_says_so_in_every_format() -> None:
    empty = replace(sample_edition(), sections=(Section("World", ()), Section("Technology", ())))
    files = render_edition(empty, RenderSettings()).files
    said = {name.rsplit("/", 1)[1] for name, data in files.items() if b"Nothing new since the last edition." in data}
    assert said == {"briefing.md", "email.html", "email.txt"}


def test_an_edition_whose_every_feed_failed_says_that_not_nothing_new() -> None:
    empty = replace(sample_edition(), sections=())
    failed = replace(empty, stats=replace(empty.stats, feeds=12, feeds_failed=12))
    files = render_edition(failed, RenderSettings()).files
    said = {name.rsplit("/", 1)[1] for name, data in files.items() if b"Every feed failed to load (12 feeds)" in data}
    assert said == {"briefing.md", "email.html", "email.txt"}


def test_markdown_links_what_is_new_since_to_the_earlier_edition_when_site_url_is_set() -> None:
    today = sample_edition()
    update = next(story for story in today.stories if story.status == "update")
    earlier = replace(
        today,
        id="2026-11-24-morning",
        title="Morning briefing, 24 November 2026",
        window_end=today.window_end - timedelta(days=1),
        sections=(Section("World", (update,)),),
    )
    settings = RenderSettings(site_url="https://briefing.example.org/")
    text = render_edition(today, settings, previous=[earlier]).files["editions/2026-11-25-morning/briefing.md"]
    assert (
        b"what is new since [Morning briefing, 24 November 2026](https://briefing.example.org/2026-11-24-morning.html)"
        in text
    )


@pytest.mark.parametrize("site_url", [None, "https://briefing.example.org/"])
def test_json_feed_item_urls_are_absolute_or_absent(site_url: str | None) -> None:
    feed = json.loads(render_site([sample_edition()], RenderSettings(site_url=site_url))["site/feed.json"])
    urls = [item.get("url") for item in feed["items"]]
    expected = [None] if site_url is None else ["https://briefing.example.org/2026-11-25-morning.html"]
    assert urls == expected


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://example.org/a b?q=<x>", "https://example.org/a%20b?q=%3Cx%3E"),
        ("HTTPS://example.org/", "https://example.org/"),
        ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
        ("https://example.org/already%20encoded", "https://example.org/already%20encoded"),
        ("//example.org/no-scheme", None),
        ("https:///no-host", None),
        ("java\tscript:alert(1)", None),
        ("https://example.org/\x00", None),
    ],
)
def test_article_urls_become_links_only_when_they_are_http(url: str, link: str | None) -> None:
    assert safe_url(url) == link


# ------------------------------------------------------------------------------------------------- trimming


def test_trim_order_takes_the_last_story_of_the_longest_section_first() -> None:
    edition = large_edition(6, sections=1)
    sizes = (3, 1, 2)
    stories = edition.sections[0].stories
    edition = replace(edition, sections=tuple(Section(f"S{i}", stories[: sizes[i]]) for i in range(len(sizes))))
    assert trim_order(edition) == [(0, 2), (2, 1), (0, 1), (2, 0), (1, 0), (0, 0)]


def test_an_email_over_budget_loses_its_lowest_ranked_stories_with_a_warning() -> None:
    edition = large_edition(40)
    rendered = render_edition(edition, RenderSettings(email_max_kb=40))
    html = rendered.files[f"{FOLDER}/email.html"]
    kept = len(lxml.html.document_fromstring(html).cssselect("h3.headline"))
    assert (len(html) <= 40 * 1024, kept + rendered.trimmed_stories, rendered.trimmed_stories > 0) == (True, 40, True)
    assert re.fullmatch(
        r"email.html would be \d+ KB after inlining, over the 40 KB budget: left out the \d+ "
        r"lowest-ranked of 40 stories",
        rendered.warnings[0],
    )


def test_trimming_keeps_the_top_of_every_section_and_the_full_markdown() -> None:
    edition = large_edition(40)
    rendered = render_edition(edition, RenderSettings(email_max_kb=40))
    page = lxml.html.document_fromstring(rendered.files[f"{FOLDER}/email.html"])
    shown = {h.text_content() for h in page.cssselect("h2.section")}
    text = rendered.files[f"{FOLDER}/email.txt"].decode()
    md = rendered.files[f"{FOLDER}/briefing.md"].decode()
    assert (shown, text.count("\n  [1] "), md.count("\n### ")) == (
        {"Section 1", "Section 2", "Section 3", "Section 4"},
        40 - rendered.trimmed_stories,
        40,
    )


def test_an_email_under_budget_is_not_trimmed() -> None:
    rendered = render_edition(large_edition(40), RenderSettings())
    assert (rendered.trimmed_stories, rendered.warnings) == (0, ())


# ------------------------------------------------------------------------------------------------- email.txt


def test_plain_text_fits_72_columns_except_unbreakable_urls(outputs: dict[str, bytes]) -> None:
    text = outputs[f"{FOLDER}/email.txt"].decode()
    too_long = [line for line in text.splitlines() if len(line) > 72 and "https://" not in line]
    assert too_long == []


def test_plain_text_lists_numbered_links_under_each_story(outputs: dict[str, bytes]) -> None:
    text = outputs[f"{FOLDER}/email.txt"].decode()
    assert "  [1] Harbour Times, 04:55 GMT: https://harbourtimes.example/news/1\n" in text


# ------------------------------------------------------------------------------------------------ briefing.md


def _front_matter(md: str) -> dict[str, object]:
    match = re.match(r"---\n(.*?)\n---\n", md, re.DOTALL)
    assert match
    data: dict[str, object] = yaml.safe_load(match.group(1))
    return data


def test_markdown_front_matter_has_title_dated_id_and_tags(outputs: dict[str, bytes]) -> None:
    assert _front_matter(outputs[f"{FOLDER}/briefing.md"].decode()) == {
        "title": "Morning briefing, 25 November 2026",
        "date": "2026-11-25T06:30:00+00:00",
        "id": "2026-11-25-morning",
        "edition": "morning",
        "tags": ["World", "Technology"],
        "summariser": "extractive",
        "summarised_by": {"extractive": 4},
    }


def test_markdown_date_carries_the_edition_zones_offset() -> None:
    summer = replace(sample_edition(), window_end=sample_edition().window_end - timedelta(days=150))
    md = render_edition(summer, RenderSettings()).files[f"{FOLDER}/briefing.md"].decode()
    assert _front_matter(md)["date"] == "2026-06-28T07:30:00+01:00"


def test_front_matter_quotes_a_title_full_of_yaml_syntax() -> None:
    title = "Breaking: 'quotes' & \"more\" # not a comment\n- not a list: {x: 1}"
    md = render_edition(replace(sample_edition(), title=title), RenderSettings()).files[f"{FOLDER}/briefing.md"]
    assert _front_matter(md.decode())["title"] == " ".join(title.split())


def test_markdown_uses_reference_style_links_that_convert(outputs: dict[str, bytes]) -> None:
    md = outputs[f"{FOLDER}/briefing.md"].decode()
    page = lxml.html.fragment_fromstring(markdown.markdown(md.split("---\n", 2)[2]), create_parent="div")
    first_bullet = page.cssselect("li")[0]
    assert ("](http" in md, [(a.text, a.get("href")) for a in first_bullet.cssselect("a")]) == (
        False,
        [("[1]", "https://harbourtimes.example/news/1"), ("[2]", "https://coastalwire.example/news/2")],
    )


# ------------------------------------------------------------------------------------------------------ site


def test_site_has_index_pages_archive_and_feeds(outputs: dict[str, bytes]) -> None:
    assert sorted(n for n in outputs if n.startswith("site/")) == [
        "site/2026-11-24-morning.html",
        "site/2026-11-25-morning.html",
        "site/archive.html",
        "site/feed.json",
        "site/feed.xml",
        "site/index.html",
        "site/style.css",
    ]


def test_site_index_is_the_latest_edition(outputs: dict[str, bytes]) -> None:
    assert outputs["site/index.html"] == outputs["site/2026-11-25-morning.html"]


def test_site_links_between_pages_are_relative_and_resolve(outputs: dict[str, bytes]) -> None:
    site = {n.removeprefix("site/") for n in outputs if n.startswith("site/")}
    internal = set()
    for name in ("site/index.html", "site/archive.html", "site/2026-11-24-morning.html"):
        page = _html(outputs, name)
        for _element, _attribute, link, _pos in page.iterlinks():
            if not link.startswith("https://"):
                internal.add(link)
    assert internal <= site and internal >= {"index.html", "archive.html", "feed.xml", "style.css"}


def test_atom_feed_lists_editions_newest_first_with_stable_ids(outputs: dict[str, bytes]) -> None:
    feed = ET.fromstring(outputs["site/feed.xml"])
    entries = [(e.findtext(f"{ATOM}id"), e.find(f"{ATOM}link").get("href")) for e in feed.iter(f"{ATOM}entry")]
    assert entries == [
        ("tag:briefing.invalid,2026-11-25:edition/2026-11-25-morning", "2026-11-25-morning.html"),
        ("tag:briefing.invalid,2026-11-24:edition/2026-11-24-morning", "2026-11-24-morning.html"),
    ]


def test_feeds_use_absolute_urls_when_the_site_url_is_known() -> None:
    files = _everything(RenderSettings(site_url="https://news.example.org/briefing/"))
    feed = json.loads(files["site/feed.json"])
    assert (feed["version"], feed["feed_url"], [i["id"] for i in feed["items"]]) == (
        "https://jsonfeed.org/version/1.1",
        "https://news.example.org/briefing/feed.json",
        [
            "https://news.example.org/briefing/2026-11-25-morning.html",
            "https://news.example.org/briefing/2026-11-24-morning.html",
        ],
    )


def test_a_site_without_editions_still_has_an_index() -> None:
    files = render_site([], RenderSettings())
    assert "No editions yet." in files["site/index.html"].decode()


# ------------------------------------------------------------------------------------------------- templates


def test_bundled_templates_are_found() -> None:
    names = {p.relative_to(bundled_templates_path()).as_posix() for p in bundled_templates_path().rglob("*.*")}
    assert {"email.html", "email.txt", "briefing.md", "site/edition.html", "site/feed.xml"} <= names


def test_the_package_carries_the_bundled_templates(tmp_path: Path) -> None:
    """`briefing/templates` points at the top-level `templates/`, so a built package ships them (the sdist is
    built here, offline, from a copy of the sources; `pip install .` builds the wheel the same way)."""
    root = Path(__file__).resolve().parent.parent
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, source / name)
    for folder in ("briefing", "templates"):
        shutil.copytree(root / folder, source / folder, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    build = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    done = subprocess.run([sys.executable, "-c", build, str(tmp_path)], cwd=source, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with tarfile.open(tmp_path / done.stdout.strip().splitlines()[-1]) as sdist:
        shipped = {name.split("/", 1)[1] for name in sdist.getnames() if "/briefing/templates/" in name}
    assert {"briefing/templates/email.html", "briefing/templates/site/feed.xml"} <= shipped


def test_a_user_template_can_extend_the_bundled_one(tmp_path: Path) -> None:
    (tmp_path / "email.html").write_text(
        '{% extends "bundled/email.html" %}{% block footer %}<p>Sent by the Example Gazette.</p>{% endblock %}'
    )
    rendered = render_edition(sample_edition(), RenderSettings(templates_dir=str(tmp_path)))
    footer = lxml.html.document_fromstring(rendered.files[f"{FOLDER}/email.html"]).cssselect("td.footer p")
    assert [p.text_content() for p in footer] == ["Sent by the Example Gazette.", "Unsubscribe"]


def test_css_added_after_the_bundled_style_block_is_inlined(tmp_path: Path) -> None:
    (tmp_path / "email.html").write_text(
        '{% extends "bundled/email.html" %}{% block style %}{{ super() }} .title { color: #8b1e3f; }{% endblock %}'
    )
    rendered = render_edition(sample_edition(), RenderSettings(templates_dir=str(tmp_path)))
    title = lxml.html.document_fromstring(rendered.files[f"{FOLDER}/email.html"]).cssselect("h1.title")[0]
    assert "color:#8b1e3f" in title.get("style").replace(" ", "")


def test_a_template_using_an_unknown_value_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "email.txt").write_text("{{ view.no_such_value }}")
    with pytest.raises(ConfigError, match=r"email\.txt"):
        render_edition(sample_edition(), RenderSettings(templates_dir=str(tmp_path)))


def test_a_broken_template_is_a_config_error_naming_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "briefing.md").write_text("line one\n{% for x in %}\n")
    with pytest.raises(ConfigError, match=r"briefing\.md:2"):
        render_edition(sample_edition(), RenderSettings(templates_dir=str(tmp_path)))


def test_an_edition_id_that_is_not_a_file_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a safe file name"):
        render_edition(replace(sample_edition(), id="../../etc"), RenderSettings())


def test_items_that_are_not_stories_are_listed_under_their_own_heading_when_asked() -> None:
    story = sample_edition().sections[0].stories[0]
    listed = OtherItems("Also in your feeds", (replace(story.articles[0], title="Live: the count, seat by seat"),))
    edition = replace(sample_edition(), other_items=listed)
    files = render_edition(edition, RenderSettings()).files
    markdown_text = next(v for k, v in files.items() if k.endswith(".md")).decode()
    after = markdown_text.split("## Also in your feeds", 1)
    assert len(after) == 2 and "Live: the count, seat by seat" in after[1]
