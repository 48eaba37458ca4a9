"""Hostile feed text stays inert in every output.

An edition is built whose headlines, bullets, outlet names, article titles and article URLs carry known XSS
vectors (script tags, event handlers, javascript:/data:/vbscript: URLs in encoded and mixed-case forms, SVG and
MathML, broken markup, entity tricks, style expressions, iframes, meta refresh, base tags, Markdown links,
template syntax). Every HTML output is parsed — email.html, each site page, the HTML inside both feeds, and
briefing.md converted with the `markdown` package, as a site generator would — and its elements, attributes
and comments are inspected.
"""

from __future__ import annotations

import json
import unicodedata
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
import markdown
import pytest

from briefing.config import RenderSettings
from briefing.models import ArticleRef, Bullet, Edition, EditionStats, Section, Story, StoryStatus, Verdict
from briefing.render import render_edition, render_site

VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<a href="javascript:alert(1)">x</a>',
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>">',
    '<object data="javascript:alert(1)">',
    '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:text/html,<script>alert(1)</script>",
    'vbscript:msgbox("XSS")',
    "VBScript:MsgBox(1)",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<body onload=alert(1)>",
    '<div style="background-image: url(javascript:alert(1))">',
    '<div style="width: expression(alert(1))">',
    "<style>@import 'http://xss.example/xss.css';</style>",
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<!--<script>alert(1)</script>-->",
    "<!-- --><script>alert(1)</script><!-- -->",
    "<scr<script>ipt>alert(1)</script>",
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "java&#x09;script:alert(1)",
    "jav&#x0A;ascript:alert(1)",
    "java\tscript:alert(1)",
    "java\x00script:alert(1)",
    "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)",
    "%6A%61%76%61%73%63%72%69%70%74:alert(1)",
    "[x](javascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    "[x]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<http://evil.example/"onmouseover="alert(1)>',
    "{{ 7*7 }} {% raw %} {{< shortcode >}}",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)">',
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    '<table background="javascript:alert(1)">',
    "`<script>alert(1)</script>`",
    "]]><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "\u202e<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    '<img src="https://ok.example/x.png" onerror="alert(1)">',
    "-moz-binding:url(http://xss.example/xssmoz.xml#xss)",
    '<div style="behavior: url(xss.htc)">',
    "*emphasis* _under_ `code` # heading | table | ~~strike~~ $$math$$",
    "- 1. nested\n# heading on its own line\n<script>alert(1)</script>",
]

EXECUTABLE = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "svg", "math"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "poster", "data", "srcdoc", "xlink:href"}
SAFE_SCHEMES = {"", "http", "https", "mailto"}
CSS_TRAPS = ("expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:", "@import")
END = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)


def _story(i: int, vector: str) -> Story:
    hostile = ArticleRef(f"a-{i}-1", vector, vector, vector, END - timedelta(minutes=i))
    benign_url = ArticleRef(f"a-{i}-2", f"Title {vector}", f"https://ok.example/?q={vector}", f"Outlet {vector}", END)
    uncited = ArticleRef(f"a-{i}-3", vector, vector, f"Other {vector}", END)
    bullet = Bullet(f"Claim {vector} end", (hostile.id, benign_url.id), (vector,), Verdict(True, 0.9, (vector,)))
    status = StoryStatus.UPDATE if i % 2 else StoryStatus.NEW
    return Story(f"c-{i:04x}", vector, status, (bullet,), (hostile, benign_url, uncited))


def hostile_edition() -> Edition:
    stories = [_story(i, vector) for i, vector in enumerate(VECTORS)]
    return Edition(
        id="2026-11-25-morning",
        title=f"Briefing {VECTORS[0]}",
        name="morning",
        generated_at=END,
        window_start=END - timedelta(days=1),
        window_end=END,
        timezone="Europe/London",
        summariser=VECTORS[2],
        model=VECTORS[6],
        sections=(Section(VECTORS[3], tuple(stories[:30])), Section(VECTORS[12], tuple(stories[30:]))),
        stats=EditionStats(feeds=1, stories=len(stories)),
    )


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    settings = RenderSettings(email_max_kb=10_000)  # no trimming: every vector must reach the email
    edition = hostile_edition()
    rendered = render_edition(edition, settings)
    return {**rendered.files, **render_site([edition], settings)}


def _dangers(html: str) -> list[str]:
    """Everything executable or navigable-to-script in an HTML document, as readable findings."""
    page = lxml.html.document_fromstring(html) if html.lstrip() else lxml.html.Element("div")
    found = []
    for element in page.iter():
        if isinstance(element, lxml.etree._Comment):
            found.append(f"comment: {element.text!r}")
            continue
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower().rsplit("}", 1)[-1].rsplit(":", 1)[-1]
        if tag in EXECUTABLE:
            found.append(f"<{tag}>")
        if tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            found.append("<meta http-equiv=refresh>")
        found += _attribute_dangers(tag, element)
    for style in page.iter("style"):
        found += [f"<style> {trap}" for trap in CSS_TRAPS if trap in (style.text or "").lower()]
    return found


