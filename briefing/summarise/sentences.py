"""Source sentences and what may become a bullet: the rules applied to each sentence, and trimming.

sentences knows text: where sentences end (`splitting`), which are usable as bullets (`rules`: no junk;
`leaning`: standing on their own), how an older article's relative times are anchored (`timewords`), and how a
long sentence is cut at a clause boundary without changing what it states. It must not know scoring, LLMs,
grounding or the store.

A sentence that leans on the one before it ("It was the third rise this year.") is used only when it follows
the article's first usable sentence, joined to it (the lead is what such a pronoun points at in a feed
summary); elsewhere it is skipped. Every skipped sentence is counted by reason.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from zoneinfo import ZoneInfo

from briefing.models import Article
from briefing.summarise import leaning, rules, timewords
from briefing.summarise.headlines import MAX_TITLE_WORDS, clean_title
from briefing.summarise.rules import Rejection, fingerprint
from briefing.summarise.splitting import double_quotes_closed, split_sentences

MAX_WORDS = 40  # a bullet is read at a glance; longer sentences are cut at a clause boundary
HARD_MAX_WORDS = 55  # a sentence that cannot be cut below this is not proposed at all
MIN_WORDS = 6  # shorter "sentences" are captions, bylines and fragments
MAX_SENTENCE_CHARS = 1_000  # untrusted input: a "sentence" longer than this is markup or a list
MAX_TEXT_CHARS = 20_000  # per article: the lead carries the story; huge payloads are cut
MAX_SENTENCES = 25  # per article, from the top: news is written lead-first

_DATELINE = re.compile(  # "LONDON (Reuters) - ", "OSTER, Dec 7 (Reuters) - ", "WASHINGTON, D.C. — ", "(CNN) — "
    r"^(?:[A-Z][A-Z.'/\- ]{2,40}(?:,\s*[A-Z][A-Za-z0-9.\- ]{1,30})?\s*(?:\([A-Za-z .]{1,30}\))?|\([A-Za-z .]{1,30}\))"
    r"\s*[-—–]+\s*(?=[A-Z\"“])"
    r"|^[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}\s+--\s+(?=[A-Z\"“])"  # "Nairobi -- ", as AllAfrica's sources print it
    r"|^\([A-Z][A-Za-z]{1,30}\)(?=[A-Z][a-z])"  # "(CNN)Buzz has ...": CNN's own pages print it so
)
_LABEL = re.compile(  # newsletter-style labels ("Why it matters: ...") are layout, not content
    r"^(?:why it matters|the big picture|driving the news|the bottom line|bottom line|what's next|what’s next"
    r"|between the lines|the backstory|catch up quick|by the numbers|context|details|flashback|spoiler alert)\s*:\s*"
    r"|^\((?:watch|video)\)\s*"
    # "(Updated)", "(UPDATE 2, 5:30 p.m.)", and the same label whose bracket the feed never closes
    r"|^\((?:updated?|corrected)\b(?:\s*\d{1,2}(?![:.\d]))?,?(?:\s*\d{1,2}[:.]\d{2}\s*(?:[ap]\.?\s?m\b\.?)?)?\s*\)?\s*",
    re.IGNORECASE,
)
_LAYOUT = re.compile(r"^(?:related|more|see also)\s*:|^(?:updated|published|posted)\b", re.IGNORECASE)


@dataclass(frozen=True)
class StoryContext:
    """What a story's sentences are judged against: the edition's local day and zone (None: no anchoring), the
    sentences that recur across the edition's stories, and what earlier editions said about the story."""

    edition_day: date | None = None
    timezone: str = "UTC"
    recurring: frozenset[str] = frozenset()
    said: tuple[str, ...] = ()

    def published_day(self, article: Article) -> date:
        """The day its writer wrote on (`timewords.writers_day`)."""
        return timewords.writers_day(article.published, article.published_offset, ZoneInfo(self.timezone))

    def written_another_day(self, article: Article) -> bool:
        """Whether the article was written on another day than the edition's."""
        edition = self.edition_day
        return edition is not None and self.published_day(article) != edition

    def as_read(self, text: str, article: Article) -> str | None:
        """`text` (a sentence or the title of `article`) as the edition's reader should read it: its relative
        times anchored to the day its writer wrote on ("from today" -> "from Tuesday 2 June"); None when one
        cannot be anchored faithfully ("this week" in last week's article), or only inside a quotation (a
        speaker's "today" rewritten would misquote them)."""
        if self.edition_day is None:
            return text
        anchored = timewords.anchored(text, self.published_day(article), self.edition_day)
        return None if anchored is None or rules.quotations(anchored) != rules.quotations(text) else anchored


