"""Cleaning inside `briefing.parse`: canonical URLs, titles and plain text from feed HTML.

Knows URLs and HTML, not feeds: `parse` hands it strings and gets strings back. lxml enters here.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from functools import lru_cache
from urllib.parse import unquote_plus, urljoin, urlsplit

import lxml.etree  # type: ignore[import-untyped]
import lxml.html  # type: ignore[import-untyped]

MAX_TITLE = 300
MAX_TEXT = 20_000
MAX_MARKUP = 500_000  # HTML read per entry: markup several times the text cap, never megabytes of it

# ------------------------------------------------------------------------------------------------ URLs

_TRACKING_PREFIXES = ("utm_", "at_", "ns_", "pk_", "mtm_", "hsa_")
_TRACKING_NAMES = frozenset(
    (  # noqa: SIM905
        "fbclid gclid dclid gbraid wbraid msclkid yclid twclid igshid mc_cid mc_eid ocid cmpid cmp smid smtyp "
        "ito xtor _ga _gl _hsenc _hsmi mkt_tok itm_source itm_medium itm_campaign s_cid sr_share ref_src ref_url"
    ).split()
)


def canonical_url(link: str, base: str = "") -> str | None:
    """An article's URL as one string per article: tracking removed, `&amp;` fixed, fragment dropped.

    Relative links are resolved against `base` (the feed's URL). Anything not http(s) gives None.
    """
    link = link.strip()
    for _ in range(3):  # double-escaped feeds leave "&amp;amp;" after one decoding
        if "&amp;" not in link and "&#" not in link:
            break
        link = html.unescape(link)
    if base and not link.lower().startswith(("http://", "https://")):
        link = urljoin(base, link)
    try:
        parts = urlsplit(link)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in ("http", "https") or not host:
        return None
    netloc = host.lower()
    if port and port != {"http": 80, "https": 443}[scheme]:
        netloc += f":{port}"
    query = "&".join(piece for piece in parts.query.split("&") if piece and not _is_tracking(piece))
    # what urlunsplit makes of these parts: a netloc is there, and a path after one starts with "/"
    return f"{scheme}://{netloc}{parts.path or '/'}" + (f"?{query}" if query else "")


@lru_cache(maxsize=4096)
def _is_tracking(piece: str) -> bool:
    """One `name=value` of a query string; the rest of the query is kept byte for byte. Cached: a feed's links
    repeat the same few pieces ("utm_source=rss") on every item."""
    name, _, value = unquote_plus(piece).partition("=")
    lowered = name.lower()
    if lowered == "ref":  # "ref=rss" marks the feed as the referrer; other refs may name content
        return "rss" in value.lower() or "feed" in value.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


_URL_START = re.compile(r"https?://[^\s/]+", re.I)


def looks_like_url(value: str) -> bool:
    return _URL_START.match(value.strip()) is not None


# ------------------------------------------------------------------------------------------------ text

_BLOCKS = frozenset(
    (  # noqa: SIM905
        "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote pre table tr td th section article header footer "
        "aside figure figcaption dd dt dl hr nav main address details summary caption"
    ).split()
)
# Inline elements: a line break inside one is always a space ("<a>Rails Envy\nVideoCase</a>"), as no line of
# its own (a byline, a date) is ever written inside a link or an emphasis.
_INLINE = frozenset(
    ("a", "abbr", "b", "cite", "em", "i", "mark", "q", "s", "small", "span", "strong", "sub", "sup", "u")
)
# ... and what the page marks as no part of the article's prose: a photo's caption, a box of related links or
# notes, a menu, a footer (a caption is never a fact of the story). Not <header>, which may hold a standfirst.
_DROP = (
    "script",
    "style",
    "noscript",
    "iframe",
    "template",
    "svg",
    "object",
    "embed",
    "form",
    "button",
    "select",
    "figcaption",
    "aside",
    "nav",
    "footer",
)
_BOILERPLATE_LINES = (
    r"^(read more|continue reading|keep reading|read the (full|whole|rest of the) (story|article)|"
    r"full story|click here|see more|more:)\b.{0,150}$",
    r"^the post .{1,300} appeared first on .{1,200}$",
    r"^\(?with information from [^)]{1,200}\)?\.?$",
    r"^(share (this|on|via|the)|share:|click to share|tweet this|follow us|like us on|sign up for|"
    r"subscribe to (our|the))\b.{0,100}$",
    r"^(image|photo|video)( credit)?:.{0,80}$",
    r"^advertisement$",
    r"^(https?://\S+|(#\w+\s*)+)\.?$",  # a bare link, or nothing but hashtags
    # a dateline repeating the published time: "May 31, 2020 1:50 PM."
    r"^[a-z]{3,9}\.? \d{1,2}, \d{4}(,? \d{1,2}:\d{2}( ?[ap]\.?m\.?)?)?\.?$",
)
_BOILERPLATE_LINK_LINES = (  # lines that hold a link ("http" in them): read only then, their patterns backtrack
    # video-channel promotion: "Subscribe to Fox News! https://...", "Get more at: https://..."
    r"^[-•*·]?\s*(subscribe|watch|follow|visit|download|get more|for more|like us|check out|find us)\b"
    r".{0,160}https?://\S+.{0,80}$",
    r"^[-•*·]?\s*[^.!?]{0,60}?\s[:\-–]\s*https?://\S+\.?$",  # "Twitter: https://...", "On Demand - https://..."
    r"^[-•*·]?\s*[\w ]{1,40}:\s*https?://\S+\.?$",
)
_BOILERPLATE = re.compile("|".join(f"(?:{pattern})" for pattern in _BOILERPLATE_LINES), re.I)
_BOILERPLATE_LINK = re.compile("|".join(f"(?:{pattern})" for pattern in _BOILERPLATE_LINK_LINES), re.I)
_INLINE_JUNK = [  # (a cheap test, the pattern): most lines skip the regular expressions
    ("[", re.compile(r"\s*\[(…|\.\.\.|&hellip;)\]\s*$")),
    ("with information from", re.compile(r"\(with information from [^)]{1,200}\)\.?", re.I)),
    ("appeared first on", re.compile(r"\s*the post .{1,300} appeared first on .{1,200}$", re.I)),
] + [  # an excerpt's link after its last sentence or its cut: "The closure will … Continue reading →"
    (marker, re.compile(rf"(?<=[.!?…])\s+{marker}\b[^.!?]{{0,30}}$", re.I))
    for marker in ("continue reading", "read more", "keep reading")
]
_SENTENCE_END = ".!?:;…\"'”’)]"


def clean_title(title: str) -> str:
    """Entities decoded (twice if the feed double-escaped them), markup removed, whitespace collapsed, capped."""
    text = unescape(title)
    if "<" in text:
        text = _html_text(text, blocks=False)
        text = unescape(text)
    text = " ".join(_readable(text).split())
    return _cap(text, MAX_TITLE)


def clean_text(value: str, *, markup: bool) -> str:
    """Plain text: block elements become sentence breaks, scripts and boilerplate go, length is capped."""
    return clean_body(value, markup=markup)[0]


def clean_body(value: str, *, markup: bool) -> tuple[str, bool]:
    """`clean_text`, and whether its last line had no end of its own (the full stop it ends with was added): a
    description a feed cut off mid-sentence ends so, and so does one whose last line is a heading."""
    value = value[:MAX_MARKUP]
    # Double-escaped feeds ("&lt;p&gt;Apple&amp;amp;#8217;s") leave entities after the markup is read: they are
    # decoded here, once, so the stored text is what bullets quote and what the check reads as evidence.
    if markup and "<" in value:
        text = unescape(_html_text(value, blocks=True))
    else:  # HTML without a tag reads its line breaks the same way; plain text keeps them all
        text = unescape(_flowed(value) if markup else value)
    text = _readable(text)
    lines = [_strip_inline_junk(line) for line in _unglued_lines(text) if line and not _is_boilerplate(line)]
    kept = [line for line in lines if line]
    ends_open = bool(kept) and kept[-1][-1] not in _SENTENCE_END
    return _cap("\n".join(_sentence(line) for line in kept), MAX_TEXT), ends_open


# "didnâ€™t", "gÃ¶nderece": UTF-8 text that a publisher's software decoded as Windows-1252 or Latin-1 before writing
# the feed (mojibake). ftfy undoes it (`fix_encoding` only: quotes, widths and line breaks are left as printed).
# The pre-test, a UTF-8 lead byte read as a character and a continuation byte read as the next, finds the texts
# worth ftfy's time, so that ftfy is imported only for them: none of the real days' 3,780 titles and texts, and 10
# texts of 7 feeds in the robustness corpus, all of them mojibake. A search for a lead byte's character alone
# (4 of the real days' texts have one: "é", "ñ") first halves its cost, to under a microsecond a text.
_MOJIBAKE_LEAD = re.compile("[\u00c2-\u00ef]")
# A continuation byte (0x80-0xbf) as Latin-1 or Windows-1252 shows it.
_CONTINUATION = (
    "[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
    "\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_MOJIBAKE_HINT = re.compile(f"[\u00c2-\u00df]{_CONTINUATION}|[\u00e0-\u00ef]{_CONTINUATION}{{2}}")


def _readable(text: str) -> str:
    """The text with its mojibake undone, when it has any."""
    if _MOJIBAKE_LEAD.search(text) is None or _MOJIBAKE_HINT.search(text) is None:
        return text
    import ftfy  # imported late: 70 ms that only a feed with mojibake needs

    return str(ftfy.fix_encoding(text))


# "... in Delhi.Ministry of Defence has ...": a publisher's own paragraphs joined without a space (the break lost
# before the feed was written), so that two sentences read as one. A word (a capital, then lower case), a number
# or a closing parenthesis before the full stop, a capitalised word (or its possessive) after it followed by a
# space, a comma or a colon: not "U.S.Army", not "ex.Message;", not "Amazon.com"; but "in 2007.The company's
# manager" and "Survey of India (ASI).The ASI". Code is left alone: a line that looks like code ("class App
# extends React.Component {", "render()"), and a name the text also writes before another dot ("Remote.Link and
# Remote.Form").
_GLUED = re.compile(r"(?:(?<![\w.])([A-Za-z][a-z]+|\d{2,})|(?<=\w)(\)))\.(?=[A-Z][a-z]+(?:['’]s)?[\s,:])")
_CODE = re.compile(r"[{};=<>|\\#]|\w\(|::|\w\.\w+\.\w")
_DOTTED = re.compile(r"(?<![\w.])(\w+)\.(?=\w)")
_GLUED_HINT = re.compile(r"\.[A-Z][a-z]")  # a literal first: found at a fiftieth of `_GLUED`'s cost, in 2% of texts


# A news aggregator's list item: a headline, two no-break spaces, then its publisher's name ("Bridge to close
# &nbsp;&nbsp;<font>Harbour Daily</font>"). The name goes: glued to the headline it reads as part of it.
_PUBLISHER_AFTER_SPACES = re.compile(r"(?<=\S)\xa0{2,}\s*+(?:[A-Z0-9][\w.&'’-]*+\s*+){1,6}$")


def _unglued_lines(text: str) -> list[str]:
    if "\xa0\xa0" in text:
        text = "\n".join(_PUBLISHER_AFTER_SPACES.sub("", line) for line in text.splitlines())
    lines = [" ".join(line.split()) for line in text.splitlines()]
    if _GLUED_HINT.search(text) is None or _GLUED.search(text) is None:
        return lines
    dotted = Counter(match[1] for match in _DOTTED.finditer(text))

    def space(match: re.Match[str]) -> str:
        if match[2]:  # "(ASI).The"
            return "). "
        return match[0] if dotted[match[1]] > 1 else f"{match[1]}. "

    return [line if _CODE.search(line) else _GLUED.sub(space, line) for line in lines]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


# Paragraphs and line breaks around text with no other markup and no character lxml might read differently
# (C1 controls, lone surrogates), its only entities a few whose decoding lxml and `html.unescape` agree on: the
# commonest feed description ("<p>...</p><p>...</p>"). Plain characters are read a run at a time, and a run is
# never given back (no run can start the "</p>" that ends it): one step a run, not one a character.
_CHARACTERS = (
    r"(?:[^<>&\x80-\x9f\ud800-\udfff]++|<br\s*/?>|&(?:quot|amp|lt|gt|nbsp|#39|#x27|#821[1-9]|#822[01]|#8230);)*+"
)
_SIMPLE_MARKUP = re.compile(rf"\s*(?:(?:<p>{_CHARACTERS}</p>\s*)+|{_CHARACTERS})")
_BREAK = re.compile(r"<br\s*/?>")


def _html_text(fragment: str, *, blocks: bool) -> str:
    """Text of an HTML fragment; with `blocks`, each block element starts a new line so words never glue."""
    fragment = _CONTROL.sub("", fragment)  # lxml refuses strings with NUL or control characters
    if blocks and _SIMPLE_MARKUP.fullmatch(fragment):
        return _simple_text(fragment)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, recover=True)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div", parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return re.sub(r"<[^>]*>", " ", fragment)
    lxml.etree.strip_elements(root, *_DROP, with_tail=False)
    preformatted = {inner for pre in root.iter("pre") for inner in pre.iter()}  # its line breaks are its own
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.text and element not in preformatted:
            inline = element.tag.lower() in _INLINE
            element.text = element.text.replace("\n", " ") if inline else _flowed(element.text)
        if element.tail and element.getparent() not in preformatted:
            element.tail = _flowed(element.tail)
        if blocks and element.tag.lower() in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
        elif element.tag.lower() in ("img", "br", "td", "th"):
            element.tail = " " + (element.tail or "")
    return str(root.text_content())


def _simple_text(fragment: str) -> str:
    """What lxml reads from well-formed paragraphs and line breaks (`_SIMPLE_MARKUP`), without building a tree:
    each paragraph and each line break starts a new line. The same lines once `clean_text` collapses whitespace
    and drops empty lines (lxml's copy differs only in blank lines), at a fraction of the cost."""
    text = _BREAK.sub("\n", _flowed(fragment).replace("<p>", "\n").replace("</p>", "\n"))
    return html.unescape(text) if "&" in text else text  # lxml decodes entities once


# A line break inside a sentence: before a word in lower case (not a link), or after a comma or a word no
# sentence ends on. Anything else may be a line of its own (a byline, a date, "Subscribe: ..."), and stays one;
# so does a blank line (whitespace on both sides of its line breaks).
_WRAPPED = re.compile(
    r"(,|\b(?:a|an|the|and|or|but|nor|of|to|in|on|at|for|with|from|by|as|than|that|who|whose|which|is|are|was"
    r"|were|be|been|has|have|had|will|would|can|could|its|their|his|our|your|my))[ \t]*\n[ \t]*(?=\S)"
    r"|(?<=[^\s.!?:;…])[ \t]*\n[ \t]*(?=(?-i:[a-z]))(?!https?:|www\.)",
    re.IGNORECASE,
)


def _flowed(text: str) -> str:
    """A line break that whoever wrote the markup put inside a sentence is a space: "a lot of energy flowing at",
    then "RailsConf this year" on the next line, is one sentence (HTML's own line breaks are spaces). A line that
    may stand on its own stays one (see `_WRAPPED`)."""
    return _WRAPPED.sub(r"\1 ", text) if "\n" in text else text


def _is_boilerplate(line: str) -> bool:
    """No character but h, t and p themselves matches them ignoring case, so a line without "http" in lower
    case cannot match a pattern of links."""
    if _BOILERPLATE.match(line) is not None:
        return True
    return "http" in line.lower() and _BOILERPLATE_LINK.match(line) is not None


def _strip_inline_junk(line: str) -> str:
    lowered = line.lower()
    for marker, pattern in _INLINE_JUNK:
        if marker in lowered:
            line = pattern.sub("", line)
    return line.strip()


def _sentence(line: str) -> str:
    """A line ends a sentence, so that a heading and the next paragraph are never read as one."""
    if not line or line[-1] in _SENTENCE_END:
        return line
    return line + "."


def title_from_text(text: str) -> str:
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0] if text else ""
    return _cap(first.rstrip("."), 120) or "(untitled)"


def unescape(text: str) -> str:
    text = _CONTROL.sub("", text)
    for _ in range(2):
        if "&" not in text:
            break
        text = html.unescape(text)
    return text


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def one_line(text: str) -> str:
    return " ".join(text.split())
