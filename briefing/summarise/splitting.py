"""Splitting text into sentences: shared by `leaning` (a bullet's first sentence) and by sentence selection.

Paragraph breaks always end a sentence; abbreviations ("Mr.", "Sept.", and titles for several people: "Sens.",
"Reps.") and initials ("J.", "U.S.") never do.
"""

from __future__ import annotations

import re

_ABBREVIATION_WORDS = """
    mr mrs ms dr prof sen rep gov gen col lt sgt capt cmdr adm st jr sr inc corp co ltd vs etc no nos fig
    sens reps govs gens drs profs messrs
    jan feb mar apr jun jul aug sep sept oct nov dec mt ft ave blvd dept est approx rev hon pres supt
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
# A sentence ends after its full stop and any closing quotes or brackets, which stay with it ('... "go."' keeps
# its closing quote, or the quotation would look unbalanced and the sentence be taken for half a quote).
_CLOSERS = "\"'”’)\\]"
# The next sentence opens with a capital, a digit or a copyright sign ("... on Monday. © 2026 Harbour Daily.").
_BOUNDARY = re.compile(rf"(?:(?<=[.!?])|(?<=[.!?][{_CLOSERS}])|(?<=[.!?][{_CLOSERS}]{{2}}))\s+(?=[\"'“‘(\[]?[A-Z0-9©])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a text; paragraph breaks always end one, abbreviations and initials never do."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        pieces = _BOUNDARY.split(paragraph.strip())
        sentences.extend(_merge_abbreviations([p.strip() for p in pieces if p.strip()]))
    return sentences


def double_quotes_closed(text: str) -> bool:
    """No double quotation left open (straight or curly): half a quotation is not a sentence or a headline."""
    return text.count('"') % 2 == 0 and text.count("“") == text.count("”")


def _merge_abbreviations(pieces: list[str]) -> list[str]:
    merged: list[str] = []
    for piece in pieces:
        if merged and _ends_with_abbreviation(merged[-1]):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def _ends_with_abbreviation(text: str) -> bool:
    last = text.rstrip("\"'”’)]").split()[-1] if text.split() else ""
    if not last.endswith("."):
        return False
    word = last[:-1].lstrip("\"'“‘([")
    # "J." and "U.S." are initials; "Mr." and "Sept." are known abbreviations.
    return len(word) == 1 or bool(re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word)) or word.lower() in _ABBREVIATIONS
