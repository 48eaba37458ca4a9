"""The `openai` backend: drafts, repairs and judges bullets with any OpenAI-compatible server.

llm knows the official `openai` client (the only module that imports it), response formats and retries; it
must not know the grounding check or the policy that decides what to do with a draft (`briefing.review`).
Every failure of the server or of its answer leaves this module as `SummariserError`, which the policy turns
into a fallback.

What the model writes is text and source numbers. Source numbers are mapped back to article ids here, URLs
and citation markers are stripped from the text, and nothing the model writes becomes a link or an outlet.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import openai
from pydantic import BaseModel

from briefing.config import SummariserSettings
from briefing.errors import SummariserError
from briefing.models import Article, Bullet
from briefing.summarise import prompt

_M = TypeVar("_M", bound=BaseModel)
PLACEHOLDER_KEY = "sk-local-no-key"  # local servers need no key, but the client refuses an empty one
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MARKER = re.compile(r"\s*(?:\[\s*\d+(?:\s*,\s*\d+)*\s*\]|\((?:sources?\s*)?\d+(?:\s*,\s*\d+)*\))", re.IGNORECASE)


@dataclass
class Meter:
    """Calls, tokens and seconds spent on one story (mutable: it is filled while the story is summarised)."""

    calls: int = 0
    tokens: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, tokens: int, seconds: float) -> None:
        with self._lock:
            self.calls += 1
            self.tokens += tokens
            self.seconds += seconds


@dataclass(frozen=True)
class Draft:
    """A summary as the model wrote it, ids mapped, before any check; `messages` is the conversation so far."""

    headline: str
    bullets: tuple[Bullet, ...]
    messages: tuple[dict[str, str], ...]


def client_for(settings: SummariserSettings, api_key: str | None) -> openai.OpenAI:
    """The official client with our timeout and retries (its defaults are 600 s and 2)."""
    if not api_key and not settings.base_url:
        raise SummariserError(
            "the openai summariser needs an API key", hint="set OPENAI_API_KEY, or base_url for a local server"
        )
    return openai.OpenAI(
        base_url=settings.base_url,
        api_key=api_key or PLACEHOLDER_KEY,
        timeout=settings.timeout,
        max_retries=settings.retries,
    )


class LlmSummariser:
    """Drafts and repairs summaries of one cluster at a time; safe to share between threads."""

    # Structured output first; servers that reject it (400) get JSON mode, then a plain request.
    _FORMATS = ("json_schema", "json_object", "plain")

    def __init__(self, settings: SummariserSettings, client: openai.OpenAI) -> None:
        self._settings = settings
        self._client = client
        self._format = 0
        self._temperature = True
        self._lock = threading.Lock()

    def draft(self, articles: Sequence[Article], meter: Meter, brief: prompt.Brief | None = None) -> Draft:
        """A first summary of `articles` (numbered in this order) for the edition `brief` describes."""
        settings = self._settings
        messages = prompt.summary_messages(articles, settings.max_bullets, settings.max_source_tokens, brief)
        answer, messages = self._ask(messages, prompt.DraftSummary, prompt.SUMMARY_SCHEMA, meter)
        bullets = _bullets(answer.bullets, articles)
        return Draft(_clean_text(answer.headline), bullets, tuple(messages))

    def repair(
        self, draft: Draft, failures: Sequence[tuple[Bullet, Sequence[str]]], articles: Sequence[Article], meter: Meter
    ) -> tuple[Bullet, ...]:
        """One round: the failing bullets and the check's reasons go back; rewritten bullets come back."""
        listed = [(bullet.text, reasons) for bullet, reasons in failures]
        messages = [*draft.messages, prompt.repair_message(listed)]
        answer, _ = self._ask(messages, prompt.DraftRepair, prompt.REPAIR_SCHEMA, meter)
        return _bullets(answer.bullets, articles)

    def judge(self, source: str, claim: str, meter: Meter) -> prompt.DraftJudgement:
        """The model's verdict on whether `source` entails `claim`, with its short reason (the LLM judge)."""
        answer, _ = self._ask(prompt.judge_messages(source, claim), prompt.DraftJudgement, prompt.JUDGE_SCHEMA, meter)
        return answer

    # ---------------------------------------------------------------------------------------------- calls

    def _ask(
        self, messages: list[dict[str, str]], model: type[_M], schema: dict[str, Any], meter: Meter
    ) -> tuple[_M, list[dict[str, str]]]:
        """Ask, read the answer; an unreadable answer gets ONE corrective turn before SummariserError."""
        content = self._complete(messages, schema, meter)
        try:
            return prompt.read_answer(content, model), [*messages, {"role": "assistant", "content": content}]
        except SummariserError as exc:
            messages = [
                *messages,
                {"role": "assistant", "content": content[:4000]},
                prompt.correction_message(str(exc)),
            ]
        content = self._complete(messages, schema, meter)
        return prompt.read_answer(content, model), [*messages, {"role": "assistant", "content": content}]

    def _complete(self, messages: list[dict[str, str]], schema: dict[str, Any], meter: Meter) -> str:
        while True:
            chosen = self._format
            started = time.perf_counter()
            try:
                response = self._client.chat.completions.create(
                    model=self._settings.model,
                    messages=messages,  # type: ignore[arg-type]
                    **self._sampling(),
                    **_response_format(self._FORMATS[chosen], schema),
                )
            except openai.BadRequestError as exc:
                meter.add(0, time.perf_counter() - started)
                problem = str(exc).lower()
                if self._temperature and "temperature" in problem:
                    self._temperature = False  # reasoning models accept only their default temperature
                    continue
                if "context" in problem or "too long" in problem or not self._fall_back_from(chosen):
                    raise SummariserError(f"the LLM server refused the request: {_short(exc)}") from exc
                continue
            except openai.OpenAIError as exc:
                meter.add(0, time.perf_counter() - started)
                raise SummariserError(f"the LLM call failed: {_short(exc)}") from exc
            return _content(response, messages, meter, time.perf_counter() - started)

    def _sampling(self) -> dict[str, Any]:
        """Temperature 0 (the most literal summary) where the model accepts it."""
        return {"temperature": 0} if self._temperature else {}

    def _fall_back_from(self, chosen: int) -> bool:
        """Move to the next response format; False when there is none left to try."""
        with self._lock:
            if chosen + 1 >= len(self._FORMATS):
                return False
            self._format = max(self._format, chosen + 1)
            return True


