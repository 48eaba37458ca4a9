"""An idle cron tick, against a bare interpreter start in the same run, and what each stage costs to import.

    .venv/bin/python bench/startup.py [--repeat 15] [--feeds 200] [--write-docs]

Sets up a config and a store with `--feeds` feeds, all polled a minute ago (none due), and a morning edition
with no grace period (never due); one tick records the missed slots. Then, interleaved `--repeat` times: the
bare interpreter (`python -c pass`, the same interpreter and site-packages), `briefing run-due` through its
console script with its idle note removed (it checks the config and the store in full, and leaves a note), and
`briefing run-due` again (it trusts that note: the common tick). For each: wall time, CPU time and peak memory
(the process's own ru_maxrss, measured from a small launcher: see `measure.run_alone`). Figures are medians;
the ratios are of the medians.

Then the import cost of each stage, over the bare interpreter (CPU, medians of `--repeat`): what a command pays
the first time it needs that stage. `briefing.config` (pydantic) is what every command that reads feeds.yaml
pays, a full idle check included; numpy, scipy and scikit-learn come in with `briefing.cluster` and
`briefing.summarise` (its extractive summariser); `python -X importtime` names the heaviest packages.

briefing's own modules are byte-compiled first, as pip compiles them when it installs the package: run from a
checkout with PYTHONDONTWRITEBYTECODE set (as on these machines), every process would otherwise compile each
briefing module it imports from source, a cost no installed briefing pays (about one bare start of a full
idle check's CPU, measured here).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Cost, markdown_table, median, run_alone, write_figures

BRIEFING = Path(sys.executable).parent / "briefing"
THIRD_PARTY = frozenset(
    (  # noqa: SIM905
        "numpy scipy sklearn sparse_dot_topn httpx httpcore feedparser lxml trafilatura nh3 jinja2 premailer "
        "cssutils markdown openai pydantic yaml rich click brotli"
    ).split()
)
BARE = "bare interpreter: `python -c pass`"
NOTED = "`briefing run-due`, nothing due, the last tick's note still valid"
CHECKED = "`briefing run-due`, nothing due, checked in full (no note)"
STAGES = (
    "briefing.config",
    "briefing.ingest",
    "briefing.cluster",
    "briefing.summarise",
    "briefing.render",
    "briefing.deliver.email",
)


def compile_briefing() -> None:
    """Write the bytecode of the briefing package that the console script imports, as a pip install does."""
    import compileall

    import briefing

    compileall.compile_dir(Path(briefing.__file__).parent, quiet=1)


def run(command: list[str], cwd: Path) -> Cost:
    cost, code = run_alone(command, cwd)
    if code not in (0, 4):
        raise SystemExit(f"{' '.join(command)} exited with {code}")
    return cost


def idle_store(folder: Path, feeds: int) -> Path:
    """A config and a store in which nothing is due: every feed polled a minute ago, no grace period."""
    from briefing.config import feeds_from_settings, load_settings
    from briefing.store import open_store_from_settings

    config = folder / "feeds.yaml"
    listed = "".join(f"      - url: https://outlet{i}.example.org/rss.xml\n" for i in range(feeds))
    config.write_text(
        'grace_hours: 0\neditions:\n  - name: morning\n    at: "06:30"\n'
        f"sections:\n  - name: World\n    feeds:\n{listed}",
        encoding="utf-8",
    )
    settings = load_settings(config)
    now = datetime.now(UTC)
    with open_store_from_settings(settings) as store:
        store.sync_feeds(feeds_from_settings(settings))
        for feed in store.feeds():
            polled = replace(feed, last_attempt=now, last_success=now, next_poll=now + timedelta(days=1))
            store.save_feed(polled)
    run([str(BRIEFING), "run-due"], folder)  # records the missed slots, as the first tick of the day would
    return config


def idle_tick(args: argparse.Namespace) -> tuple[list[tuple[str, ...]], str]:
    from briefing.idle import note_path

    costs: dict[str, list[Cost]] = {BARE: [], NOTED: [], CHECKED: []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["XDG_CACHE_HOME"] = str(folder / "cache")  # the ticks leave their idle notes here
        config = idle_store(folder, args.feeds)
        for _ in range(args.repeat):
            costs[BARE].append(run([sys.executable, "-c", "pass"], folder))
            note_path(config).unlink(missing_ok=True)
            costs[CHECKED].append(run([str(BRIEFING), "run-due"], folder))  # checks in full, leaves a note
            costs[NOTED].append(run([str(BRIEFING), "run-due"], folder))  # trusts that note
    bare_wall, bare_cpu = (median([getattr(c, key) for c in costs[BARE]]) for key in ("wall", "cpu"))
    rows, cpu_ratios = [], []
    for name, runs in costs.items():
        wall, cpu, peak = (median([getattr(c, key) for c in runs]) for key in ("wall", "cpu", "peak_mb"))
        rows.append((name, f"{wall * 1000:.0f}", f"{cpu * 1000:.0f}", f"{peak:.0f}", f"{wall / bare_wall:.1f}"))
        cpu_ratios.append(f"{cpu / bare_cpu:.1f}")
    return rows, " and ".join(cpu_ratios[1:])


def imports(args: argparse.Namespace) -> list[tuple[str, ...]]:
    """CPU to import each stage, over the bare interpreter, interleaved; and its heaviest packages."""
    costs: dict[str, list[float]] = {name: [] for name in ("", *STAGES)}
    folder = Path.cwd()
    for _ in range(args.repeat):
        for name in costs:
            costs[name].append(run([sys.executable, "-c", f"import {name}" if name else "pass"], folder).cpu)
    bare = median(costs[""])
    rows = []
    for name in STAGES:
        heaviest = ", ".join(f"{package} {ms:.0f}" for package, ms in heaviest_imports(name))
        rows.append((f"`{name}`", f"{(median(costs[name]) - bare) * 1000:.0f}", heaviest))
    return rows


def heaviest_imports(module: str, top: int = 4) -> list[tuple[str, float]]:
    """The third-party packages that cost `module` the most to import: each package's own import line in
    `python -X importtime` (cumulative ms, so a package imported inside another is in both)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True
    )
    packages: dict[str, float] = {}
    for line in done.stderr.splitlines():
        parts = line.split("|")
        name = parts[-1].strip()
        if len(parts) == 3 and parts[1].strip().isdigit() and "." not in name and name in THIRD_PARTY:
            packages[name] = max(packages.get(name, 0.0), int(parts[1]) / 1000)
    return sorted(packages.items(), key=lambda item: -item[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--write-docs", action="store_true", help="write the tables into docs/figures/")
    args = parser.parse_args()
    compile_briefing()
    rows, cpu_ratios = idle_tick(args)
    tick = markdown_table(("", "wall ms", "CPU ms", "peak MB", "wall ratio to bare"), rows)
    tick += (
        f"\n\nCPU ratios to bare: {cpu_ratios}. A config of {args.feeds} feeds, none due; medians of "
        f"{args.repeat} interleaved runs; briefing's modules byte-compiled first, as an installed package is."
    )
    stages = markdown_table(
        ("stage", "import CPU ms over bare", "heaviest packages (cumulative import ms)"), imports(args)
    )
    print(tick, stages, sep="\n\n")
    if args.write_docs:
        command = f"bench/startup.py --repeat {args.repeat} --feeds {args.feeds}"
        print(f"wrote {write_figures('startup-tick', command, tick)}")
        print(f"wrote {write_figures('startup-imports', command, stages)}")


if __name__ == "__main__":
    main()
