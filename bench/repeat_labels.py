"""How the repeat rule (`briefing.summarise.repeats`) does on hand-labelled bullet pairs.

Usage: .venv/bin/python bench/repeat_labels.py PAIRS.json [PAIRS.json ...]

Each file holds {"pairs": [{"earlier": ..., "later": ..., "repeat": true|false, ...}]}: every bullet pair of a
story, labelled the way a subscriber judges it (the later bullet says nothing the reader has not just read, or it
adds a fact). The labels are not part of the project (they quote the articles); docs/quality.md says where the
figures come from. Prints, per file, the repeats the rule catches and the distinct pairs it wrongly calls repeats.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from briefing.summarise import repeats


def main(paths: list[str]) -> None:
    for path in paths:
        pairs = json.loads(Path(path).read_text(encoding="utf-8"))["pairs"]
        said = [repeats.same_fact(repeats.facts(p["later"]), repeats.facts(p["earlier"])) for p in pairs]
        same = [p["repeat"] for p in pairs]
        caught = sum(s and y for s, y in zip(said, same, strict=True))
        wrong = sum(s and not y for s, y in zip(said, same, strict=True))
        print(
            f"{Path(path).name}: {len(pairs)} pairs; repeats caught {caught}/{sum(same)}; "
            f"distinct pairs called repeats {wrong}/{len(pairs) - sum(same)}"
        )
        for p, s, y in zip(pairs, said, same, strict=True):
            if s != y:
                print(f"  {'missed' if y else 'WRONG '}: {p['earlier'][:90]} | {p['later'][:90]}")


if __name__ == "__main__":
    main(sys.argv[1:])
