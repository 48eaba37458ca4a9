"""Feed bodies into clean articles: what a reader of the briefing sees of each item.

Every feed here is small and written for the test; none is copied from a real outlet.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import pytest
from feedserver import FeedServer, rss_feed

import briefing.parse
from briefing import ingest
from briefing.config import FeedSettings, SectionSettings, Settings
from briefing.models import Article, Feed, FeedOutcome, ParsedFeed
from briefing.parse import canonical_url, clean_title, extract_article, parse_feed
from briefing.parse._budget import MAX_EVENTS, MAX_TITLE_MARKUP
from briefing.parse._clean import MAX_MARKUP
from briefing.store import Store

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
FEED = Feed(key="https://news.example.org/world/rss.xml", url="https://news.example.org/world/rss.xml", section="World")


def parse(body: bytes | str, feed: Feed = FEED, headers: dict[str, str] | None = None) -> ParsedFeed:
    data = body.encode() if isinstance(body, str) else body
    return parse_feed(data, headers or {"content-type": "application/rss+xml"}, feed, NOW)


def only(body: bytes | str, feed: Feed = FEED) -> Article:
    parsed = parse(body, feed)
    assert parsed.error is None, parsed.error
    [article] = parsed.articles
    return article


def item(**fields: str) -> bytes:
    return rss_feed([{"title": "A title", "link": "https://news.example.org/a/1", **fields}])


# ------------------------------------------------------------------------------------------------ titles


def test_entities_in_titles_are_decoded_even_when_escaped_twice() -> None:
    article = only(item(title="Trump&amp;#039;s &amp;quot;plan&amp;quot; &amp;amp; Biden&#8217;s reply"))

    assert article.title == 'Trump\'s "plan" & Biden’s reply'


def test_markup_in_titles_is_removed_and_whitespace_collapsed() -> None:
    article = only(item(title="&lt;b&gt;Breaking:&lt;/b&gt;\n   markets   &lt;i&gt;fall&lt;/i&gt;"))

    assert article.title == "Breaking: markets fall"


def test_long_titles_are_capped_at_a_word() -> None:
    assert clean_title("word " * 200) == ("word " * 60).strip() + "…"


# ------------------------------------------------------------------------------------------------ links


def test_amp_entities_in_links_are_fixed_and_tracking_removed() -> None:
    article = only(item(link="https://news.example.org/a/1?id=7&amp;amp;utm_source=rss&amp;amp;page=2"))

    assert article.url == "https://news.example.org/a/1?id=7&page=2"


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://x.org/a?utm_source=rss&utm_medium=feed", "https://x.org/a"),
        ("https://x.org/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&ocid=5&cmpid=6", "https://x.org/a"),
        ("https://x.org/a?at_medium=RSS&at_campaign=KARANGA&q=keep", "https://x.org/a?q=keep"),
        ("https://X.ORG:443/a#comments", "https://x.org/a"),
        ("HTTP://x.org:8080/a?b=1#top", "http://x.org:8080/a?b=1"),
        ("/world/story-1", "https://news.example.org/world/story-1"),
        ("story-2.html", "https://news.example.org/world/story-2.html"),
        ("https://x.org/a.html?ito=1490&ns_mchannel=rss", "https://x.org/a.html"),
        ("https://x.org/a.cfm?c_id=1&objectid=12336150&ref=rss", "https://x.org/a.cfm?c_id=1&objectid=12336150"),
        ("https://x.org/a?ref=sidebar", "https://x.org/a?ref=sidebar"),
        ("https://x.org/a?12345&x=%2F+y", "https://x.org/a?12345&x=%2F+y"),
        ("javascript:alert(1)", None),
        ("mailto:desk@x.org", None),
    ],
)
def test_canonical_urls(link: str, expected: str | None) -> None:
    assert canonical_url(link, base=FEED.url) == expected


def test_relative_links_resolve_against_the_feed_url() -> None:
    assert only(item(link="/world/2026/11/25/story")).url == "https://news.example.org/world/2026/11/25/story"


# ------------------------------------------------------------------------------------------------ text


def test_block_elements_become_sentence_breaks_and_never_glue_words() -> None:
    html = "<h2>Budget day</h2><p>The minister spoke.</p><p>Markets rose</p><ul><li>first</li><li>second</li></ul>"

    text = only(item(description=f"<![CDATA[{html}]]>")).text

    assert text == "Budget day.\nThe minister spoke.\nMarkets rose.\nfirst.\nsecond."


def test_line_breaks_and_table_cells_separate_sentences() -> None:
    html = "one<br>two<br/>three<table><tr><td>a</td><td>b</td></tr></table>"

    text = only(item(description=f"<![CDATA[{html}]]>")).text

    assert text == "one.\ntwo.\nthree.\na.\nb."


@pytest.mark.parametrize(
    "html",
    [
        "<p>Apple&#x27;s phone &amp; &quot;watch&quot;</p>\n<p>On sale&#8230; <br/>today</p>",
        "  Plain text with&nbsp;an entity &#39;quoted&#39; &lt;not a tag&gt;<br>and a break",
        "<p>It&#x27;s a sentence.</p><p></p><p>Another one</p>",
    ],
)
def test_paragraphs_read_without_lxml_give_the_lines_lxml_gives(html: str) -> None:
    """Paragraphs and line breaks with a few common entities take a fast path without lxml (`_clean`); markup
    it does not read (an empty <span> adds no text) sends the same fragment through lxml, with the same lines."""
    fast = only(item(description=f"<![CDATA[{html}]]>")).text
    through_lxml = only(item(description=f"<![CDATA[{html}<span></span>]]>")).text

    assert fast == through_lxml
    assert "'" in fast or "&" in fast


def test_sentences_a_publisher_glued_together_are_parted() -> None:
    """A description whose paragraphs were joined without a space ("in Delhi.Ministry of Defence") reads as
    two sentences, so a bullet never carries half of the next one."""
    text = only(item(description="The airport is 40 km from Delhi.Ministry of Defence has approved flights.")).text

    assert text == "The airport is 40 km from Delhi. Ministry of Defence has approved flights."


@pytest.mark.parametrize(
    ("description", "parted"),
    [
        (
            "The museum (HMA) bought it in 2007.The company's manager later resigned.",
            "The museum (HMA) bought it in 2007. The company's manager later resigned.",
        ),
        (
            "It asked the Harbour Survey (HS).The survey said no.",
            "It asked the Harbour Survey (HS). The survey said no.",
        ),
    ],
)
def test_glued_sentences_are_parted_in_prose_with_parentheses_and_before_a_possessive(
    description: str, parted: str
) -> None:
    assert only(item(description=description)).text == parted


def test_mojibake_in_a_title_and_a_text_is_undone() -> None:
    """UTF-8 that the publisher's software read as Windows-1252 before writing the feed ("didnâ€™t") is read as
    the publisher wrote it."""
    found = only(
        item(
            title="Ferry operator didnâ€™t warn JyvÃ¤skylÃ¤ commuters",
            description="The ticket now costs Â£4. It didnâ€™t before.",
        )
    )

    assert found.title == "Ferry operator didn’t warn Jyväskylä commuters"
    assert found.text == "The ticket now costs £4. It didn’t before."


def test_accented_text_that_is_no_mojibake_is_left_as_printed() -> None:
    text = "São Paulo, Zürich and Malmö signed the “café” pact — à la carte, for €5."

    assert only(item(title=text, description=text)).text == text


@pytest.mark.parametrize(
    "description",
    [
        "Troops of the U.S.Army arrived on Monday.",  # initials
        "Shares of Amazon.com rose on Friday.",  # a domain
        "Subclass React.Component { render() } to draw it.",  # a line of code
        "Use Remote.Link and Remote.Form to call the server.",  # a name written before several dots
        "Prices rose 4.5 percent.",
    ],
)
def test_full_stops_inside_names_and_code_are_left_alone(description: str) -> None:
    assert only(item(description=description)).text == description


@pytest.mark.parametrize(
    "html",
    [
        "<p>There was a lot of energy flowing at\nRailsConf this year, and everyone who\nwent enjoyed it.</p>",
        "<p>There was a lot of <em>energy</em> flowing at\nRailsConf this year, and everyone who\nwent enjoyed it.</p>",
    ],
)
def test_line_breaks_the_markup_puts_inside_a_sentence_are_spaces(html: str) -> None:
    """In HTML a line break is a space: a description wrapped at 72 columns reads as its sentences, not as a
    sentence per line ("There was a lot of energy flowing at." was once a bullet)."""
    text = only(item(description=f"<![CDATA[{html}]]>")).text

    assert text == "There was a lot of energy flowing at RailsConf this year, and everyone who went enjoyed it."


def test_a_description_without_tags_is_still_html_and_its_wraps_are_spaces() -> None:
    description = (
        "In his latest column, he explains that\n         Amazon's queue service isn't as RESTful as\n it seems."
    )

    assert only(item(description=description)).text == (
        "In his latest column, he explains that Amazon's queue service isn't as RESTful as it seems."
    )


def test_a_line_break_inside_a_link_is_a_space() -> None:
    html = '<p>Watch the <a href="https://example.org/v">Rails Envy\nVideoCase</a> that Greg put together.</p>'

    assert (
        only(item(description=f"<![CDATA[{html}]]>")).text == "Watch the Rails Envy VideoCase that Greg put together."
    )


def test_lines_that_stand_alone_and_preformatted_lines_stay_lines() -> None:
    html = "<p>Pool closed for the winter\nCouncil says repairs are due</p><pre>cd glassfish\nchmod -R +x lib</pre>"

    text = only(item(description=f"<![CDATA[{html}]]>")).text

    assert text == "Pool closed for the winter.\nCouncil says repairs are due.\ncd glassfish.\nchmod -R +x lib."


LONG_STORY = (
    "The city council voted on Tuesday to close the Eastside swimming pool for the winter, after engineers "
    "found that its heating system had failed an inspection, and swimmers were told to use the harbour baths "
    "until the spring while the council looks for the money to replace the boilers and the"
)


def _descriptions(*texts: str) -> bytes:
    items = [
        {"title": f"Story {n}", "link": f"https://news.example.org/{n}", "description": t} for n, t in enumerate(texts)
    ]
    return rss_feed(items)


def test_descriptions_a_feed_cuts_at_a_fixed_length_are_marked_as_cut() -> None:
    """A feed that cuts every long description at 200 characters, mid-sentence and without an ellipsis: the
    last sentence is marked as cut, so it is never printed as a whole sentence ("... the boilers and the.")."""
    cut = [LONG_STORY[i : i + 200].strip() for i in (0, 3, 7)]

    texts = [a.text for a in parse(_descriptions(*cut, "A short item that ends well.")).articles]

    assert [t[-1] for t in texts] == ["…", "…", "…", "."]


@pytest.mark.parametrize(
    ("description", "ending"),
    [
        ("Engineers converted the old images to one of", "…"),  # no sentence ends on "of": the feed cut it
        ("The column explains that Amazon's", "…"),
        ("There is another liquid the two sides cannot agree on", "."),  # a sentence may end on a preposition
        ("Validation ain't what it used to be", "."),
        ("Engineers converted the old images to one of them.", "."),  # the feed's own full stop
    ],
)
def test_a_description_that_stops_on_a_word_no_sentence_ends_on_was_cut(description: str, ending: str) -> None:
    assert only(item(description=description)).text[-1] == ending


def test_descriptions_that_only_omit_their_full_stop_are_left_alone() -> None:
    whole = (  # a feed that leaves off the final full stop writes at every length
        "The council voted to close the pool",
        "The city council voted on Tuesday to close the Eastside swimming pool for the winter",
        "Engineers found that the heating system of the Eastside swimming pool had failed an inspection in October",
        LONG_STORY.removesuffix(" and the"),
    )
    texts = [a.text for a in parse(_descriptions(*whole)).articles]

    assert all(t.endswith(".") and not t.endswith("…") for t in texts)


def test_scripts_styles_and_comments_are_removed_including_scripts_inside_comments() -> None:
    html = (
        "<style>p{color:red}</style><p>Kept one.</p><script>alert('x')</script>"
        "<!-- <script>alert('hidden')</script> --><noscript>enable js</noscript><p>Kept two.</p>"
    )

    text = only(item(description=f"<![CDATA[{html}]]>")).text

    assert text == "Kept one.\nKept two."


@pytest.mark.parametrize(
    "line",
    [
        "Read more",
        "Continue reading...",
        "KEEP READING: The other story everyone is talking about",
        "Share this article",
        "Share on Facebook",
        "The post Storm closes roads appeared first on Example News.",
        "(With information from Reuters)",
        "Subscribe to Example News! https://bit.ly/2example",
        "Watch more Example video: http://video.example.org.",
        "https://www.example.org/live",
        "#Floyd #News #Example.",
        "- Follow us on Twitter: https://twitter.com/example",
        "Facebook: https://www.facebook.com/example",
        "On Demand - https://www.example.org/shows/news",
        "Visit http://www.example.org/live for the latest updates on the story.",
        "May 31, 2020 1:50 PM.",
    ],
)
def test_boilerplate_lines_are_dropped(line: str) -> None:
    html = f"<p>The storm closed roads.</p><p>{line}</p>"

    assert only(item(description=f"<![CDATA[{html}]]>")).text == "The storm closed roads."


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (
            "<p>The storm closed roads. The council will … <a href='/a'>Continue reading &rarr;</a></p>",
            "The storm closed roads. The council will …",
        ),
        ("<p>The storm closed roads. Read More &raquo;</p>", "The storm closed roads."),
        ("<p>Voters want to read more about the candidates.</p>", "Voters want to read more about the candidates."),
    ],
)
def test_an_excerpts_link_after_its_text_is_dropped(html: str, text: str) -> None:
    assert only(item(description=f"<![CDATA[{html}]]>")).text == text


def test_a_figures_caption_and_the_pages_boxes_are_not_text() -> None:
    html = (
        "<figure><img src='https://example.org/bridge.jpg'><figcaption>The harbour bridge at dusk.</figcaption>"
        "</figure><p>The council voted to close the harbour bridge.</p><aside>Related: Ferry times.</aside>"
        "<nav>Contents</nav><footer>Share this story.</footer>"
    )

    assert only(item(description=f"<![CDATA[{html}]]>")).text == "The council voted to close the harbour bridge."


def test_an_aggregators_publisher_names_after_its_headlines_are_dropped() -> None:
    html = (
        "<ol><li><a href='https://news.example.org/a'>Harbour council votes to close bridge</a>&nbsp;&nbsp;"
        "<font color='#6f6f6f'>Harbour Daily</font></li><li><a href='https://news.example.org/b'>Ferry services to"
        " double while the bridge is shut</a>&nbsp;&nbsp;<font color='#6f6f6f'>Oster Times</font></li></ol>"
    )

    assert only(item(description=f"<![CDATA[{html}]]>")).text == (
        "Harbour council votes to close bridge.\nFerry services to double while the bridge is shut."
    )


def test_lines_repeated_across_a_feeds_items_are_dropped() -> None:
    blurb = "Example TV is the home of news that matters, weeknights at seven."
    items = [
        {"title": f"Story {i}", "link": f"https://news.example.org/{i}", "description": f"Fact number {i}.<br>{blurb}"}
        for i in range(4)
    ]

    assert [a.text for a in parse(rss_feed(items)).articles] == [f"Fact number {i}." for i in range(4)]


def test_an_aggregators_credit_opening_most_items_is_dropped() -> None:
    """An aggregator names each item's source in brackets before its text ("[Harbour Times] ..."); the credit
    differs from item to item, so no repeated line shows it, but it opens most of the feed's items."""
    sources = ["Harbour Times", "Oster Daily", "Harbour Times", "Sarn FM"]
    items = [
        {"title": f"Story {i}", "link": f"https://news.example.org/{i}", "description": f"[{source}] Fact number {i}."}
        for i, source in enumerate(sources)
    ]

    assert [a.text for a in parse(rss_feed(items)).articles] == [f"Fact number {i}." for i in range(4)]