@dataclass(frozen=True)
class Sentence:
    """A usable source sentence: `text` is the bullet wording, `original` the sentence as the source has it."""

    text: str
    original: str
    article: Article
    position: int  # index among the article's sentences


@dataclass
class Found:
    """The usable sentences of some articles, and how many were skipped for each reason."""

    sentences: list[Sentence] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)


def _terminated(sentence: str) -> bool:
    return sentence.rstrip("\"'”’) ")[-1:] in {".", "!"}


def _quotes_balanced(sentence: str) -> bool:
    return double_quotes_closed(sentence) and not _half_single_quotation(sentence)


# A last word no sentence ends on, lower case ("... sits on a .", "... the start of the."); "grade A." is a letter.
_ENDS_OPEN = re.compile(r"\b(?:a|an|the|and|or|but|nor|of|than|its|their|his|our|your|my)\s*\.$")
_CUT_MARKS = ("...", "…", ". . .")  # the last as some outlets print an ellipsis ("a mysterious phenomenon . . .")


# A single quotation mark opens a quotation before a word ("read: 'When the ..."), unless it elides letters ("the
# '90s", "rock 'n' roll"); it closes one after a word or its punctuation. An apostrophe inside a word ("O'Neill",
# "don’t") is neither. A plural possessive ("the players' union") reads as a close, so a quotation it follows
# may pass as closed: the safe side, since the sentence is kept as printed. Only a mark after punctuation is
# surely a close ("... until August.'"): a sentence holding one before any opening is the end of a quotation.
_SINGLE_OPENS = re.compile(
    r"(?:^|(?<=[\s(\[“\"—–-]))['‘](?=[A-Za-z0-9])(?!(?:\d0s|em|til|tis|n|cause|bout|round|cos)\b)"
)
_SINGLE_CLOSES = re.compile(r"(?<=[\w.,!?;:…\"”])['’](?![A-Za-z0-9])")
_SINGLE_SURELY_CLOSES = re.compile(r"(?<=[.,!?…])['’](?![A-Za-z0-9])")


def _half_single_quotation(sentence: str) -> bool:
    """Whether the sentence opens a single-quoted quotation it never closes (British style: "said: 'We will
    ..."), or closes one it never opened: the rest of the quotation is in a sentence not shown."""
    opened = [opening.end() for opening in _SINGLE_OPENS.finditer(sentence)]
    if any(not _SINGLE_CLOSES.search(sentence, end) for end in opened):
        return True
    return _SINGLE_SURELY_CLOSES.search(sentence, 0, opened[0] if opened else len(sentence)) is not None


def _complete_without_stop(words: list[str]) -> bool:
    """Feed summaries often drop the final full stop; a feed that cuts mid-word ("police cars s") does not count."""
    return len(words) >= MIN_WORDS + 2 and len(words[-1].strip("\"'”’)")) >= 3 and words[-1][-1:] not in ",;:-—"


# "... near half-time .", "in Crown Heights , NYC": a space some feeds print before a stop or a comma
_SPACE_BEFORE_STOP = re.compile(r"(?<=[\w\"”’')\]])\s+(?=[.,;:!?](?:\s|$))")


def _as_bullet(sentence: str) -> str:
    """The sentence as printed in a bullet: without a space before its stops and commas, and ending in one."""
    sentence = _SPACE_BEFORE_STOP.sub("", sentence)
    return sentence if _terminated(sentence) else sentence + "."


def article_sentences(article: Article, context: StoryContext | None = None) -> Found:
    """The usable sentences of one article, datelines removed, relative times anchored, cut to bullet length;
    and the count of the others by reason."""
    context = context or StoryContext()
    found = Found()
    raw = split_sentences(html.unescape(_readable_text(article)[:MAX_TEXT_CHARS]))[:MAX_SENTENCES]
    for position, original in enumerate(raw):
        following = raw[position + 1] if position + 1 < len(raw) else None
        text, reason = _judged(original, following, context.recurring)
        if reason is None and _note_on_its_writer(original, article, raw, position):
            text, reason = None, Rejection.SIGNOFF
        joined = _joined(found, position, text, original) if reason is Rejection.DANGLING else None
        if joined is not None:
            text, original, reason = joined.text, joined.original, None
        if text is not None and reason is None:
            text, reason = _dated(text, article, context)
        if text is None or reason is not None:
            found.rejected[str(reason or Rejection.FRAGMENT)] += 1
            continue
        sentence = Sentence(_as_bullet(text), original, article, position)
        if joined is not None:  # the lead and what leans on it are one bullet now
            sentence = replace(sentence, position=found.sentences.pop().position)
        found.sentences.append(sentence)
    return found


