"""Header values from untrusted text (feed headlines, subscriber names, config strings) for `email.message`.

The email package decodes RFC 2047 encoded-words when a value is assigned to a header, and re-emits what they
decode to raw: an encoded CR/LF becomes a real line break on the wire, that is a new header (or, after a blank
line, a new body). So a value is decoded first, as the email package will decode it, until nothing is left to
decode; then every line break and control character is replaced by a space; then any remaining `=?` is broken up,
so no parser can find an encoded-word in what we hand it. What comes out is one line whatever goes in, and the
email package's structured headers (`EmailMessage[...] = ...`, `Address`) fold and encode it for the wire.
"""

from __future__ import annotations

import re
import unicodedata
from email import policy

MAX_DECODING_ROUNDS = 4  # a value encoded inside an encoded-word; real mail never nests even once
DEFAULT_LIMIT = 200
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def header_text(value: str, limit: int = DEFAULT_LIMIT) -> str:
    """`value` as one line of header text: encoded-words decoded, no line break or control character, no `=?`,
    whitespace collapsed, at most `limit` characters."""
    text = value
    for _ in range(MAX_DECODING_ROUNDS):
        decoded = _printable(_decoded(text))
        if decoded == text:
            break
        text = decoded
    text = _printable(text).replace("=?", "= ?")
    return _capped(text, limit)


def _decoded(text: str) -> str:
    """What the email package makes of `text` as an unstructured header value (encoded-words decoded)."""
    if "=?" not in text:
        return text
    try:
        return str(policy.default.header_factory("subject", text))
    except Exception:  # the package's parser on hostile input: keep the text; `=?` is broken up below
        return text


def _printable(text: str) -> str:
    """Line breaks, controls, format characters and lone surrogates as spaces; whitespace collapsed."""
    spaced = _BREAKS.sub(" ", text)
    if not spaced.isprintable():
        spaced = "".join(c if c.isprintable() or c == " " else _replacement(c) for c in spaced)
    return " ".join(spaced.split())


def _replacement(char: str) -> str:
    return "\ufffd" if unicodedata.category(char) == "Cs" else " "


def _capped(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
