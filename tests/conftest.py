"""Fixtures every test module may use. Keep them generic; area-specific fixtures live in their test module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefing.store import Store, open_store

pytest_plugins = [
    "feedserver",  # the `feed_server` fixture: a real HTTP server on 127.0.0.1
    "postgres",  # `store_url`, `postgres_url`: a fresh store on each backend (PostgreSQL when a server is given)
]

MINIMAL_CONFIG = """\
timezone: Europe/London
database: state/briefing.sqlite
outputs: outputs
editions:
  - name: morning
    at: "06:30"
sections:
  - name: World
    feeds:
      - url: http://127.0.0.1:8000/world.xml
        name: Example World
"""


@pytest.fixture(scope="session", autouse=True)
def private_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The user cache folder (where `run-due` leaves its idle notes) is a temporary one, for every test and
    every process a test starts: tests never write to the home folder of whoever runs them."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def wordnet_installed() -> None:
    """Skips the test without the WordNet database, which the antonym and person-noun rules read."""
    from briefing import wordnet

    if wordnet.default_wordnet() is None:
        pytest.skip(f"no WordNet database in {wordnet.FOLDER} (Debian: apt install wordnet-base)")


@pytest.fixture
def tmp_config(tmp_path: Path) -> Path:
    """A minimal valid feeds.yaml in a temporary folder (its database and outputs land beside it)."""
    path = tmp_path / "feeds.yaml"
    path.write_text(MINIMAL_CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def store(store_url: str, database_password: str | None) -> Iterator[Store]:
    """A freshly migrated, empty store: once on SQLite (a temporary file), once on PostgreSQL (a new schema)."""
    with open_store(store_url, password=database_password) as opened:
        yield opened