def _note_on_its_writer(sentence: str, article: Article, raw: list[str], position: int) -> bool:
    """A sentence saying someone is a writer ("Jo Lind is a reporter for ...") whom neither the title nor any other
    sentence of the article names: a note at its foot on who wrote it (`rules.writer_named`)."""
    surname = rules.writer_named(sentence)
    if surname is None:
        return False
    return all(surname not in other for other in (article.title, *raw[:position], *raw[position + 1 :]))


def _readable_text(article: Article) -> str:
    """The article's text; led by its title when the title is too long to be one (`MAX_TITLE_WORDS`): a feed that
    puts its summary in <title> often leaves the description empty, and the summary is what the item states."""
    title = " ".join(article.title.split())
    cleaned = clean_title(title, article.outlet)
    if cleaned != title and fingerprint(article.text) == fingerprint(title):
        # A description that only repeats its title, the publisher's name included ("Bridge to close  Daily" under
        # "Bridge to close - Daily", as news aggregators print them): the title as a reader reads it.
        return cleaned if cleaned[-1:] in ".!?" else f"{cleaned}."
    if len(title.split()) <= MAX_TITLE_WORDS or fingerprint(title) in fingerprint(article.text):
        return article.text
    return f"{title}\n{article.text}"


def _judged(original: str, following: str | None, recurring: frozenset[str]) -> tuple[str | None, Rejection | None]:
    """The sentence as a bullet would word it, or the reason it cannot be one."""
    if fingerprint(original) in recurring:
        return None, Rejection.ADVISORY
    tagless = rules.strip_tags(original)
    complete = tagless if _well_formed(tagless) else _head_before_cut(tagless)
    if complete is None:
        return None, Rejection.FRAGMENT
    sentence = _LABEL.sub("", _DATELINE.sub("", complete, count=1), count=1)
    reason = rules.junk_reason(sentence)
    if reason is not None:
        return None, reason
    if rules.first_person(sentence):
        return None, Rejection.FIRST_PERSON
    if leaning.sets_up_contrast(sentence, following):
        return None, Rejection.SETUP
    text = _trimmed(leaning.without_also(leaning.without_additive_opener(sentence)))
    if text is None:
        return None, Rejection.FRAGMENT
    return text, Rejection.DANGLING if leaning.leans_back(text) else None


def _well_formed(sentence: str) -> bool:
    words = sentence.split()
    bare = sentence.rstrip("\"'”’) ")
    return (
        len(words) >= MIN_WORDS
        and len(sentence) <= MAX_SENTENCE_CHARS
        and not _LAYOUT.search(sentence)
        and not bare.endswith(_CUT_MARKS)  # a lead cut off by the feed
        and not _ENDS_OPEN.search(bare)  # "... this unique property sits on a .": cut, its stop added
        and (_terminated(sentence) or _complete_without_stop(words))
        and _quotes_balanced(sentence)  # else the split fell inside a quotation: half a quote misleads
        and not _opens_mid_sentence(sentence)
        and not _bare_quotation(sentence)
    )


# "... - Friedrich Nietzsche.": an epigraph's author after a dash, and nothing else.
_EPIGRAPH_AUTHOR = re.compile(r"^\s*[-–—]+\s*[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}\s*\.?$")


def _bare_quotation(sentence: str) -> bool:
    """ "\"We will rebuild the harbour.\"": a quotation without its speaker, who is in a sentence not shown; or an
    epigraph ('"Without music, life would be a mistake." - Friedrich Nietzsche.'): words of no one in the story."""
    text = sentence.strip()
    quoted = rules.quotations(text)
    if len(quoted) != 1 or not text.startswith(quoted[0]):
        return False
    return quoted[0] == text or bool(_EPIGRAPH_AUTHOR.match(text[len(quoted[0]) :]))


def _opens_mid_sentence(sentence: str) -> bool:
    """ "at the site of his arrest in Minneapolis.": the rest of a sentence whose opening was removed (as a feed's
    boilerplate) or cut off. A brand written in lower case ("iPhone sales rose ...") is a whole sentence."""
    first = sentence.lstrip("\"'“‘([ ").split(maxsplit=1)[:1]
    return bool(first) and first[0][:1].islower() and first[0] == first[0].lower()