def test_one_item_opening_on_a_bracket_keeps_it() -> None:
    items = [{"title": "Story 0", "link": "https://news.example.org/0", "description": "[Updated] The bridge is shut."}]
    items += [
        {"title": f"Story {i}", "link": f"https://news.example.org/{i}", "description": f"Fact number {i}."}
        for i in range(1, 4)
    ]

    assert parse(rss_feed(items)).articles[0].text == "[Updated] The bridge is shut."


def test_share_prices_are_not_a_share_prompt() -> None:
    html = "<p>Share prices fell sharply on Tuesday after the central bank raised rates.</p>"

    assert only(item(description=f"<![CDATA[{html}]]>")).text.startswith("Share prices fell sharply")


def test_the_richest_field_is_used() -> None:
    body = item(description="Short summary.", **{"content:encoded": "<![CDATA[<p>A much longer full text.</p>]]>"})
    body = body.replace(
        b'<rss version="2.0">', b'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
    )

    assert only(body).text == "A much longer full text."


MEDIA = 'xmlns:media="http://search.yahoo.com/mrss/"'


def with_media(description: str, caption: str, *, caption_first: bool = False) -> bytes:
    """An RSS item with a description and a photo whose <media:description> is its caption."""
    image = '<media:content url="https://news.example.org/p.jpg" medium="image"/>'
    photo = f"{image}<media:description>{caption}</media:description>"
    own = f"<description>{description}</description>" if description else ""
    body = (photo + own) if caption_first else (own + photo)
    feed = f'<rss version="2.0" {MEDIA}><channel><title>T</title><item><title>A title</title>'
    return f"{feed}<link>https://news.example.org/a/1</link>{body}</item></channel></rss>".encode()


