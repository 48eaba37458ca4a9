"""What may become a bullet: the sentence rules, each naming the reason it rejects a sentence.

A bullet states a fact of the story. Being supported by a source is necessary, not sufficient: a photo caption,
a sign-off, a subscription line, a programme notice, a teaser or a question is a faithful copy of its source and
still no fact. rules knows English news prose and feed conventions; it must not know scoring, LLMs, grounding
or the store. Both summarisers' bullets pass through it, and `briefing check` re-applies it to built editions.

The word lists here are deliberately small: each names a convention of news feeds (how sign-offs, captions and
programme notices are worded), not an outlet. Text that recurs across stories (helplines, channel blurbs) is
learnt from the material itself (`briefing.summarise.recurring`), not listed here. Whether a sentence stands on
its own (a pronoun, a connective or "the move" pointing at a sentence not shown) is `briefing.summarise.leaning`.
"""

from __future__ import annotations

import re
from enum import StrEnum

from briefing.wordnet import default_wordnet


class Rejection(StrEnum):
    """Why a candidate sentence (or a drafted bullet) was not used."""

    FRAGMENT = "fragment"  # too short, cut off by the feed, markup, unbalanced quotation, or too long to cut
    FIRST_PERSON = "first_person"  # the writer's own voice, or the reader addressed: opinion, not news
    CAPTION = "caption"  # a photo caption or credit
    SIGNOFF = "signoff"  # "X reports from Y", bylines, TV segment credits, notes about the article itself
    SOCIAL = "social"  # hashtags, subscribe / follow / like lines, links
    PROGRAMME = "programme"  # show, episode, broadcast-time and how-to-watch notices
    TEASER = "teaser"  # "Here's why ...", "What you need to know about ..."
    QUESTION = "question"  # states nothing
    LISTING = "listing"  # TV picks, dash-led list items
    ADVISORY = "advisory"  # helplines; any line that recurs across stories (learnt per edition)
    DANGLING = "dangling"  # leans on a sentence the reader never sees
    SETUP = "setup"  # sets up a contrast that the next sentence resolves
    STALE_TIME = "stale_time"  # a relative time ("today") in an older article that cannot be anchored
    REPEAT = "repeat"  # states a fact already chosen, or one an earlier edition published
    NON_NEWS = "non_news"  # from an item that is not news (live page, gallery, programme, listing)
    OTHER_LANGUAGE = "other_language"  # from an item in another language, in a story with English items
    UNSUPPORTED = "unsupported"  # failed the grounding check


# The reasons a reader would call junk: the bullet is not a fact of the story at all.
JUNK = frozenset(
    {
        Rejection.CAPTION,
        Rejection.SIGNOFF,
        Rejection.SOCIAL,
        Rejection.PROGRAMME,
        Rejection.TEASER,
        Rejection.QUESTION,
        Rejection.LISTING,
        Rejection.ADVISORY,
    }
)

# ------------------------------------------------------------------------------------------------ patterns

