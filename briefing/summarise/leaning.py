"""Whether a sentence stands on its own, or leans on one the reader never sees.

A bullet is read without the sentences around it in its source. "But the council rejected it.", "The agency
denied he was a target.", "Second, ..." are faithful copies of their source and still tell a reader who never
saw the sentence before them nothing they can place: who "he" is, second of what. leaning tells such a sentence
(`leans_back`, `unreferenced_pronoun`), one that says which move it means only after a bullet that states it
("The move comes amid ...": `reported_subject`, `opens_story`), and one that sets up a contrast the next
sentence resolves (`sets_up_contrast`); and it removes the words that point back but that a bullet can do
without (`without_additive_opener`, `without_also`). docs/bullets.md gives the rules and their reasons, in
its paragraphs "A pronoun with no one to stand for", "Pointing back, structurally", '"The move", "the data": a
reported subject' and "Self-contained bullets".

leaning knows the shape of English sentences and reads WordNet for person, group, place and event nouns; the
tests that need WordNet decide nothing without its database (the sentence is kept). What is junk (captions,
sign-offs, programme notices ...) and the reasons a sentence is rejected (`Rejection.DANGLING`, `SETUP`) are
`briefing.summarise.rules`, whose quotation pattern and verb lists leaning shares. It must not know scoring,
LLMs, grounding or the store.
"""

from __future__ import annotations

import re