@pytest.mark.parametrize("caption_first", [False, True])
def test_a_photo_caption_longer_than_the_description_is_not_the_text(caption_first: bool) -> None:
    caption = "Protesters outside the burning precinct on Thursday night, as seen from a rooftop across the street."
    article = only(with_media("The city council voted to reopen the libraries.", caption, caption_first=caption_first))

    assert article.text == "The city council voted to reopen the libraries."


def test_an_item_whose_only_text_is_its_media_description_keeps_it() -> None:
    youtube = f"""<?xml version="1.0" encoding="UTF-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom" {MEDIA}><title>A channel</title><id>urn:c</id>
      <entry><id>urn:v:1</id><title>Flood waters rise</title><link rel="alternate" href="https://video.example.org/v/1"/>
        <published>2026-11-24T12:00:00Z</published>
        <media:group><media:title>Flood waters rise</media:title>
          <media:description>Flood waters rose across the valley &amp; roads closed.</media:description></media:group>
      </entry></feed>"""

    assert only(youtube).text == "Flood waters rose across the valley & roads closed."
    assert only(with_media("", "The minister opened the new bridge on Friday.")).text == (
        "The minister opened the new bridge on Friday."
    )


def test_text_is_capped() -> None:
    assert len(only(item(description="word " * 10_000)).text) <= 20_001