def _head_before_cut(sentence: str) -> str | None:
    """A lead the feed cut off ("... saying it \"violated the ..."), or a sentence whose quotation is left open,
    still states its main clause: the part before the last clause boundary ahead of the cut or the open quote,
    when that is a whole, un-negated clause (what follows cannot be seen, so it must not be able to qualify it)."""
    bare = sentence.rstrip("\"'”’) ")
    cut = bare.endswith(_CUT_MARKS)
    if _half_single_quotation(sentence):
        return None  # what a British-style quotation that runs on says is not seen: the sentence is no bullet
    if not _quotes_balanced(sentence):
        bare, cut = bare[: _open_quote(sentence)], True
    if not cut or len(sentence) > MAX_SENTENCE_CHARS:
        return None
    attributed = _CUT_AFTER_SAID.search(bare)
    if attributed and _stated(bare[: attributed.start()]):
        # "..., Prime Minister Anthony Albanese said…": only what followed "said" ("on Tuesday") is cut
        return bare[: attributed.start(1)] + "."
    for match in reversed(list(_TRAILING_CLAUSE.finditer(bare))):
        head = bare[: match.start()].rstrip(" ,;:")
        if _OPEN_END.search(head):
            continue
        if len(head.split()) >= MIN_WORDS + 2 and _quotes_balanced(head) and head.count("(") == head.count(")"):
            return None if _NEGATION.search(head) else head + "."
    return None


def _stated(head: str) -> bool:
    """The words before a closing attribution are a statement ("The government will not ...", not "Most
    recently" or "In response to a question about ...", after which what was said is what the feed cut)."""
    words = head.split()
    return len(words) >= MIN_WORDS + 2 and "," not in head and words[0].lower() not in _ADVERBIAL_OPENERS


# Words that open an adverbial phrase, not a statement's subject (a closed class; `_stated`).
_ADVERBIAL_OPENERS = frozenset(
    {
        *("in", "on", "at", "after", "before", "during", "for", "from", "with", "by", "about", "as", "since"),
        *("until", "when", "while", "most", "asked", "speaking", "responding", "earlier", "later", "meanwhile"),
    }
)


def _open_quote(sentence: str) -> int:
    """Where the quotation that is never closed opens."""
    if sentence.count("“") > sentence.count("”"):
        return sentence.rfind("“")
    return sentence.rfind('"')


def _trimmed(sentence: str) -> str | None:
    """Cut to bullet length; an unterminated sentence (maybe cut off by the feed) is never cut further."""
    trimmed = trim_sentence(sentence)
    if trimmed is None or len(trimmed.split()) < MIN_WORDS:
        return None
    if not _terminated(sentence) and trimmed != " ".join(sentence.split()):
        return None
    return trimmed


def _joined(found: Found, position: int, text: str | None, original: str) -> Sentence | None:
    """The article's first usable sentence and the sentence after it that leans on it, as one bullet, when
    that is still a glance long (the lead is what such a pronoun or connective points at in a feed summary)."""
    if text is None or len(found.sentences) != 1 or found.sentences[0].position != position - 1:
        return None
    lead = found.sentences[0]
    joined = f"{lead.text} {text}"
    if len(joined.split()) > MAX_WORDS:
        return None
    return Sentence(joined, f"{lead.original} {original}", lead.article, lead.position)


def _dated(text: str, article: Article, context: StoryContext) -> tuple[str | None, Rejection | None]:
    anchored = context.as_read(text, article)
    return (None, Rejection.STALE_TIME) if anchored is None else (anchored, None)


def usable_sentences(articles: Sequence[Article], context: StoryContext) -> Found:
    """Every article's usable sentences, with the rejections of all of them added up."""
    total = Found()
    for article in articles:
        found = article_sentences(article, context)
        total.sentences.extend(found.sentences)
        total.rejected.update(found.rejected)
    return total


# ------------------------------------------------------------------------------------------------- trimming

