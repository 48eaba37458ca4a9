"""A damaged database or a full disk is one line naming the file and what to do, never a raw sqlite3 traceback.

Damage is made the way it happens: pages of a real database file overwritten. A full disk is made two ways
SQLite itself reports: the database's page limit (`PRAGMA max_page_count`, SQLITE_FULL while writing) and a
file-size limit on the process (RLIMIT_FSIZE, the write of the COMMIT fails), in a child process.
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import article

from briefing.cli import app
from briefing.errors import StoreError
from briefing.models import Feed
from briefing.store import open_store

FEED = Feed(key="https://a.example/rss", url="https://a.example/rss", section="World")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def filled_store(path: Path, articles: int = 400) -> None:
    with open_store(path) as store:
        store.sync_feeds([FEED])
        with store.transaction():
            store.add_articles(FEED.key, [article(f"a-{i}", "A sentence of news text. " * 40) for i in range(articles)])


def damage(path: Path) -> None:
    """Overwrite every page after the first two with garbage (the header and schema page survive)."""
    data = bytearray(path.read_bytes())
    data[8192:] = b"\xa5" * (len(data) - 8192)
    path.write_bytes(bytes(data))


def config(tmp_path: Path) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(f"database: db.sqlite\nsections: [{{name: World, feeds: [{{url: '{FEED.url}'}}]}}]\n")
    return path


# ------------------------------------------------------------------------------------------------ damage


def test_a_damaged_database_is_one_line_naming_the_file_and_what_to_do(tmp_path: Path) -> None:
    path = config(tmp_path)
    filled_store(tmp_path / "db.sqlite")
    damage(tmp_path / "db.sqlite")

    result = run("--config", str(path), "feeds")

    assert (result.exit_code, result.stderr.count("\n"), type(result.exception)) == (1, 1, SystemExit)
    assert f"{tmp_path / 'db.sqlite'}: the database is damaged" in result.stderr
    assert "restore it from a backup" in result.stderr and "briefing store check" in result.stderr


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    path = config(tmp_path)
    (tmp_path / "db.sqlite").write_bytes(b"this is not sqlite" * 1000)

    result = run("--config", str(path), "poll")

    assert (result.exit_code, result.stderr.count("\n"), "the database is damaged" in result.stderr) == (1, 1, True)


def test_store_check_reports_a_healthy_database(tmp_path: Path) -> None:
    path = config(tmp_path)
    filled_store(tmp_path / "db.sqlite", articles=3)

    result = run("--config", str(path), "store", "check")

    assert (result.exit_code, result.stdout.strip()) == (0, f"{tmp_path / 'db.sqlite'}: ok")


def test_store_check_lists_the_damage_and_exits_1(tmp_path: Path) -> None:
    path = config(tmp_path)
    filled_store(tmp_path / "db.sqlite")
    damage(tmp_path / "db.sqlite")

    result = run("--config", str(path), "store", "check")

    assert (result.exit_code, "restore it from a backup" in result.stderr, bool(result.stdout.strip())) == (
        1,
        True,
        True,
    )


# ---------------------------------------------------------------------------------------------- full disk


def test_a_full_database_is_a_store_error_naming_the_file(tmp_path: Path) -> None:
    with open_store(tmp_path / "db.sqlite") as store:
        store.sync_feeds([FEED])
        pages = store._db.query("PRAGMA page_count")[0][0]
        store._db.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(StoreError) as caught:
            store.add_articles(FEED.key, [article(f"a-{i}", "words " * 500) for i in range(200)])

    assert str(caught.value).startswith(f"{tmp_path / 'db.sqlite'}: the disk is full")


def _commit_past_the_file_size_limit(path: str, queue: multiprocessing.Queue[tuple[str, str, bool, int]]) -> None:
    """Child process: the COMMIT's write goes past RLIMIT_FSIZE; then the limit is lifted and the store reused."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing us
    with open_store(Path(path)) as store:
        store.sync_feeds([FEED])
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (Path(path).stat().st_size + 4096, hard))
        try:
            with store.transaction():
                store.add_articles(FEED.key, [article(f"a-{i}", "words " * 400) for i in range(300)])
            outcome = ("no error", "")
        except Exception as error:  # what the test asserts on
            outcome = (type(error).__name__, str(error))
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        still_open = store._db.connection.in_transaction
        store.add_articles(FEED.key, [replace(article("a-after", "after"), id="a-after")])
        queue.put((*outcome, still_open, len(store.articles_by_id(["a-after", "a-0"]))))


def test_a_commit_that_cannot_be_written_is_a_store_error_and_the_store_stays_usable(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[tuple[str, str, bool, int]] = context.Queue()
    child = context.Process(target=_commit_past_the_file_size_limit, args=(str(tmp_path / "db.sqlite"), queue))
    child.start()
    kind, message, still_open, stored = queue.get(timeout=60)
    child.join(timeout=60)

    assert (kind, message.startswith(f"{tmp_path / 'db.sqlite'}: cannot write the database"), still_open, stored) == (
        "StoreError",
        True,
        False,
        1,
    )