# ------------------------------------------------------------------------------------------------ dates


def test_published_is_utc() -> None:
    article = only(item(pubDate="Tue, 24 Nov 2026 18:30:00 -0500"))

    assert article.published == datetime(2026, 11, 24, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("date", "offset"),
    [
        ("Tue, 24 Nov 2026 18:30:00 -0500", -300),
        ("Wed, 25 Nov 2026 05:00:00 +0800", 480),
        ("2026-11-25T07:30:00+12:45", 765),  # Chatham Islands
        ("Tue, 24 Nov 2026 18:30:00 EST", -300),
        ("Tue, 24 Nov 2026 18:30:00 +0000", None),  # UTC says nothing of the writer: many feeds write only UTC
        ("Tue, 24 Nov 2026 18:30:00 GMT", None),
        ("Tue, 24 Nov 2026", None),
        ("Fri, 24 Nov 2028 18:30:00 +0800", None),  # in the future: the first-seen time, which has no zone
    ],
)
def test_the_zone_the_date_was_written_in_is_kept(date: str, offset: int | None) -> None:
    assert only(item(pubDate=date)).published_offset == offset


def test_a_missing_date_becomes_the_first_seen_time() -> None:
    article = only(item())

    assert (article.published, article.first_seen) == (NOW, NOW)