def _response_format(kind: str, schema: dict[str, Any]) -> dict[str, Any]:
    if kind == "json_schema":
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": True},
            }
        }
    if kind == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {}


def _content(response: Any, messages: list[dict[str, str]], meter: Meter, seconds: float) -> str:
    usage = getattr(response, "usage", None)
    tokens = getattr(usage, "total_tokens", None) or prompt.estimate_tokens(str(messages))
    meter.add(int(tokens), seconds)
    choices = getattr(response, "choices", None) or []
    content = choices[0].message.content if choices else None
    if not content:
        raise SummariserError("the LLM returned an empty answer")
    return str(content)


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


# ---------------------------------------------------------------------------------------------- answers


def _clean_text(text: str) -> str:
    """Model text without URLs or [n] markers: links and citations are ours to add."""
    return " ".join(_MARKER.sub("", _URL.sub("", text)).split()).strip()


def _bullets(drafts: Sequence[prompt.DraftBullet], articles: Sequence[Article]) -> tuple[Bullet, ...]:
    """Source numbers mapped to article ids; numbers outside 1..len(articles) are dropped (the check then
    rejects a bullet left citing nothing)."""
    bullets: list[Bullet] = []
    seen: set[str] = set()
    for draft in drafts:
        ids = tuple(dict.fromkeys(articles[n - 1].id for n in draft.sources if 1 <= n <= len(articles)))
        text = _clean_text(draft.text)
        evidence = " ".join(draft.evidence.split())
        if text and text.lower() not in seen:  # a model that repeats itself gets one bullet
            seen.add(text.lower())
            bullets.append(Bullet(text=text, sources=ids, evidence=(evidence,) if evidence else ()))
    return tuple(bullets)
