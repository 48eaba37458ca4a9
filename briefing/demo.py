"""`briefing demo`: the whole pipeline, offline, on bundled sample feeds served from 127.0.0.1.

The sample feeds (`briefing/demo_feeds/`) are fictional news from six made-up outlets, several covering the
same stories. They are served over real HTTP so the demo exercises the real poller, and the edition is built at
a fixed time so every run of the demo writes the same files.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

DEMO_AT = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)  # 06:30 in London: the demo's morning edition

DEMO_SECTIONS = {
    "World": {"harbour": "The Harbour Times", "meridian": "Daily Meridian"},
    "Business": {"ledger": "Northern Ledger", "market": "Market Wire"},
    "Technology": {"circuit": "Circuit Weekly", "orbit": "Orbit Report"},
}


@dataclass(frozen=True)
class DemoSite:
    base_url: str


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def serve_demo_feeds() -> Iterator[DemoSite]:
    """Serve the bundled feeds on an ephemeral 127.0.0.1 port for the duration of the block."""
    with as_file(files("briefing") / "demo_feeds") as folder:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield DemoSite(f"http://127.0.0.1:{server.server_address[1]}")
        finally:
            server.shutdown()
            server.server_close()


def demo_config(site: DemoSite, outputs: Path, database: Path, database_url: str | None = None) -> str:
    """A feeds.yaml for the demo: the sample outlets by section, extractive summaries, email off, and the lexical
    grounding check without WordNet, so the demo writes the same bytes whatever extras a machine has."""
    lines = [
        "timezone: Europe/London",
        f"database: {database}",
        *([f"database_url: '{database_url}'"] if database_url else []),
        f"outputs: {outputs}",
        "summariser: {backend: extractive}",
        "grounding: {wordnet: null}",
        "encoder: {source: none}",
        "editions: [{name: morning, at: '06:30'}]",
        "render: {site_url: null}",
        "sections:",
    ]
    for section, outlets in DEMO_SECTIONS.items():
        lines += [f"  - name: {section}", "    feeds:"]
        lines += [f"      - {{url: '{site.base_url}/{slug}.xml', name: '{name}'}}" for slug, name in outlets.items()]
    return "\n".join(lines) + "\n"


def write_demo_config(site: DemoSite, folder: Path, outputs: Path, database_url: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "feeds.yaml"
    database = (folder / "briefing.sqlite").resolve()
    path.write_text(demo_config(site, outputs.resolve(), database, database_url), encoding="utf-8")
    return path