def test_a_future_date_is_clamped_to_now() -> None:
    assert only(item(pubDate="Sat, 01 Jan 2028 00:00:00 GMT")).published == NOW


def test_italian_dates_are_read() -> None:
    article = only(item(pubDate="mar, 24 nov 2026 10:00:00 +0100"))

    assert article.published == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_a_date_nobody_can_read_becomes_the_first_seen_time() -> None:
    assert only(item(pubDate="sometime soon-ish")).published == NOW


# ------------------------------------------------------------------------------------------------ identity


def test_ids_are_stable_and_tracking_does_not_change_them() -> None:
    plain = only(item(guid="https://news.example.org/a/1"))
    tracked = only(item(guid="https://news.example.org/a/1?utm_source=rss#x"))

    assert plain.id == tracked.id and plain.id.startswith("a-") and len(plain.id) == 18


def test_the_same_article_through_two_feeds_gets_one_id() -> None:
    business = Feed(
        key="https://news.example.org/business.xml", url="https://news.example.org/business.xml", section="B"
    )
    link = "https://news.example.org/a/9"

    assert only(item(link=link), FEED).id == only(item(link=link + "?utm_medium=business"), business).id


def test_a_guid_repeated_across_items_is_not_trusted() -> None:
    body = rss_feed(
        [
            {"title": "One", "link": "https://news.example.org/1", 'guid isPermaLink="false"': "default"},
            {"title": "Two", "link": "https://news.example.org/2", 'guid isPermaLink="false"': "default"},
        ]
    )

    assert len({a.id for a in parse(body).articles}) == 2


