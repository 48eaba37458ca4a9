"""What may become a bullet: the sentence rules, each naming the reason it rejects a sentence.

A bullet states a fact of the story. Being supported by a source is necessary, not sufficient: a photo caption,
a sign-off, a subscription line, a programme notice, a teaser or a question is a faithful copy of its source and
still no fact. rules knows English news prose and feed conventions; it must not know scoring, LLMs, grounding
or the store. Both summarisers' bullets pass through it, and `briefing check` re-applies it to built editions.

The word lists here are deliberately small: each names a convention of news feeds (how sign-offs, captions and
programme notices are worded), not an outlet. Text that recurs across stories (helplines, channel blurbs) is
learnt from the material itself (`briefing.summarise.recurring`), not listed here.
"""

from __future__ import annotations

import re
from enum import StrEnum

from briefing.summarise.splitting import split_sentences
from briefing.wordnet import WordNet, default_wordnet
from briefing.words import english_stop_words


class Rejection(StrEnum):
    """Why a candidate sentence (or a drafted bullet) was not used."""

    FRAGMENT = "fragment"  # too short, cut off by the feed, markup, unbalanced quotation, or too long to cut
    FIRST_PERSON = "first_person"  # the writer's own voice, or the reader addressed: opinion, not news
    CAPTION = "caption"  # a photo caption or credit
    SIGNOFF = "signoff"  # "X reports from Y", bylines, TV segment credits
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
    r"|\bjavascript\b|\byour browser\b",
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
    r"|\bin this (?:photo|image|picture)\b|\b(?:photo|image|picture|credit|caption)s?\s*:"
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
    r"|takes? a look|looks? (?:at|back)|reacts?|sits? down|speaks? (?:to|with)|talks? (?:to|with)|answers?|meets?)\b"
)
_SIGNOFF = re.compile(
    # "CNN's Sara Sidner reports from ...", "Fox News correspondent Bill Melugin reports on the latest ...": who
    # is on camera, not what happened.
    rf"^(?:{_NAMES}(?:'s|’s|’|')\s+|{_NAMES}\s+(?:correspondent|reporter|anchor|host|contributor|editor)\s+)?"
    rf"{_FULL_NAME}(?:\s+and\s+{_FULL_NAME})?\s+{_SIGNOFF_VERB}"
    rf"|[;:]\s*{_FULL_NAME}\s+(?:reports?|has (?:more|the (?:latest|story|details)))\b"
    rf"|^(?:\S+\s+){{0,4}}{_FULL_NAME}\s+{_SIGNOFF_VERB}\s*[.!]?$"  # "Former state attorney Jo Vale reacts."
    rf"|\b{_FULL_NAME}\s+weighs in\b|\b(?:has|have) (?:reporters|correspondents|a team) (?:standing by|on the ground)\b"
    rf"|\b(?:reporting|editing|writing) by\b|\bcontributed to this report\b|^by\s+{_NAMES}\s*$"
    r"|\bjoin(?:s|ed)\b.{0,80}\b(?:to discuss|with reaction|to talk|to weigh in|to react|on ['‘\"“])"
    r"|\bjoin(?:s|ed)\s+['‘\"“]",
)
_PROGRAMME = re.compile(
    r"\bfull episode\b|\bepisodes? of\b|\bairs\b|\bnewscast\b|\btune in\b|\blive ?stream\w*\b|\bon demand\b"
    r"|\bonly available in\b|\bcoming (?:soon )?to (?:your|our)\b|\bdon'?t miss\b|\bcatch (?:up|the latest)\b"
    r"|\b(?:weekdays|weeknights|weekends|daily|nightly|mondays|tuesdays|wednesdays|thursdays|fridays|saturdays"
    r"|sundays)\s+(?:at|from)\s+\d|\bexpected live at\b|\bhow to watch\b|\bwhere to watch\b|\bwatch (?:it )?live\b"
    r"|^(?:watch|listen|live|video|audio)\s*:|^watch (?:here|the|our|more|now)\b|\bstream(?:ing)? (?:now|it)\b"
    r"|\bin (?:our|this) (?:programme|program|podcast|documentary|special)\b|\bpodcast\b"
    r"|\breaction on ['‘\"“]|\b(?:tells?|told) ['‘\"“][A-Z]",
    re.IGNORECASE,
)
_TEASER = re.compile(
    r"^(?:here['’]?s|here is|here are|this is (?:what|how|why|where|when)|what (?:you need|we know|to know|to expect)"
    r"|everything (?:you need|we know)|all you need to know|find out|read on|see (?:what|how|the|our|which)"
    r"|take a look|check out|discover|learn (?:how|what|why)|get the latest|the latest on|follow (?:our|live|the)"
    r"|and what else|(?:five|four|three|ten|\d+) things (?:you|to)|how to\b|why (?:you|we)\b)"
    r"|\b(?:you need to know|you may have missed|stories you|things you need)\b|\bhere['’]s (?:how|why|what|where)\b",
    re.IGNORECASE,
)
_LISTING = re.compile(r"^\s*[-–—•*·]\s*\S|^\w+(?:'s)? (?:picks|highlights|line-?up|schedule)\s*:", re.IGNORECASE)
_HELPLINE = re.compile(
    r"^\s*[(\[].*[)\]]\W*$|\bcontains? (?:scenes|images|footage) of\b|\bviewer discretion\b|\bcontent warning\b"
    r"|\b(?:helpline|hotline|lifeline|crisis line|samaritans|beyond blue|kids helpline)\b"
    r"|^if you (?:suspect|or someone|or a (?:friend|family member)|need (?:help|support)|are (?:struggling|worried))",
    re.IGNORECASE,
)
# Quotations: double quotes, curly single quotes, and straight single quotes as many outlets print them ('I can't
# breathe,'), where an apostrophe between two letters is part of a word, not the closing quote.
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|‘[^’]*’(?!\w)|(?<![\w'])'(?=\S)(?:[^'\n]|(?<=\w)'(?=\w))*?(?<=\S)'(?!\w)")
# The writer's own voice, or one addressing the reader ("What you're watching is ..."): opinion, not news.
_FIRST_PERSON = re.compile(r"\b(?:I|[Mm]e|[Mm]y|[Ww]e|[Oo]ur|us|[Ll]et's|[Ll]et’s|[Yy]ou|[Yy]our|[Yy]ou['’]re)\b")

# A sentence that opens like this leans on the one before it. Additive openers can be removed without changing
# what the sentence states; the others carry a contrast, a consequence or a reference that needs the sentence
# before it.
_ADDITIVE_OPENER = re.compile(
    r"^(?:and|also|meanwhile|in addition|additionally|moreover|furthermore|besides|separately|elsewhere|notably)"
    r"\s*,?\s+",
    re.IGNORECASE,
)
_LEANING_OPENER = re.compile(
    r"^(?:(?:but|however|yet|still|so|thus|therefore|hence|as a result|consequently|instead|rather|nevertheless"
    r"|nonetheless|even so|that said|in fact|indeed|then|by contrast|in contrast|on the other hand|otherwise"
    r"|similarly|likewise|or|nor|plus|after that|that is|afterwards)\b"
    r"|in (?:another|the other|the latter|the former)\b"  # "In another, floodwaters ...": another what?
    r"|(?:later|shortly after(?:wards)?)\s*,"
    r"|(?:moments|minutes|hours|days|weeks|months|years|a day|an hour|a week|a month|a year|soon|not long)"
    r"\s+(?:later\b|after(?:wards)?\s*,))",
    re.IGNORECASE,
)
# "Trump goes on to say ...": a continuation of words the reader never saw.
_CONTINUES = re.compile(r"\b(?:goes|go|went|going|gone)\s+on\s+to\s+(?:say|add|note|tell|call|claim|argue|describe)\b")
_PRONOUN_OPENER = re.compile(
    r"^[\"“‘']?(?:he|she|it|they|his|her|its|their|this|that|these|those|both|such|him|them|the latter"
    r"|the former|the two|the pair|the same|another|other|others|the others|the rest)\b(?!-)"
    r"(?!\s+(?:who|whom|whose|that|which|with|without|in|on|at|of|aged|under|over|living|who've|affected)\b)",
    re.IGNORECASE,
)
# "It is expected that ...", "It was unclear whether ...": "it" refers to nothing, the sentence stands alone.
# ("It is expected to begin ..." is not one: there "it" is the thing expected.)
_EXPLETIVE_IT = re.compile(
    r"^it (?:is|was|has been|had been|remains|remained)\s+(?:not\s+)?(?:\w+\s+)?(?:that|whether|if|how|why|what)\b",
    re.IGNORECASE,
)
# "Many are using it ...", "Some say ...": a quantifier standing for people named in an earlier sentence.
_QUANTIFIER_OPENER = re.compile(
    r"^(?:many|some|most|few|several|all|each|none)\s+(?:are|were|have|had|say|said|of them|of these|of those|will)\b",
    re.IGNORECASE,
)
# "False information about his death is spreading.": a personal pronoun or possessive inside the sentence, with no
# one before it it can stand for (a name, or a noun naming a person: "officer", "widow"; WordNet says which).
_PERSONAL = re.compile(r"\b(?:he|him|his|she|her|hers|himself|herself)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’.-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?][\"'”’)]*\s+)[\"“‘'(]*$")
_SUBJECT_WORDS = 6
_CALENDAR = re.compile(
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
)
_SOMEONE = frozenset(["someone", "somebody", "anyone", "anybody", "everyone", "everybody", "nobody", "whoever"])
_DEMONSTRATIVE_NOUN = re.compile(r"^(?:this|that|these|those)\s+(?:year|week|month|morning|evening|time|summer|winter)")
_NEGATION = re.compile(
    r"\b(?:not|no longer|never|nothing|nobody|none)\b|n['’]t\b",
    re.IGNORECASE,
)
_NOT_JUST = re.compile(r"\b(?:not|isn['’]t|wasn['’]t|aren['’]t|weren['’]t)\s+(?:just|only|simply|merely|all)\b", re.I)
_RESOLVES = re.compile(
    r"^[\"“]?(?:but|instead|rather|it['’]s|it is|they['’]re|they are|that['’]s|this is|now|the (?:real|bigger))\b",
    re.IGNORECASE,
)
_AUXILIARY_WORDS = (
    "is are was were be been am has have had will would can could may might must shall should do does did"
)
_AUXILIARIES = frozenset(f"{_AUXILIARY_WORDS} 's 're 've 'll 'd".split())
_IRREGULAR_PAST = frozenset(
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
        (Rejection.LISTING, bool(_LISTING.search(text))),
        (Rejection.SOCIAL, bool(_SOCIAL.search(text))),
        (Rejection.SIGNOFF, bool(_SIGNOFF.search(text))),
        (Rejection.PROGRAMME, bool(_PROGRAMME.search(text))),
        (Rejection.TEASER, bool(_TEASER.search(text))),
        (Rejection.CAPTION, bool(_CAPTION.search(text)) or _verbless_caption(text)),
        (Rejection.ADVISORY, bool(_HELPLINE.search(text))),
    )
    return next((reason for reason, hit in checks if hit), None)


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
        if lowered in _AUXILIARIES or lowered in _IRREGULAR_PAST or lowered.endswith("n't"):
            return False
        if len(lowered) > 3 and lowered.endswith(("ed", "en", "s")):  # "his" and "its" are not verbs
            return False
    return True


def quotations(sentence: str) -> list[str]:
    """The quoted passages of a sentence, as printed."""
    return _QUOTED.findall(sentence)


def first_person(sentence: str) -> bool:
    """The writer's own voice, or the reader addressed, outside quotation marks."""
    return bool(_FIRST_PERSON.search(_QUOTED.sub("", sentence)))


def without_additive_opener(sentence: str) -> str:
    """ "Meanwhile, police said ..." -> "Police said ...": an additive opener adds nothing the bullet needs."""
    match = _ADDITIVE_OPENER.match(sentence)
    if not match or len(sentence) == match.end():
        return sentence
    rest = sentence[match.end() :]
    return rest[0].upper() + rest[1:]


def leans_back(sentence: str) -> bool:
    """Whether the sentence needs the one before it: a contrastive or causal opener, or an opening pronoun,
    possessive or demonstrative whose referent is not in the sentence."""
    text = sentence.lstrip("\"“‘' ")
    first_sentence = next(iter(split_sentences(text)), "")  # a bullet may be a lead joined to what follows it
    if _LEANING_OPENER.match(text) or _ADDITIVE_OPENER.match(text) or _CONTINUES.search(first_sentence):
        return True
    if _QUANTIFIER_OPENER.match(text):
        return True
    if unreferenced_pronoun(text):
        return True
    if _EXPLETIVE_IT.match(text) or _DEMONSTRATIVE_NOUN.match(text.lower()):
        return False
    return bool(_PRONOUN_OPENER.match(text))


def unreferenced_pronoun(sentence: str, wordnet: WordNet | None = None) -> bool:
    """Whether "he", "his", "her" ... inside the sentence has no possible referent in it: "The agency denied he
    was a target." leans on a sentence not shown; "The officer said he was hurt." and "Lee said his ..." do not.

    A referent is a name, or a noun whose usual sense WordNet knows as a kind of person ("officer", "widow"; not
    "threat", "information"), before the pronoun; or just after the opening phrase holding the pronoun ("In his
    speech, Lee said ..."). A name is a capitalised word or a run of them, except a stop word, a weekday or
    month, an acronym that names no person ("NSA"; "PM" does) and a run whose last word names a group and never
    a person ("the Review Board", "the Senate"). At a sentence's start, a capitalised word WordNet knows only as
    another part of speech ("False") or as a group ("Police") is no name. Without WordNet nothing is decided
    (False): a person noun cannot be told from any other, and dropping "The officer said he ..." would be worse
    than keeping a dangling bullet."""
    wordnet = wordnet or default_wordnet()
    if wordnet is None:
        return False
    for match in _PERSONAL.finditer(sentence):
        start = sentence.rfind(". ", 0, match.start()) + 1  # the pronoun's own sentence, in a joined bullet
        scope = sentence[: match.start()]
        comma = sentence.find(",", match.end())
        if "," not in sentence[start : match.start()] and comma > 0 and "." not in sentence[match.end() : comma]:
            # "In his speech, Lee said ...": the referent is the subject after the opening phrase
            scope += " " + " ".join(sentence[comma + 1 :].split()[:_SUBJECT_WORDS])
        if not _has_referent(scope, wordnet):
            return True
    return False


def _has_referent(text: str, wordnet: WordNet) -> bool:
    stop = english_stop_words()
    run: list[str] = []
    for match in _WORD.finditer(text):
        word = re.sub(r"(?:['’]s|['’]|\.)$", "", match.group(0))
        initial = bool(_SENTENCE_START.search(text[: match.start()]))
        if word.lower() in _SOMEONE:
            return True
        if word[:1].isupper() and word.lower() not in stop and not (initial and _common_opener(word, wordnet)):
            run.append(word)
            continue
        if run and _names_someone(run, wordnet):
            return True
        run = []
        if word.islower() and word not in stop and wordnet.is_kind_of(word, "person", usual=True):
            return True
    return bool(run) and _names_someone(run, wordnet)


def _common_opener(word: str, wordnet: WordNet) -> bool:
    """A sentence's capitalised first word that is an ordinary word: "False", "Previously", "Police"."""
    if not wordnet.knows(word):
        return False
    return not wordnet.has_noun(word) or _group(word, wordnet)


def _names_someone(run: list[str], wordnet: WordNet) -> bool:
    if len(run) == 1 and len(run[0]) > 1 and run[0].replace(".", "").isupper():
        return wordnet.is_kind_of(run[0], "person")  # an acronym: "the PM", "the CEO"; not "NSA", "U.S."
    if len(run) == 1 and _CALENDAR.fullmatch(run[0].lower()):
        return False  # "on Monday", "in June"
    return not _group(run[-1], wordnet)


def _group(word: str, wordnet: WordNet) -> bool:
    return wordnet.is_kind_of(word, "social_group") and not wordnet.is_kind_of(word, "person")


def sets_up_contrast(sentence: str, following: str | None) -> bool:
    """ "The sixth mass extinction is not a worry for the future." followed by "It's happening now.": the first
    sentence alone says the opposite of what its source means."""
    if _NOT_JUST.search(_QUOTED.sub("", sentence)):
        return True
    return bool(following) and bool(_NEGATION.search(sentence)) and bool(_RESOLVES.match(following or ""))