def _attribute_dangers(tag: str, element: lxml.html.HtmlElement) -> list[str]:
    found = []
    for name, value in element.attrib.items():
        name = name.lower()
        if name.startswith("on"):
            found.append(f"<{tag} {name}>")
        if name in URL_ATTRIBUTES and urlsplit(value.strip()).scheme.lower() not in SAFE_SCHEMES:
            found.append(f"<{tag} {name}={value!r}>")
        if name == "style":
            found += [f"<{tag} style {trap}>" for trap in CSS_TRAPS if trap in value.lower()]
    return found


def _markdown_body(md: bytes) -> str:
    return md.decode().split("---\n", 2)[2]


def test_there_are_at_least_fifty_vectors() -> None:
    assert len(set(VECTORS)) >= 50


def test_email_html_stays_inert(files: dict[str, bytes]) -> None:
    assert _dangers(files["editions/2026-11-25-morning/email.html"].decode()) == []


@pytest.mark.parametrize("page", ["index.html", "2026-11-25-morning.html", "archive.html"])
def test_site_pages_stay_inert(files: dict[str, bytes], page: str) -> None:
    assert _dangers(files[f"site/{page}"].decode()) == []


def test_markdown_converted_by_a_site_generator_stays_inert(files: dict[str, bytes]) -> None:
    html = markdown.markdown(_markdown_body(files["editions/2026-11-25-morning/briefing.md"]))
    assert _dangers(html) == []


def test_markdown_links_only_to_http_urls(files: dict[str, bytes]) -> None:
    html = markdown.markdown(_markdown_body(files["editions/2026-11-25-morning/briefing.md"]))
    page = lxml.html.fragment_fromstring(html, create_parent="div")
    schemes = {urlsplit(a.get("href", "")).scheme for a in page.iter("a")}
    assert schemes == {"https"}


def test_markdown_carries_no_template_syntax_for_jekyll_or_hugo(files: dict[str, bytes]) -> None:
    body = _markdown_body(files["editions/2026-11-25-morning/briefing.md"])
    assert [marker for marker in ("{{", "{%", "{{<") if marker in body] == []


def test_the_atom_feed_is_well_formed_and_its_html_inert(files: dict[str, bytes]) -> None:
    feed = ET.fromstring(files["site/feed.xml"])
    contents = [c.text or "" for c in feed.iter("{http://www.w3.org/2005/Atom}content")]
    assert (len(contents), [d for html in contents for d in _dangers(html)]) == (1, [])


def test_the_json_feed_html_is_inert(files: dict[str, bytes]) -> None:
    items = json.loads(files["site/feed.json"])["items"]
    assert [d for item in items for d in _dangers(item["content_html"])] == []


def test_plain_text_carries_no_control_characters(files: dict[str, bytes]) -> None:
    text = files["editions/2026-11-25-morning/email.txt"].decode()
    assert {c for c in text if unicodedata.category(c)[0] == "C" and c != "\n"} == set()


def test_hostile_text_is_shown_escaped_not_dropped(files: dict[str, bytes]) -> None:
    """Readers still see what the feed said: escaping keeps the words and disarms them."""
    page = lxml.html.document_fromstring(files["editions/2026-11-25-morning/email.html"])
    headlines = [h.text_content().strip() for h in page.cssselect("h3.headline")]
    assert headlines[:3] == [
        "<script>alert(1)</script>",
        "Update<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
    ]


def test_only_http_urls_become_links_in_the_email(files: dict[str, bytes]) -> None:
    """Every hostile URL was refused; only the well-formed https one (with its query encoded) is linked."""
    page = lxml.html.document_fromstring(files["editions/2026-11-25-morning/email.html"])
    hrefs = [a.get("href") for a in page.iter("a") if a.get("class") != "unsubscribe"]
    assert {(urlsplit(href).scheme, urlsplit(href).hostname) for href in hrefs} == {("https", "ok.example")}


def test_the_inspection_finds_what_it_looks_for() -> None:
    """The checks above can fail: raw vectors, unescaped, are caught."""
    found = {finding for vector in VECTORS for finding in _dangers(f"<html><body>{vector}</body></html>")}
    expected = {"<script>", "<iframe>", "<object>", "<embed>", "<base>", "<meta http-equiv=refresh>", "<svg>"}
    comments = any(finding.startswith("comment:") for finding in found)
    assert (expected <= found, "<img onerror>" in found, "<a href='javascript:alert(1)'>" in found, comments) == (
        True,
        True,
        True,
        True,
    )