def test_an_opaque_guid_is_qualified_by_the_publisher() -> None:
    body = item(link="https://news.example.org/a/1", **{'guid isPermaLink="false"': "story-123456"})
    other = Feed(key="https://other.example.com/rss", url="https://other.example.com/rss", section="World")
    body_other = item(link="https://other.example.com/x", **{'guid isPermaLink="false"': "story-123456"})

    assert only(body).id != only(body_other, other).id


def test_without_guid_or_link_the_id_comes_from_the_content() -> None:
    body = rss_feed([{"title": "Same", "description": "Same text."}, {"title": "Other", "description": "Text."}])

    first, second = parse(body).articles

    assert first.id != second.id and first.url == ""


def test_the_same_item_twice_in_one_feed_is_kept_once() -> None:
    entry = {"title": "Once", "link": "https://news.example.org/a/5"}

    assert len(parse(rss_feed([entry, entry])).articles) == 1


# ------------------------------------------------------------------------------------------------ feed level


def test_outlet_is_the_configured_name_else_the_feed_title() -> None:
    named = Feed(key=FEED.key, url=FEED.url, section="World", name="Example World")

    assert (only(item(), named).outlet, only(item()).outlet) == ("Example World", "Test Feed")


def test_language_comes_from_the_feed() -> None:
    body = item().replace(b"<description>d</description>", b"<description>d</description><language>en-GB</language>")

    assert only(body).language == "en"


def test_ttl_is_read() -> None:
    assert parse(rss_feed([{"title": "x"}], extra="<ttl>60</ttl>")).ttl == timedelta(minutes=60)