_NAME = r"[A-Z][\w.'’-]*"
_NAMES = rf"{_NAME}(?:\s+{_NAME}){{0,3}}"
_SOCIAL = re.compile(
    r"#\w|@\w{2,}|https?://|www\.|\bsubscribe\b|\bsign up\b|\bnewsletter\b|\bfollow (?:us|him|her|them|our|@)"
    r"|\b(?:follow|like|find|join) (?:us|him|her|them|our \w+ )?on (?:facebook|twitter|instagram|tiktok|youtube)\b"
    r"|\byoutube channel\b|\bbell button\b|\bclick (?:here|the link|below)\b|\bvisit our (?:website|site)\b"
    r"|\bdownload (?:the|our) app\b|\bshare this\b|\bread more\b|\ball rights reserved\b|©|\badvertisement\b"
    r"|\bjavascript\b|\byour browser\b|^(?:tags|tagged|filed under|categories|topics)\s*:"  # "Tags: a · b"
    # "Read the full story at ...", "For more, visit harbourdaily.com.", a forum's "submitted by /u/x [link]"
    r"|\b(?:read|see|get) the (?:full|original) (?:story|article|report)\b"
    r"|\bavailable (?:only )?to subscribers\b|\bsubscribers only\b"
    # an appeal for money: "please consider subscribing to X to support this work", "support our journalism"
    r"|\bconsider (?:subscribing|donating|becoming a (?:member|subscriber|supporter))\b"
    r"|\bsupport (?:this|our|independent) (?:work|journalism|reporting)\b"
    r"|\b\d+ posts? - \d+ participants?\b|\bread full topic\b"  # a forum's (Discourse) footer
    r"|\bvisit\s+(?:us\s+at\s+)?[\w.-]+\.(?:com|org|net|news|tv|co\.\w\w)\b|^submitted by\s+/?u/",
    re.IGNORECASE,
)
_TRAILING_TAGS = re.compile(r"(?:\s+#\w+)+\s*\.?\s*$")
_CAPTION = re.compile(
    r"^(?:images?|photos?|pictures?|footage|video|scenes|a selection|a week in (?:photos|pictures))\s+"
    r"(?:of|from|taken|as)\b"
    r"|,\s+(?:left|right|centre|center|top|bottom|second (?:left|right)),|\((?:left|right|centre|center)\)"
    r"|\((?:wearing|holding|pictured|seen|centre|center|second from)\b"
    # "X, pictured, ...", "Pictured: X", "X is pictured with Y"; but "X was pictured leaving ..." reports an event
    r"|(?<!\bwas )(?<!\bwere )(?<!\bbeen )\bpictured\b"
    r"|\bin this (?:photo|image|picture)\b|\b(?:photo|image|picture|credit|caption)s?\s*:|^toggle caption\b"
    r"|^(?:photo(?:graph)?|image|picture|video|footage)s?\s+(?:by|courtesy(?: of)?|via)\b"  # "Photo by X on Unsplash"
    r"|\b(?:getty images|ap photo|afp photo|file photo|photo illustration)\b"
    # a wire photo's dateline: "Crews clear the site, late Sunday, July 4, 2021, in Surfside." (prose gives a
    # weekday or a date with its year, rarely both)
    r"|,\s+(?:on\s+)?(?:late\s+|early\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day(?:\s+(?:morning|afternoon|evening"
    r"|night))?,\s+(?:[a-z]{3,9}\.?\s+\d{1,2}|\d{1,2}\s+[a-z]{3,9}),?\s+(?:19|20)\d\d\b",
    re.IGNORECASE,
)
_FULL_NAME = r"[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3}"
_GUEST = re.compile(rf"^{_FULL_NAME},\s")
_SIGNOFF_VERB = (
    r"(?:reports?(?:\s+(?:from|on|live|in|at)\b|\s*\.)|has more|have more|has the (?:latest|story|details)"
    r"|brings? us|is live|joins? us|weighs? in|explains?|discuss(?:es)?|describes?|breaks? down|fact[- ]checks?"
    r"|takes? a look|looks? (?:at|back)|reacts?|sits? down|speaks? (?:to|with)|talks? (?:to|with)|answers?|meets?"
    r"|asks? (?:what|whether|how|why|if|who))\b"
)
_SIGNOFF = re.compile(
    # "CNN's Sara Sidner reports from ...", "Fox News correspondent Bill Melugin reports on the latest ...": who
    # is on camera, not what happened.
    rf"^(?:{_NAMES}(?:'s|’s|’|')\s+|{_NAMES}\s+(?:correspondent|reporter|anchor|host|contributor|editor)\s+)?"
    rf"{_FULL_NAME}(?:\s+and\s+{_FULL_NAME})?\s+{_SIGNOFF_VERB}"
    rf"|[;:]\s*{_FULL_NAME}\s+(?:reports?|has (?:more|the (?:latest|story|details)))\b"
    rf"|^(?:\S+\s+){{0,4}}{_FULL_NAME}\s+{_SIGNOFF_VERB}\s*[.!]?$"  # "Former state attorney Jo Vale reacts."
    # "NPR speaks with Jo Lind, ...": an interview; "DW asks whether ...": a broadcaster's piece
    rf"|^[A-Z]{{2,6}}\s+(?:(?:speaks|talks)\s+(?:with|to)\s+{_FULL_NAME}|asks?\s+(?:what|whether|how|why|if|who)\b)"
    rf"|\b{_FULL_NAME}\s+weighs in\b|\b(?:has|have) (?:reporters|correspondents|a team) (?:standing by|on the ground)\b"
    rf"|\b(?i:reporting|editing|writing) by\b|\bcontributed (?:reporting|to this (?:report|story|article))\b"
    rf"|^(?i:by)\s+{_NAMES}(?:(?:,\s*|,?\s+and\s+){_NAMES})*\s*\.?$"  # a byline: "By Jo Lind and Tom Reyes."
    r"|\bjoin(?:s|ed)\b.{0,80}\b(?:to discuss|with reaction|to talk|to weigh in|to react|on ['‘\"“])"
    r"|\bjoin(?:s|ed)\s+['‘\"“]",
)
# Notes about the article rather than the story, as feed footers print them: where it first appeared and who
# paid for it ("This article is republished from ...", "The post <title> appeared first on <site>."), corrections
# and updates, its dates, disclaimers, and credits ("Jo Lind and Tom Reyes contributed.").
_ABOUT_THE_ARTICLE = re.compile(
    r"\b(?:an )?earlier version of this (?:article|story|report)\b"
    r"|\bthis (?:article|story|piece|report|content|post) (?:(?:was|is|has been)\s+)?(?:originally |first )?"
    r"(?:appeared|published|republished|produced|sponsored|updated|corrected|amended)\b"
    r"|^(?:first published|last (?:modified|updated)|originally published|published|updated|posted)\s+(?:on|at)\b"
    r"|\bviews expressed (?:in|here|are)\b|^editor['’]s note\b|^(?:correction|disclosure|disclaimer)\s*:"
    r"|\bcomments are closed\b|\bappeared first on\b|\bthis is a developing story\b"
    r"|^p\.\s?s\.?\s(?!\d)"  # a postscript, "P.S. ..."; not New York's school "P.S. 22"
    r"|^(?:in )?this (?:article|post|piece|essay|blog post)\b"  # "This article proposes a way of ..."
    rf"|^(?-i:{_FULL_NAME})(?:(?:,\s*|,?\s+and\s+)(?-i:{_FULL_NAME}))*\s+contributed(?:\s+(?:reporting|research)\b|\s*\.?$)",
    re.IGNORECASE,
)
# "Jo Lind is a reporter for the Harbour Daily covering transport.": the writer's note at the foot of the article.
_AUTHOR_NOTE = re.compile(
    rf"^(?P<name>{_FULL_NAME})\s+(?:is|was)\s+(?:a|an|the)\b.{{0,80}}?\b(?:reporter|correspondent|writer|editor"
    r"|columnist|journalist|contributor|author|producer|photographer)s?\b"
)
_PROGRAMME = re.compile(
    r"\bfull episode\b|\bepisodes? of\b|\bairs\b|\bnewscast\b|\btune in\b|\blive ?stream\w*\b|\bon demand\b"
    r"|\bonly available in\b|\bcoming (?:soon )?to (?:your|our)\b|\bdon'?t miss\b|\bcatch (?:up|the latest)\b"
    r"|\b(?:weekdays|weeknights|weekends|daily|nightly|mondays|tuesdays|wednesdays|thursdays|fridays|saturdays"
    r"|sundays)\s+(?:at|from)\s+\d|\bexpected live at\b|\bhow to watch\b|\bwhere to watch\b|\bwatch (?:it )?live\b"
    r"|^(?:watch|listen|live|video|audio)\s*:|^watch (?:here|the|our|more|now)\b|\bstream(?:ing)? (?:now|it)\b"
    r"|\bin (?:our|this) (?:programme|program|podcast|documentary|special)\b|\bpodcast\b"
    r"|\breaction on ['‘\"“]|\b(?:tells?|told) ['‘\"“][A-Z]"
    r"|\bcoverage (?:will be |is )?(?:live |available )?(?:on|via) (?:the )?(?-i:[A-Z])",  # "Coverage will be on BBC"
    re.IGNORECASE,
)
_TEASER = re.compile(
    r"^(?:here['’]?s|here is|here are|this is (?:what|how|why|where|when)|what (?:you need|we know|to know|to expect)"
    r"|everything (?:you need|we know)|all you need to know|find out|read on|see (?:what|how|the|our|which)"
    r"|take a look|check out|discover|learn (?:how|what|why)|get the latest|the latest on|follow (?:our|live|the)"
    r"|and what else|(?:five|four|three|ten|\d+) things (?:you|to)|how to\b|why (?:you|we)\b)"
    r"|\b(?:you need to know|you may have missed|stories you|things you need)\b|\bhere['’]s (?:how|why|what|where)\b"
    # the same promise after an opening phrase: "From anime retrospectives to woodblock prints, here are five ..."
    r"|(?:[,;]|\s[-—–])\s+here(?:['’]s| is| are)\b"
    # "Here five families tell X why ...", "Here, stars reflect on ...": not "Here was ...", "Here in Oster ..."
    r"|^[\"“]?here,?\s+(?!(?:['’]s|is|are|was|were|lies|lie|comes|come|in|on|at|and|the)\b)(?=\w)",
    re.IGNORECASE,
)
_CAPTION_LABEL = re.compile(r"^[A-Z][a-z]+(?:\s+[a-z]+){0,2}\s?:\s+(?=[A-Z])")
_SAYING = re.compile(r"\b(?:said|says|told|tells|added|adds|warned|warns|stated|states|announced|announces)\b")
_LIST_ITEMS_MIN = 5
_NAMES_ALONE_MIN = 4  # capitalised words: two names of two words
_NAME_JOINS = frozenset(
    {
        *("and", "de", "del", "da", "di", "van", "von", "der", "la", "le", "bin", "al"),
        *("by", "of", "the", "for", "in", "on", "at", "to", "with", "a", "an", "via"),  # "Cats at Play by Jo Lind"
    }
)
# A list item, a programme guide, or a line of code's comment or a Markdown heading ("# Kernel extensions ...").
_LISTING = re.compile(
    r"^\s*[-–—•*·]\s*\S|^\w+(?:'s)? (?:picks|highlights|line-?up|schedule)\s*:|^\s*(?:#+|//|/\*)\s",
    re.IGNORECASE,
)
_HELPLINE = re.compile(
    r"^\s*[(\[].*[)\]]\W*$|\bcontains? (?:scenes|images|footage) of\b|\bviewer discretion\b|\bcontent warning\b"
    r"|\b(?:helpline|hotline|lifeline|crisis line|samaritans|beyond blue|kids helpline)\b"
    r"|^if you (?:suspect|or someone|or a (?:friend|family member)|need (?:help|support)|are (?:struggling|worried))"
    # a spoiler warning: "Warning: clear spoilers for X ahead.", "(Spoilers for X follow.)"; not "play spoiler"
    r"|^\W*(?:warning\s*:\s*)?(?:(?:clear|major|minor|mild|some|heavy|light)\s+)?spoilers?\s+(?:for|ahead|alert)\b"
    r"|\bspoilers?\b.{0,80}\b(?:ahead|follows?|below)\W*$",
    re.IGNORECASE,
)
# Quotations: double quotes, curly single quotes, and straight single quotes as many outlets print them ('I can't
# breathe,'), where an apostrophe between two letters is part of a word, not the closing quote.
QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|‘[^’]*’(?!\w)|(?<![\w'])'(?=\S)(?:[^'\n]|(?<=\w)'(?=\w))*?(?<=\S)'(?!\w)")
# The writer's own voice, or one addressing the reader ("What you're watching is ..."): opinion, not news.
_FIRST_PERSON = re.compile(r"\b(?:I|[Mm]e|[Mm]y|[Ww]e|[Oo]ur|us|[Ll]et's|[Ll]et’s|[Yy]ou|[Yy]our|[Yy]ou['’]re)\b")
# The reader told what to do, without a "you": "Don't look for anything profound: ...", "Please see the About page."
_TELLS_THE_READER = re.compile(r"^\W*(?:don['’]t|do not|please)\s+[a-z]", re.IGNORECASE)

# Verbs as printed: a caption is a phrase without one (`_verbless`), and `leaning` finds a subject's verb with them.
_AUXILIARY_WORDS = (
    "is are was were be been am has have had will would can could may might must shall should do does did"
)
AUXILIARIES = frozenset(f"{_AUXILIARY_WORDS} 's 're 've 'll 'd".split())
IRREGULAR_PAST = frozenset(
    """said says told took made gave went came found became left began brought held kept led met paid put ran saw
    sent set spent stood struck thought won wrote fell flew fought grew hit hurt knew lost meant rose sold shot
    shut spoke spread stole swept threw broke chose drove got heard laid lit sought taught tore wore built caught
    dealt drew fed felt fled hung let read rode sank shook slept spun stuck swore swung withdrew""".split()  # noqa: SIM905
)


def fingerprint(sentence: str) -> str:
    """A sentence reduced to its lowercase words and numbers: the same line however it is punctuated."""
    return re.sub(r"\W+", " ", sentence.lower()).strip()


def strip_tags(sentence: str) -> str:
    """The sentence without a trailing run of hashtags ("... in Minneapolis. #CNN #News")."""
    stripped = _TRAILING_TAGS.sub("", sentence).rstrip()
    if stripped != sentence.rstrip() and stripped[-1:] not in ".!?\"'”’)":
        stripped += "."
    return stripped


def junk_reason(sentence: str) -> Rejection | None:
    """The reason a sentence is not a fact of a story (caption, sign-off, promo, ...), or None. Trailing
    hashtags are markup, not the sentence: they are ignored here (`strip_tags`)."""
    text = strip_tags(sentence.strip())
    bare = text.rstrip("\"'”’) ")
    checks = (
        (Rejection.QUESTION, bare.endswith("?")),
        (Rejection.LISTING, bool(_LISTING.search(text)) or _list_of_names(text)),
        (Rejection.SOCIAL, bool(_SOCIAL.search(text))),
        (Rejection.SIGNOFF, bool(_SIGNOFF.search(text) or _ABOUT_THE_ARTICLE.search(text))),
        (Rejection.PROGRAMME, bool(_PROGRAMME.search(text))),
        (Rejection.TEASER, bool(_TEASER.search(text)) or _exclaimed(text) or _wh_heading(text)),
        (
            Rejection.CAPTION,
            bool(_CAPTION.search(text)) or _verbless_caption(text) or _labelled_caption(text) or _names_alone(text),
        ),
        (Rejection.ADVISORY, bool(_HELPLINE.search(text))),
    )
    return next((reason for reason, hit in checks if hit), None)


_SUBJECT_PRONOUNS = frozenset({"i", "we", "you", "they", "he", "she", "it"})
_WH_HEADING = re.compile(r"^[\"“‘']?(?:how|why|whether)\s+(?!(?:to|many|much|long|far|often|about|come|so)\b)", re.I)


def _contracted_verb(word: str) -> bool:
    """ "it's", "they're", "there'll": a pronoun and its verb; "the card's" is a possessive."""
    stem, mark, ending = word.rpartition("'")
    return bool(mark) and ending in {"s", "re", "ve", "ll", "d", "m"} and stem in _CONTRACTING


_CONTRACTING = _SUBJECT_PRONOUNS | {"that", "there", "here", "what", "who"}


def _wh_heading(text: str) -> bool:
    """ "How a tiny organism thrives in chaotic coastal light.", "Why ESP32-S3 is required for USB UVC.",
    "Whether “built to a price” really shows up inside.": an explanation promised, worded as a heading: "How",
    "Why" or "Whether" and one verb (an auxiliary and its verb count as
    one: "is required"). "How it all works out may make the case ..." has a second verb, the sentence's own, and
    stays. A word that may be a verb or a plural noun ("works", "lines") counts as a verb, so a doubtful heading
    stays; without WordNet nothing is decided."""
    if not _WH_HEADING.match(text) or text.rstrip("\"'”’) ").endswith("?"):
        return False
    wordnet = default_wordnet()
    if wordnet is None:
        return False
    groups, helped, previous = 0, False, ""
    for word in re.findall(r"[A-Za-z'’-]+", QUOTED.sub(" ", text).replace("’", "'"))[1:]:
        lower = word.lower()
        verb = word.islower() and (
            lower in AUXILIARIES
            or lower in IRREGULAR_PAST
            or lower.endswith("n't")
            or _contracted_verb(lower)  # "Whether it's finding a lead, ... FPDS is behind it": two verbs
            or (len(lower) > 3 and lower.endswith(("ed", "s")) and wordnet.has_verb(lower))
            or (previous in _SUBJECT_PRONOUNS and wordnet.has_verb(lower))  # "How we relate to ... can change"
        )
        groups += verb and not helped  # an auxiliary and its verb are one: "is required", "has navigated"
        helped, previous = verb and (lower in AUXILIARIES or lower.endswith("n't")), lower
    return groups == 1


def _exclaimed(text: str) -> bool:
    """The writer's own exclamation: "Grab a drink and play along!", "Own a piece of local history!", "Best
    wishes to all who celebrate!". A report states; it exclaims only in a quotation ('... repeated, "I can't
    breathe!"', which ends on the quotation mark)."""
    return text.rstrip(") ").endswith("!")


def writer_named(sentence: str) -> str | None:
    """The surname of a person the sentence says is a writer ("Jo Lind is a reporter for ..."), else None. Such a
    sentence is a note on who wrote the article when the rest of the article never names that person; when it
    does, the story is about them ("Omar Jimenez is a CNN correspondent" in the story of his arrest)."""
    match = _AUTHOR_NOTE.match(sentence.strip())
    return match["name"].split()[-1] if match else None


def _labelled_caption(text: str) -> bool:
    """A photo caption under a label of one to three words, as tabloids print them: "Tragic: CCTV footage shows
    ...", "Never forget: Gary Barlow shocked ...", "Monday: Snapshots from ...". Not a speaker ("Police said: ...")
    nor a quotation ("Lind: 'We ...'", which opens with a quotation mark)."""
    match = _CAPTION_LABEL.match(text)
    return match is not None and not _SAYING.search(match.group(0))


def _names_alone(text: str) -> bool:
    """Names, titles and credits and nothing else: "Jo Lind and Tom Reyes.", "Ana del Valle and Luis Ortega.",
    "Cats at Play by Jo Lind.", "Harbour Stripe Skirt at Oster Store." Every word capitalised but the joining
    ones, four capitalised words at least: a credit, a caption or a product, never a sentence of the story."""
    words = re.findall(r"[\w'’][\w'’.-]*", text)  # a stop after a bracket (".. Raven).") is no word
    capitalised = [w for w in words if w[0].isupper()]
    return len(capitalised) >= _NAMES_ALONE_MIN and all(w[0].isupper() or w in _NAME_JOINS for w in words)


def _list_of_names(text: str) -> bool:
    """A line-up or a roll of names: "Harbour: Lind; Reyes, Varga (capt), Okafor; Moss, Quinn." Five or more
    items parted by commas or semicolons, every word of them capitalised but at most one ("capt", "and")."""
    items = [item for item in re.split(r"[,;]", text.split(":", 1)[-1]) if item.strip()]
    if len(items) < _LIST_ITEMS_MIN:
        return False
    lowercase = [word for word in re.findall(r"[A-Za-z'’-]+", text) if word[0].islower()]
    return len(lowercase) <= 1


def _verbless_caption(text: str) -> bool:
    """A noun phrase with no verb is a caption or a guest line: "A mural of George Floyd at the site of his
    arrest.", "Jo Lind, Executive Director at Open Schools."

    Conservative on purpose (news uses bare present-tense verbs): only a phrase opening with an article, or a
    name followed by a comma, whose lowercase words hold no auxiliary, no -ed/-en/-s form and no common
    irregular past tense."""
    words = re.findall(r"[A-Za-z'’-]+", text)
    if len(words) < 5 or not (words[0] in ("A", "An", "The") or _GUEST.match(text)):
        return False
    return _verbless(words[1:])


def _verbless(words: list[str]) -> bool:
    for word in words:
        lowered = word.lower().replace("’", "'")
        if word[0].isupper():
            continue
        if lowered in AUXILIARIES or lowered in IRREGULAR_PAST or lowered.endswith("n't"):
            return False
        if len(lowered) > 3 and lowered.endswith(("ed", "en", "s")):  # "his" and "its" are not verbs
            return False
    return True


def quotations(sentence: str) -> list[str]:
    """The quoted passages of a sentence, as printed."""
    return QUOTED.findall(sentence)


def first_person(sentence: str) -> bool:
    """The writer's own voice, or the reader addressed, outside quotation marks."""
    outside = QUOTED.sub("", sentence)
    return bool(_FIRST_PERSON.search(outside) or _TELLS_THE_READER.match(outside))