# A sentence the feed cut right after its attribution's verb, the speaker named after a comma: ", officials said…",
# ", Prime Minister Anthony Albanese said…".
_CUT_AFTER_SAID = re.compile(r",(?:\s+[\w.'’-]+){1,6}\s+(?:said|says)(\s*(?:\.\.\.|…|\. \. \.))$")
_NEGATION = re.compile(r"\b(?:not|no|never|none|nobody|nothing|neither|nor|cannot|without)\b|n't\b", re.I)
# Cuts that leave the main clause standing: what follows these adds to the sentence, it does not qualify it.
_TRAILING_CLAUSE = re.compile(
    r"(?:;\s+|\s+[—–]\s+|\s+--\s+|,\s+(?=(?:which|who|whom|whose|where|while|as|after|before|but|saying|adding"
    r"|although|though|amid|despite|including|according|ahead)\b)|,\s+and\s+(?=(?:the|it|he|she|they|we|his|her"
    r"|their|its|this|that|officials|police)\b)"
    # a trailing participle phrase: "..., blaming the weather", "..., prompting protests"
    r"|,\s+(?=(?!(?:nothing|something|anything|everything|morning|evening|king|thing|spring|bring)\b)[a-z]+ing\b)"
    # "..., as the storm hit": a clause; but "what they see as a threat", "seen as an ally" is no clause boundary
    r"|\s+as\s+(?=(?:he|she|they|it|we|the|his|her|their|officials|police)\b))"
)
# A head that ends like this was cut inside a phrase ("combat forces and", "the withdrawal of"): no sentence.
# So does a quotation followed by its speaker's name alone ("... ,” Noem"): the verb of saying was cut off; and a
# "what he sees" whose "as ..." was cut ("... a light on what he sees as the failed approach").
_OPEN_END = re.compile(
    r"\b(?:and|or|but|nor|the|a|an|of|to|for|with|from|by|in|on|at|than)$|\bwhat(?:\s+[\w'’-]+){1,2}$|(?-i:[”\"]\s*,?\s*(?:[A-Z][\w.'’-]*\s*){1,4}$)",
    re.IGNORECASE,
)
_PARENTHETICAL = re.compile(r"\s*\([^()]{1,120}\)")
# "The Senate — in a vote — passed", and the same aside between ASCII double hyphens ("-- in a vote --").
_PAIRED_DASHES = re.compile(r"\s+([—–]|--)\s+(?:(?!\s--\s)[^—–]){1,150}?\s+\1(?=\s)")


def trim_sentence(sentence: str, max_words: int = MAX_WORDS) -> str | None:
    """The sentence cut to at most `max_words` at a clause boundary, or None when no safe cut exists.

    A cut keeps the sentence's opening (its main clause) and removes only a trailing clause or a parenthesis,
    so what remains is still stated by the source. A cut never splits a number or a quotation, and never
    removes a negation (removing "not" from what is left would flip it; removing it with its clause is
    allowed only when the clause does not carry one, to stay on the safe side).
    """
    sentence = " ".join(sentence.split())
    if len(sentence.split()) <= max_words:
        return sentence
    shorter = _PARENTHETICAL.sub(lambda m: "" if _safe_to_remove(m.group(0)) else m.group(0), sentence)
    if len(shorter.split()) <= max_words:
        return shorter
    shorter = _PAIRED_DASHES.sub(_without_dash_aside, shorter)
    if len(shorter.split()) <= max_words:
        return shorter
    for match in reversed(list(_TRAILING_CLAUSE.finditer(shorter))):
        head, tail = shorter[: match.start()], shorter[match.start() :]
        if len(head.split()) <= max_words and _safe_cut(head, tail):
            return head.rstrip(" ,;:") + "."
    return shorter if len(shorter.split()) <= HARD_MAX_WORDS else None


def _without_dash_aside(match: re.Match[str]) -> str:
    """A dash aside removed; inside a comma aside ("Mr Li, tired after -- and at home -- said"), the comma that
    closes it stays, so the subject still meets its verb."""
    if not _safe_to_remove(match.group(0)):
        return match.group(0)
    return "," if match.string[: match.start()].count(",") % 2 else ""


def _safe_to_remove(removed: str) -> bool:
    return not _NEGATION.search(removed)


def _safe_cut(head: str, tail: str) -> bool:
    quotes = len(re.findall(r"[\"“”]", head))
    if len(re.findall(r"\s(?:[—–]|--)\s", head)) % 2 or head.count("(") != head.count(")"):
        return False  # the cut would end inside a dash aside or a parenthesis
    # Without a comma the tail may restrict a negated head ("did not resign as the party asked"): keep it.
    restrictive = not tail.startswith((",", ";", " —", " –", " --")) and bool(_NEGATION.search(head))
    if not tail.startswith((";", " —", " –", " --")) and "," in tail[1:]:
        return False  # the clause may close with that comma and the sentence's own verb follow it
    if tail.startswith((" —", " –", " --")) and tail.lstrip()[:2].strip() in tail.lstrip()[2:]:
        return False  # a dash aside that closes later: the sentence's own verb may follow it
    if _OPEN_END.search(head.rstrip(" ,;:")):
        return False
    return len(head.split()) >= MIN_WORDS + 2 and quotes % 2 == 0 and _safe_to_remove(tail) and not restrictive