def test_atom_feeds_are_read() -> None:
    body = """<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="pt-BR"><title>Atom News</title><id>urn:x</id>
      <updated>2026-11-24T12:00:00Z</updated>
      <entry><title type="html">Ponte &amp;amp; estrada</title><id>urn:uuid:1234-5678</id>
        <link rel="alternate" href="https://atom.example.org/p/1?utm_campaign=x"/>
        <updated>2026-11-24T12:00:00Z</updated>
        <content type="html">&lt;p&gt;Texto&lt;/p&gt;&lt;p&gt;completo&lt;/p&gt;</content></entry>
    </feed>"""

    article = only(body)

    assert (article.title, article.url, article.text, article.language, article.outlet) == (
        "Ponte & estrada",
        "https://atom.example.org/p/1",
        "Texto.\ncompleto.",
        "pt",
        "Atom News",
    )
    assert article.published == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_json_feed_is_read() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "JSON News",
            "language": "en-US",
            "items": [
                {
                    "id": "https://json.example.org/1",
                    "url": "https://json.example.org/1?utm_source=jsonfeed",
                    "title": "Rates &amp; bonds",
                    "content_html": "<p>Rates rose.</p><p>Bonds fell.</p>",
                    "date_published": "2026-11-24T10:00:00+01:00",
                }
            ],
        }
    )

    article = only(body)

    assert (article.url, article.title, article.text, article.published, article.language, article.outlet) == (
        "https://json.example.org/1",
        "Rates & bonds",
        "Rates rose.\nBonds fell.",
        datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        "en",
        "JSON News",
    )


# ------------------------------------------------------------------------------------------------ not a feed


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "empty body"),
        (b"  \n\t ", "empty body"),
        (
            b"<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body>nope</body></html>",
            "an HTML page, not a feed: '403 Forbidden'",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x">'
            b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Denied</title></head></html>',
            "an HTML page, not a feed: 'Denied'",
        ),
        (rss_feed([]), "rss20 feed has no entries"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "JSON Feed has no items"),
        (b'{"hello": "world"}', "not a feed: JSON without a JSON Feed version"),
    ],
)
def test_unusable_bodies_give_a_clear_reason(body: bytes, error: str) -> None:
    parsed = parse(body)

    assert (parsed.articles, parsed.error) == ((), error)


def test_text_that_is_not_xml_is_not_a_feed() -> None:
    error = parse(b"just some text").error

    assert error is not None and error.startswith("not a feed: no RSS/Atom version detected and no entries")


def test_items_sharing_one_home_page_link_stay_separate() -> None:
    body = rss_feed(
        [
            {"title": "Morning bulletin", "link": "https://news.example.org/"},
            {"title": "Evening bulletin", "link": "https://news.example.org/"},
        ]
    )

    assert len(parse(body).articles) == 2


def test_a_feed_cut_off_before_any_item_is_an_error() -> None:
    body = rss_feed([{"title": "x"}])

    error = parse(body[: body.index(b"<item>") + 3]).error

    assert error is not None and error.startswith("malformed rss20 feed with no readable entries")


def test_the_encoding_comes_from_the_response_headers() -> None:
    body = rss_feed([{"title": "Café crème"}]).replace(b'encoding="utf-8"', b"").decode().encode("latin-1")

    parsed = parse(body, headers={"content-type": "application/rss+xml; charset=iso-8859-1"})

    assert parsed.articles[0].title == "Café crème"


# ------------------------------------------------------------------------------------------------ full text


def test_extract_article_finds_the_body_of_a_page() -> None:
    paragraphs = "".join(
        f"<p>Paragraph {i} of the report explains what the council decided and why.</p>" for i in range(8)
    )
    page = (
        "<html><head><title>Council vote</title></head><body><nav>Home | World | Sport</nav>"
        f"<article><h1>Council vote</h1>{paragraphs}</article><footer>Copyright</footer></body></html>"
    )

    text = extract_article(page, "https://news.example.org/a/1")

    assert text is not None and "Paragraph 7 of the report" in text and "Copyright" not in text


def test_extract_article_gives_none_for_an_empty_page() -> None:
    assert extract_article("<html><body></body></html>", "https://news.example.org/a/1") is None


