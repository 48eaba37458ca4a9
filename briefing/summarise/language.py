"""Which sources are written in another language than English, the language the sentence rules read.

A feed may mix languages: a Philippine channel posts some items in Tagalog and some in English, and a story may
gather both ("MRT-3, nag-test run bilang paghahanda sa balik-operasyon bukas" beside "MRT3 ready to resume ops on
June 1"). A reader of an English edition is told such a story from its English sources: an item in another
language names no story and supplies no bullet while its story has an English item that may (it is still cited,
as "also covered by"). A story told only in another language keeps its items: whoever subscribed to that channel
reads them.

An article is in another language when its words say so: among its lower-case words (names are shared by every
language) that can tell, fewer than half are English. When too few can tell, its feed's declaration decides (a
declaration alone is not trusted over the words: some English feeds declare "us"). A word can tell when it is an
English stop word or has four letters or more; a longer word is English when WordNet knows it (or each part of a
hyphenated word). Short words do not count, since WordNet lists abbreviations that spell common words of other
languages ("sa", "ng", "ang"). Without the WordNet database no word can tell. On the labelled real days and the
AllSides leads, no English sentence reads as another language; on the grounding set's articles, Welsh passages
and football line-ups do (docs/bullets.md).

language knows English words; it must not know bullets' selection, kinds or the store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from briefing.models import Article
from briefing.wordnet import default_wordnet
from briefing.words import english_stop_words

ENGLISH = frozenset({"en", "eng"})  # the primary subtag a feed declares: ISO 639-1, or 639-2
MIN_WORDS = 3  # fewer words that can tell say nothing: "Floyd protests spread", a title in Title Case
ENGLISH_SHARE = 0.5  # below this share of English words, the text is in another language
MIN_LETTERS = 4  # shorter words are not asked of WordNet (see the module's docstring)
SAMPLE_CHARS = 2_000  # of an article's text: a few sentences tell its language; a whole article costs more
_LOWER_WORD = re.compile(r"(?<![\w'’.-])[a-z]+(?:['’-][a-z]+)*(?![\w'’-])")
_PARTS = re.compile(r"['’-]")


def in_other_language(article: Article) -> bool:
    """Whether the article is written in another language than English: its words say, or when they cannot tell
    (too few, or no WordNet), its feed's declaration (a feed that declares "us" may well write English)."""
    said = _words_say_other(f"{article.title}\n{article.text[:SAMPLE_CHARS]}")
    if said is not None:
        return said
    return article.language is not None and article.language not in ENGLISH


def other_language_text(text: str) -> bool:
    """Whether the text's words say it is not English; False when they cannot tell."""
    return bool(_words_say_other(text))


def _words_say_other(text: str) -> bool | None:
    """Whether the text's words say it is not English, or None when too few words can tell (or, without WordNet,
    none can: stop words alone would vote English)."""
    if default_wordnet() is None:
        return None
    votes = [vote for vote in map(_is_english, _LOWER_WORD.findall(text)) if vote is not None]
    if len(votes) < MIN_WORDS:
        return None
    return sum(votes) < ENGLISH_SHARE * len(votes)


def english_first(articles: Sequence[Article]) -> list[Article]:
    """The articles in English when there are any, else all of them."""
    if len(articles) < 2:  # nothing to prefer among
        return list(articles)
    english = [a for a in articles if not in_other_language(a)]
    return english or list(articles)


@lru_cache(maxsize=65_536)
def _is_english(word: str) -> bool | None:
    """True for an English word, False for one English does not have, None for a word that cannot tell."""
    stop = english_stop_words()
    if word in stop:
        return True
    wordnet = default_wordnet()
    if wordnet is None or len(word) < MIN_LETTERS:
        return None
    parts = [p for p in _PARTS.split(word) if p]
    return wordnet.knows(word) or all(p in stop or wordnet.knows(p) for p in parts)
