"""False positives of the prompt-injection filter on real news: how many sentences it removes, and which.

    .venv/bin/python bench/injection.py [../shared/data]

Every item of the real-news days (`feeds/real-news/<date>/*.xml`, titles and descriptions as parse cleans
them) and every text of the labelled files (`eval/real-stories-dev.jsonl`, `eval/clustering-dev.jsonl`,
the sources of `eval/grounding-dev.jsonl`) is news written by people for people: none holds an instruction to
a model, so every sentence the filter would remove is a false positive. It prints the counts and each removed
sentence, to be read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import feedparser

from briefing.parse._clean import clean_text, clean_title
from briefing.parse._injection import instruction_sentences


def feed_texts(root: Path) -> Iterator[str]:
    for path in sorted((root / "feeds" / "real-news").glob("*/*.xml")):
        for entry in feedparser.parse(path.read_bytes()).entries:
            yield clean_title(str(entry.get("title", "")))
            yield clean_text(str(entry.get("summary", "")), markup=True)


def labelled_texts(root: Path) -> Iterator[str]:
    for name, fields in (
        ("real-stories-dev.jsonl", ("title", "text")),
        ("clustering-dev.jsonl", ("title", "text")),
        ("grounding-dev.jsonl", ("source",)),
    ):
        seen: set[str] = set()
        for line in (root / "eval" / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for field in fields:
                values = record.get(field) or ""
                for value in values if isinstance(values, list) else [values]:
                    if value not in seen:
                        seen.add(value)
                        yield value


def measure(name: str, texts: Iterator[str]) -> None:
    sentences = removed = 0
    found: list[str] = []
    for text in texts:
        sentences += sum(1 for line in text.split("\n") for part in line.split(". ") if part.strip())
        hits = instruction_sentences(text)
        removed += len(hits)
        found.extend(hits)
    print(f"{name}: {removed} of about {sentences:,} sentences removed")
    for sentence in found:
        print(f"  - {sentence[:200]}")


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    if not root.is_dir():
        sys.exit(f"{root} is absent: the shared data is needed")
    measure("real-news feeds (3 days, 60 files)", feed_texts(root))
    measure("labelled files (real-stories, clustering, grounding sources)", labelled_texts(root))


if __name__ == "__main__":
    main()