# ------------------------------------------------------------------------------------------------ hostile sizes


def poll_one(server: FeedServer, store: Store, body: bytes) -> FeedOutcome:
    """Serve `body` over HTTP and poll it as the only feed, as `briefing poll` would."""
    url = server.route("/hostile.xml", body=body, headers={"Content-Type": "application/rss+xml"})
    [outcome] = ingest.poll(
        Settings(sections=[SectionSettings(name="World", feeds=[FeedSettings(url=url)])]), store, NOW
    ).outcomes
    return outcome


@pytest.fixture
def feedparser_reads(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every body handed to feedparser, the expensive step, in the order it was handed."""
    handed: list[bytes] = []
    real = feedparser.parse

    def spy(body: bytes, *args: Any, **kwargs: Any) -> Any:
        handed.append(body)
        return real(body, *args, **kwargs)

    monkeypatch.setattr(feedparser, "parse", spy)
    return handed


def test_a_feed_of_thousands_of_items_is_cut_to_the_item_cap_before_feedparser_reads_it(
    feed_server: FeedServer, store: Store, feedparser_reads: list[bytes]
) -> None:
    items = [{"title": f"Story number {i}", "link": f"https://news.example.org/a/{i}"} for i in range(5_000)]

    outcome = poll_one(feed_server, store, rss_feed(items))

    read = [body.count(b"<item>") for body in feedparser_reads]
    assert (read, outcome.articles, outcome.warning) == ([1_000], 1_000, "more than 1,000 items: read the first 1,000")


def test_a_feed_of_entity_spam_is_cut_to_the_markup_budget_before_feedparser_reads_it(
    feed_server: FeedServer, store: Store, feedparser_reads: list[bytes]
) -> None:
    spam = "&amp;" * 6_000  # 6,000 entities in one item, 600,000 in the feed: one call into Python each
    items = [
        {"title": f"Story {i}", "link": f"https://news.example.org/a/{i}", "description": spam} for i in range(100)
    ]

    outcome = poll_one(feed_server, store, rss_feed(items))

    events = max(body.count(b"&") + body.count(b"<") for body in feedparser_reads)
    warning = "too much markup (tags, entities, lines): read the first 49 items"
    assert (events <= MAX_EVENTS, outcome.articles, outcome.warning) == (True, 49, warning)


def test_an_item_of_thousands_of_tags_is_where_reading_stops(
    feed_server: FeedServer, store: Store, feedparser_reads: list[bytes]
) -> None:
    categories = "".join(f"<category>topic {i}</category>" for i in range(10_000))  # 1.7 s of feedparser alone
    items = [
        {"title": "Before", "link": "https://news.example.org/a/1"},
        {"title": f"Spam</title>{categories}<title>Spam"},
    ]
    items.append({"title": "After", "link": "https://news.example.org/a/3"})

    outcome = poll_one(feed_server, store, rss_feed(items))

    tags_read = [body.count(b"<category>") for body in feedparser_reads]
    assert (tags_read, outcome.articles, outcome.warning) == (
        [0],
        1,
        "too much markup (tags, entities, lines): read the first 1 items",
    )


def test_each_field_of_an_item_is_capped_before_it_is_cleaned(
    feed_server: FeedServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    longest: dict[str, int] = {}
    for name in ("clean_title", "clean_body", "canonical_url"):
        real = getattr(briefing.parse, name)

        def spy(value: str, *args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            longest[_name] = max(longest.get(_name, 0), len(value))
            return _real(value, *args, **kwargs)

        monkeypatch.setattr(briefing.parse, name, spy)
    huge = "word " * 150_000  # 750,000 characters in each field, within the markup budget
    query = "&amp;".join(f"p{i}=v" for i in range(30_000))
    body = rss_feed(
        [{"title": huge, "link": f"https://news.example.org/a?{query}", "description": f"<![CDATA[{huge}]]>"}]
    )

    poll_one(feed_server, store, body)

    assert longest == {"clean_title": MAX_TITLE_MARKUP, "clean_body": MAX_MARKUP}