from briefing.summarise.rules import AUXILIARIES, IRREGULAR_PAST, QUOTED
from briefing.summarise.splitting import split_sentences
from briefing.wordnet import WordNet, default_wordnet
from briefing.words import english_stop_words

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
    r"|similarly|likewise|or|nor|plus|after that|that is|afterwards|in other words|in short|put simply|simply put"
    r"|put another way)\b"
    r"|after all\s*,"  # "After all, the court is ...": the reason for a claim made before
    r"|in (?:another|the other|the latter|the former)\b"  # "In another, floodwaters ...": another what?
    r"|(?:later|shortly after(?:wards)?)\s*,"
    r"|(?:moments|minutes|hours|days|weeks|months|years|a day|an hour|a week|a month|a year|soon|not long)"
    r"\s+(?:later\b|after(?:wards)?\s*,))",
    re.IGNORECASE,
)
# "Now, Rogers is being prosecuted ...", "In total, ...", "In part, that is ...": a bare "now", or "in" and one
# lowercase word then a comma, sums up or continues what the sentence before said; unless the word names a place,
# a building or a body ("In court, ...", "In hospital, ...": `_discourse_opener`).
_DISCOURSE_OPENER = re.compile(r"^(?:[Nn]ow|[Ii]n ([a-z]+))\s*,")
_SETTINGS = ("location", "structure", "social_group")
# "New York City, though, is ...": a contrastive or causal connective set off mid-sentence leans back as an
# opening one does.
_PARENTHETIC_CONNECTIVE = re.compile(
    r",\s+(?:though|however|instead|nonetheless|nevertheless|therefore|thus|in turn|as a result|for example"
    r"|for instance)\s*,",
    re.IGNORECASE,
)
# "... used these particular storage facilities": "these" points at things named before. ("those" is left alone:
# "those aged 12 to 17", "those coming from ..." name people by what follows.)
_PLURAL_DEMONSTRATIVE = re.compile(r"\b[Tt]hese\s+(?!(?:days|years|months|weeks|times)\b)[a-z]")
# "Without it, ...", "Of that figure, ...", "At that point, ...": an opening phrase of a few words holding "it" or a
# demonstrative, before any noun in the sentence could give it a referent ("This week, ..." names a time).
_BARE_IT = re.compile(
    r"^(?:(?:[\w'’-]+\s+){0,3}(?:it|this|these|those)\b|(?:[\w'’-]+\s+)?that\b"  # "found that, ..." is no pointer
    r"(?!\s+(?:\d|(?-i:[A-Z])|(?:the|a|an|he|she|it|they|we)\b)))"
    r"(?!\s+(?:year|week|month|day|morning|afternoon|evening|night|time|summer|winter|spring|autumn|fall|season)s?\b)"
    r"(?:\s+[\w'’-]+){0,2}\s*,",
    re.IGNORECASE,
)
# "Because it finally turns fame into money.": a reason with no main clause, the answer to a sentence before it
# (with a comma, "Because of the storm, flights were cancelled." states its own fact).
_BARE_BECAUSE = re.compile(r"^because\b[^,;:]*$", re.IGNORECASE)
# "Where people are too busy to look into others' wallets.": a relative clause whose place was in the sentence
# before; "Where the river floods, farmers ..." has its main clause after the comma, and a question ends in "?".
_BARE_WHERE = re.compile(r"^where\b[^,;:?]*[.!]?$", re.IGNORECASE)
# "Which is unrealistic for memory.": a relative clause whose noun was in the sentence before (a question asks
# "Which ...?"); "... looks like this.": points at a picture or a quotation the bullet does not show.
_BARE_WHICH = re.compile(
    r"^which\s+(?:still|also|then|now|in turn|of course|is|was|are|were|has|had|have|will|would|could|can|may"
    r"|might|must|should|does|did|means|meant|makes|made|leaves|left|leads|led|explains|gives|gave)\b.*[^?]$",
    re.IGNORECASE | re.DOTALL,
)  # "Which of the two prevails ..." and "Which party won?" name their own subject
_POINTS_AT_WHAT_FOLLOWS = re.compile(r"\b(?:like|as) (?:this|these|so)\s*[.:]$|:$", re.IGNORECASE)
# "Perplexity, ChatGPT and Grok did not.", "Others say they will.": a verb whose action is in the sentence before.
# Not when the sentence holds that action itself: "... a five-day course helped but a 10-day course did not."
_ELLIPTICAL_END = re.compile(
    r"\b(?:(?:did|does|do|has|have|had|is|are|was|were)\s+not|(?:did|does|do|has|have|had|is|are|was|were|wo"
    r"|would|could|ca|should)n['’]t|(?:will|would|could|can|should|might|must|may)(?:\s+not)?)\s*[.!]$"
)
_CONTRASTED = re.compile(r"\b(?:but|while|whereas|if|than|though|although|unless|as|yet)\b", re.IGNORECASE)
# "Second, early efforts ...", "Finally, ...": an item of a list whose opening the reader never saw.
_ORDINAL_OPENER = re.compile(r"^(?:second|secondly|third|thirdly|fourth|finally|lastly)\s*,", re.IGNORECASE)
# "The move is the latest ...", "The data bolsters ...", "The new measures come amid ...": a definite description
# whose head is an act, event, idea or communication, as the sentence's subject, points at what an earlier
# sentence reported. Its head's usual WordNet sense is in one of these lexicographer files.
_DEFINITE_SUBJECT = re.compile(r"^[Tt]he((?:\s+[a-z][a-z-]*){1,2})\s+([a-z][a-z'’]*)\b(?!\s+(?:by|at|to|from|with)\b)")
_REPORTED = frozenset({"act", "event", "communication", "cognition"})
# " “The committee will announce its decision,” it said.": a quotation whose only speaker is "it" or "they", named
# in a sentence not shown (outside the quotation, the sentence opens with the pronoun and a verb of saying).
_PRONOUN_SPEAKER = re.compile(
    r"^\W*(?:it|they)\s+(?:said|says|added|adds|stated|states|announced|noted|wrote|writes|warned|told)\b",
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
# "The 34-year-old had met Rojo ...", "The mother-of-two, from Leeds, said ...": an age or family epithet with
# "the", standing alone as the subject, is someone an earlier sentence named ("A 34-year-old woman ..."
# introduces; "the 34-year-old" refers back). With a noun ("The 35-year-old woman was bitten ...") it describes
# whom it means, and with a name ("The 34-year-old Sarah Watson ...") it names them (`_epithet_subject`).
_EPITHET_SUBJECT = re.compile(
    r"^[Tt]he\s+(?:(?:\d{1,3}|[a-z]+(?:-[a-z]+)?)-year-old|(?:[a-z]+-)?(?:mother|father|mum|dad|grandmother"
    r"|grandfather)-of-(?:one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2}))(?:['’]s\b|\s*,"
    r"|\s+(?P<next>[a-z]+)\b)"
)
# "The Briton finished ...", "The Northern Irishman, twice a winner, ...": a nationality standing for a person
# named before (WordNet's inhabitants), as an age does; not "The German government ..." (a noun follows), nor a
# newspaper's report ("The Australian reported ...").
_DEMONYM_SUBJECT = re.compile(
    r"^[Tt]he\s+(?:[a-z]+\s+)?(?:[A-Z][a-z]+\s+)?(?P<demonym>[A-Z][a-z]+)(?:['’]s\b|\s*,|\s+(?P<next>[a-z]+)\b)"
)
_REPORTING = frozenset({"reported", "reports", "revealed", "reveals", "understands", "learned", "learnt"})
# "In many ways, their current predicament ...", "After being reduced to 8-2, they posted ...": an opening
# phrase, then "they", "their", "it" or "its" as the subject, with nothing in the phrase it could stand for
# (`_fronted_pronoun`).
_FRONTED_PRONOUN = re.compile(r"^([^,;:\"“”‘’()]{1,80}?),\s+(?:they|their|it|its)\b(?!-)(?P<rest>.*)", re.DOTALL)
# "Though small, they have large megaphones.", "While painful, it ...", "Once completed, it will ...", "When
# asked, they said ...": a concessive conjunction and one bare word, or a conjunction of time or condition and a
# past participle, describing the subject that follows; so "they" or "it" stands for what the sentence before
# named, whatever sense of "small" WordNet lists first. ("When running tests, it helps ..." and "When everything
# works, it ..." are not of this form: there "it" may stand for nothing.)
_BARE_CLAUSE_OPENER = re.compile(
    r"^(?:(?i:though|although|even though|while|whilst|albeit)\s+(?!(?:a|an|the|this|that|so)\b)[a-z][\w'’-]*"
    r"(?<!ing)|(?i:once|when|if|unless|until)\s+[a-z][\w'’-]*ed)"
    r",\s+(?:they|their|it|its)\b(?!-)(?P<rest>.*)",
    re.DOTALL,
)
# "Despite hosting a global summit, it is a bystander ...", "Since taking office, they ...": the gerund's subject is
# the pronoun's referent, and the nouns after the gerund are what it did, not who.
_GERUND_OPENER = re.compile(
    r"^(?i:despite|after|before|since|while|whilst|when|by|in|on|upon|without|besides|through)\s+"
    r"(?!(?:nothing|something|anything|everything|morning|evening|spring|king|thing)\b)[a-z]+ing\b"
    r"[^,;:\"“”‘’()]{0,80}?,\s+(?:they|their|it|its)\b(?!-)(?P<rest>.*)",
    re.DOTALL,
)
# "Sometimes they would even ...", "Through this so many lives were saved.": a pronoun for things or people named
# before, as the subject after an adverb, or after a preposition as a whole phrase (not "In this case": there
# "this" comes with its noun), with no comma to mark the opening (`_opening_then_pronoun`).
_SUBORDINATORS = frozenset({"after", "before", "since", "until", "when", "while", "as", "if", "because", "once"})
_ADVERB_THEN_PRONOUN = re.compile(r"^([A-Z][a-z]+)\s+(?:they|it)\b(?P<rest>.*)", re.DOTALL)
_PREPOSITION_THEN_PRONOUN = re.compile(
    r"^(?:through|despite|because of|after|before|with|without|from|by|for|unlike|beyond|besides)\s+"
    r"(?:this|that|these|it)\s+([a-z]+)\b",  # not "those" ("For those on the right, ..." names people)
    re.IGNORECASE,
)
# "For a moment, it seemed like ...", "..., it is clear that ...": "it" standing for nothing.
_EXPLETIVE_AFTER = re.compile(
    r"^\s+(?:seems|seemed|appears|appeared|emerged|turned out)\b(?!\s+to\b)"
    r"|^\s+(?:is|was|has been|had been|remains|remained|will be|would be)\s+(?:not\s+)?(?:\w+\s+){0,2}"
    r"(?:that|whether|if|how|why|what|to|for)\b"
)
# Nouns of these phrases name no thing a pronoun could stand for: "In many ways", "In other words", "at the time".
_NO_REFERENT_NOUNS = frozenset(
    {
        *("way", "ways", "word", "words", "respect", "respects", "sense", "senses", "case", "cases", "end", "fact"),
        *("addition", "contrast", "turn", "part", "short", "total", "general", "particular", "sum", "theory"),
        *("practice", "reality", "time", "times", "moment", "moments"),
    }
)
_OPENER_WORDS_MAX = 10
# Capitalised at a sentence's start, these are prepositions, not names ("Despite calling his approach ..., she"),
# though WordNet knows some as nouns ("thanks", "unknown") and none as a preposition.
_OPENING_PREPOSITIONS = frozenset(
    {
        *("despite", "thanks", "unlike", "unknown", "amid", "amidst", "following", "according", "whilst"),
        *("outside", "inside", "besides", "alongside"),
    }
)
# "Speaking during an engagement ...", "Cooped up in ...": an opening participle, known by the word after it.
_PARTICIPLE_OPENER = re.compile(
    r"^[A-Z][a-z]+(?:ing|ed)\s+(?:up|down|out|off|in|on|at|to|by|for|from|with|about|during|after|before|through"
    r"|over|into|the|a|an|his|her|their|its|this|that|these|those)\b"
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


def without_additive_opener(sentence: str) -> str:
    """ "Meanwhile, police said ..." -> "Police said ...": an additive opener adds nothing the bullet needs."""
    match = _ADDITIVE_OPENER.match(sentence)
    if not match or len(sentence) == match.end():
        return sentence
    rest = sentence[match.end() :]
    return rest[0].upper() + rest[1:]


_ALSO = re.compile(r"(?<=[\w)])\s+also(?=\s+[a-z])(?!\s+known\b)")


def without_also(sentence: str) -> str:
    """ "Kinzinger also has challengers." -> "Kinzinger has challengers.": a mid-sentence "also" points at a
    sentence the reader may not see; without it the sentence states the same fact on its own. Quotations are left
    as printed (a speaker's words are not edited)."""
    parts = re.split(f"({QUOTED.pattern})", sentence)
    return "".join(part if index % 2 else _ALSO.sub("", part) for index, part in enumerate(parts))


def leans_back(sentence: str) -> bool:
    """Whether the sentence needs the one before it: a contrastive or causal opener, or an opening pronoun,
    possessive or demonstrative whose referent is not in the sentence."""
    text = sentence.lstrip("\"“‘' ")
    first_sentence = next(iter(split_sentences(text)), "")  # a bullet may be a lead joined to what follows it
    if _LEANING_OPENER.match(text) or _ADDITIVE_OPENER.match(text) or _CONTINUES.search(first_sentence):
        return True
    # the quotation is read with its opening mark, which `text` stripped: split again only when there was one
    quoted = first_sentence if text == sentence else next(iter(split_sentences(sentence)), "")
    if _quoted_for_a_pronoun(quoted):
        return True
    if _QUANTIFIER_OPENER.match(text) or _discourse_opener(text) or _ORDINAL_OPENER.match(text):
        return True
    if _BARE_WHERE.match(first_sentence):
        return True
    if _BARE_IT.match(first_sentence) or _quantifier_acting(text) or _BARE_BECAUSE.match(first_sentence):
        return True
    if _BARE_WHICH.match(first_sentence) or _POINTS_AT_WHAT_FOLLOWS.search(text.rstrip()):
        return True
    if _ELLIPTICAL_END.search(first_sentence.rstrip()) and not _CONTRASTED.search(first_sentence):
        return True
    bare = QUOTED.sub("", first_sentence)
    if _PARENTHETIC_CONNECTIVE.search(bare) or _PLURAL_DEMONSTRATIVE.search(bare):
        return True
    if unreferenced_pronoun(sentence) or _fronted_pronoun(first_sentence) or _opening_then_pronoun(first_sentence):
        return True
    if _EXPLETIVE_IT.match(text) or _DEMONSTRATIVE_NOUN.match(text.lower()):
        return False
    return bool(_PRONOUN_OPENER.match(text))


def _quoted_for_a_pronoun(sentence: str) -> bool:
    """A quotation and, outside it, only "it said" or "they wrote" (`_PRONOUN_SPEAKER`): who spoke is not shown."""
    return bool(QUOTED.search(sentence)) and bool(_PRONOUN_SPEAKER.match(QUOTED.sub(" ", sentence)))


def _epithet_subject(sentence: str) -> bool:
    """ "The 34-year-old had met ...", "The 21-year-old died ...", "The 18-year-old's account ...", "The
    52-year-old, who ...", "The Briton finished ...": the epithet followed by a verb, a comma, a possessive or a
    preposition, not a noun."""
    match = _EPITHET_SUBJECT.match(sentence)
    wordnet = default_wordnet()
    if match is None:
        match = _DEMONYM_SUBJECT.match(sentence)
        if match is None or wordnet is None or match.group("next") in _REPORTING:
            return False
        demonym = match.group("demonym")  # one person: "The Scots have won ..." is a team, "The Swiss" a nation
        if demonym.endswith("s") or not wordnet.is_kind_of(demonym, "inhabitant", usual=True):
            return False
    following = match.group("next")
    if following is None or following in AUXILIARIES or following in IRREGULAR_PAST:
        return True
    return wordnet is not None and (following in english_stop_words() or not wordnet.has_noun(following))


def _opening_then_pronoun(sentence: str) -> bool:
    """ "Sometimes they would ...", "Often it is ...": an adverb (a word WordNet knows only as one) and then
    "they" or "it" as the subject; "Through this so many ...", "After that he ...": a preposition and a bare
    demonstrative or "it", with no noun after it. Without WordNet nothing is decided (False)."""
    wordnet = default_wordnet()
    if wordnet is None:
        return False
    adverb = _ADVERB_THEN_PRONOUN.match(sentence)
    if adverb is not None and not _EXPLETIVE_AFTER.match(adverb.group("rest")):
        word = adverb.group(1).lower()  # not a clause's conjunction: "After they play Greece, the team ..."
        if word not in _SUBORDINATORS and wordnet.knows(word) and not wordnet.has_noun(word):
            return not wordnet.has_verb(word)
    phrase = _PREPOSITION_THEN_PRONOUN.match(sentence)
    following = phrase.group(1).lower() if phrase is not None else ""
    return phrase is not None and (following in english_stop_words() or not wordnet.has_noun(following))


def _fronted_pronoun(sentence: str) -> bool:
    """ "In many ways, their current predicament ...", "Superficially, it appeared ...": "they", "their", "it" or
    "its" opens the main clause after a short phrase that holds no name and no noun it could stand for. A noun
    in the phrase is taken for the referent ("When officers arrived, they ...", "While the victory ..., it
    caused ..."); a gerund ("After being reduced ...", "To disrupt funding, ...") and the nouns of set phrases
    ("In other words", "at the time") are not. A conjunction before a bare word ("Though small, they ...",
    "Once completed, it ...") is an opener of this kind whatever the word (`_BARE_CLAUSE_OPENER`). Otherwise,
    without WordNet nothing is decided (False)."""
    bare_clause = _BARE_CLAUSE_OPENER.match(sentence) or _GERUND_OPENER.match(sentence)
    if bare_clause is not None and not _EXPLETIVE_AFTER.match(bare_clause.group("rest")):
        return True
    match = _FRONTED_PRONOUN.match(sentence)
    wordnet = default_wordnet()
    if match is None or wordnet is None or _EXPLETIVE_AFTER.match(match.group("rest")):
        return False
    opener = match.group(1)
    if len(opener.split()) > _OPENER_WORDS_MAX:
        return False
    stop = english_stop_words()
    for position, found in enumerate(_WORD.finditer(opener)):
        word = found.group(0).rstrip(".")
        if word[:1].isupper() and word.lower() not in stop:
            common = position == 0 and _common_opener(word, wordnet, opener)
            if not common and not _CALENDAR.fullmatch(word.lower()):
                return False  # a name: "If Russia fails to ..., it says ..."
            continue
        lower = word.lower()
        if lower in stop or lower in _NO_REFERENT_NOUNS or lower.endswith("ing") or not wordnet.has_noun(lower):
            continue
        if not wordnet.usual_noun_files(lower) <= {"time"}:
            return False  # a noun it may stand for
    return True


def _discourse_opener(sentence: str) -> bool:
    match = _DISCOURSE_OPENER.match(sentence)
    if match is None or match.group(1) is None:
        return match is not None
    wordnet = default_wordnet()
    return wordnet is not None and not any(wordnet.is_kind_of(match.group(1), k, usual=True) for k in _SETTINGS)


def _quantifier_acting(sentence: str) -> bool:
    """ "Many fired in the air, ...", "One results from ...": "many", "some", "others", "one" acting as a subject
    stand for what an earlier sentence named ("Some 200 people ..." and "Most schools ..." name their own)."""
    match = re.match(r"((?i:many|some|most|few|several|others|one))\s+([a-z]+)\b", sentence)
    wordnet = default_wordnet()
    if match is None or wordnet is None:
        return False
    word = match.group(2)
    if match.group(1).lower() == "one":  # after "one" a noun is singular: "results" is the verb
        return _finite(word, plural=False, wordnet=wordnet)
    # after "many" a word that may be a noun is taken for one ("Some people ...", "Most schools ...")
    return _finite(word, plural=True, wordnet=wordnet) and (word.endswith("ed") or not wordnet.has_noun(word))


def reported_subject(sentence: str, wordnet: WordNet | None = None) -> bool:
    """Whether the sentence's subject is a bare definite description of something reported before it: "The move
    is the latest ...", "The data bolsters ...", "The new measures come amid ...". The head noun (the word before
    the verb, after at most one modifier) is usually an act, event, idea or communication (WordNet's
    lexicographer files), and a verb follows it at once: no "of ...", "to ...", relative clause or name that
    would say which move. "The vote count shows" is not one: "count" there is not an inflected verb; nor is
    "The data compiled by ...": a participle followed by "by", "at", "to" ... says which data. Without WordNet
    nothing is decided (False).

    So is a subject named only by an age, a family tie or a nationality: "The 34-year-old had met ...", "The
    Briton finished ..." (`_epithet_subject`).

    Such a sentence cannot open a story's bullets (nothing before it says which move, or who); after a bullet
    that states the story's news, a reader takes "the move" to be that news, and "the Briton" its winner, as the
    source's reader did. So it is not part of `leans_back`: the summarisers never put it first (`opens_story`),
    and `briefing check` counts it only as a story's first bullet."""
    if _epithet_subject(sentence.strip()):
        return True
    wordnet = wordnet or default_wordnet()
    match = _DEFINITE_SUBJECT.match(sentence.strip())
    if wordnet is None or match is None:
        return False
    words = match.group(1).split()
    following = [*words, match.group(2)]
    return any(  # "The move is ...", "The new measures come ..."
        _finite(following[length], plural=words[length - 1].endswith("s"), wordnet=wordnet)
        and _reported(words[:length], wordnet)
        for length in range(1, len(words) + 1)
    )


def _reported(described: list[str], wordnet: WordNet) -> bool:
    """The head (last word) names an act, event, idea or communication, and its modifier, if any, is an adjective
    ("new", "proposed", "latest"): a noun before the head makes a name of a standing thing ("the stock market",
    "the number coding" scheme), not a pointer back."""
    head, modifiers = described[-1], described[:-1]
    if any(wordnet.has_noun(word) and not word.endswith("est") for word in modifiers):
        return False
    return not _REPORTED.isdisjoint(wordnet.usual_noun_files(head))


def opens_story(sentence: str) -> bool:
    """Whether the sentence may be a story's first bullet: it neither leans back nor names its subject only as
    "the move", "the decision", "the data" (`reported_subject`)."""
    return not leans_back(sentence) and not reported_subject(sentence)


def _finite(word: str, *, plural: bool, wordnet: WordNet) -> bool:
    """A verb as a subject's verb is printed: an auxiliary, a past form, or present tense agreeing with it."""
    if word in AUXILIARIES or word in IRREGULAR_PAST:
        return True
    if not wordnet.has_verb(word):
        return False
    return word.endswith("ed") or (word.endswith("s") and not plural) or (plural and not word.endswith("s"))


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
        if not _has_referent(_outside_quotations(scope), wordnet):
            return True
    return False


def _outside_quotations(text: str) -> str:
    """The text with its closed quotations blanked: a name the speaker says ('"... Stormont Castle ...," he
    said') is not who "he" is."""
    return QUOTED.sub(lambda found: " " * len(found.group(0)), text)


def _has_referent(text: str, wordnet: WordNet) -> bool:
    stop = english_stop_words()
    run: list[str] = []
    institution = False  # the run follows "the": "the White House", not "Steve Parish"
    previous = ""
    for match in _WORD.finditer(text):
        word = re.sub(r"(?:['’]s|['’]|\.)$", "", match.group(0))
        initial = bool(_SENTENCE_START.search(text[: match.start()]))
        if word.lower() in _SOMEONE:
            return True
        capitalised = word[:1].isupper() and word.lower() not in stop
        if capitalised and not (initial and _common_opener(word, wordnet, text[match.start() :])):
            institution = institution if run else previous == "the"
            run.append(word)
            continue
        if run and _names_someone(run, wordnet, institution=institution):
            return True
        run, previous = [], word.lower()
        if word.islower() and word not in stop and _one_person(word, wordnet):
            return True
    return bool(run) and _names_someone(run, wordnet, institution=institution)


def _one_person(word: str, wordnet: WordNet) -> bool:
    """A noun for one person ("officer", "widow"): "he" or "her" may stand for it, not for "officers"."""
    return wordnet.is_kind_of(word, "person", usual=True) and not wordnet.is_plural(word)


def _common_opener(word: str, wordnet: WordNet, onwards: str) -> bool:
    """A sentence's capitalised first word that is an ordinary word: "False", "Previously", "Police", "Despite",
    "Speaking during ..." (`onwards`: the sentence from the word on)."""
    if word.lower() in _OPENING_PREPOSITIONS or _PARTICIPLE_OPENER.match(onwards):
        return True
    if not wordnet.knows(word):
        return False
    # "Police" is usually a group; "Song" (a name, though once a dynasty) is not
    return not wordnet.has_noun(word) or _group(word, wordnet, usual=True)


def _names_someone(run: list[str], wordnet: WordNet, *, institution: bool) -> bool:
    if len(run) == 1 and len(run[0]) > 1 and run[0].replace(".", "").isupper():
        return wordnet.is_kind_of(run[0], "person")  # an acronym: "the PM", "the CEO"; not "NSA", "U.S."
    if len(run) == 1 and _CALENDAR.fullmatch(run[0].lower()):
        return False  # "on Monday", "in June"
    # After "the", a run ending in a word for a group names one ("the Review Board", "the White House"); else
    # only in that word's usual sense ("Police", "Senate"; "Song" and "Steve Parish" are people).
    return not _group(run[-1], wordnet, usual=not institution)


def _group(word: str, wordnet: WordNet, *, usual: bool = False) -> bool:
    return wordnet.is_kind_of(word, "social_group", usual=usual) and not wordnet.is_kind_of(word, "person")


def sets_up_contrast(sentence: str, following: str | None) -> bool:
    """ "The sixth mass extinction is not a worry for the future." followed by "It's happening now.": the first
    sentence alone says the opposite of what its source means."""
    if _NOT_JUST.search(QUOTED.sub("", sentence)):
        return True
    return bool(following) and bool(_NEGATION.search(sentence)) and bool(_RESOLVES.match(following or ""))
