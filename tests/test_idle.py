"""The idle note: an idle `run-due` tick trusts the last one's word only while nothing it was based on changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from briefing.idle import MAX_NOTE_LIFE, forget_note, leave_note, note_path, nothing_due_before

NOW = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config and a SQLite file beside it, with a cache folder of the test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "state.sqlite").write_bytes(b"a store")
    path = tmp_path / "feeds.yaml"
    path.write_text("sections: []\n", encoding="utf-8")
    return path


def noted(config: Path, minutes: float) -> None:
    leave_note(config, config.with_name("state.sqlite"), NOW, NOW + timedelta(minutes=minutes))


def test_a_note_holds_until_its_time(config: Path) -> None:
    noted(config, 20)

    assert [nothing_due_before(config, NOW + timedelta(minutes=m)) for m in (0, 19, 20)] == [True, True, False]


def test_a_note_lasts_at_most_an_hour(config: Path) -> None:
    noted(config, 600)

    assert [nothing_due_before(config, NOW + span) for span in (MAX_NOTE_LIFE / 2, MAX_NOTE_LIFE)] == [True, False]


def test_an_edited_config_voids_the_note(config: Path) -> None:
    noted(config, 20)
    config.write_text("sections: []\ngrace_hours: 1\n", encoding="utf-8")

    assert nothing_due_before(config, NOW) is False


def test_a_store_written_since_voids_the_note(config: Path) -> None:
    noted(config, 20)
    config.with_name("state.sqlite-wal").write_bytes(b"a transaction")  # what any write in WAL mode leaves

    assert nothing_due_before(config, NOW) is False


def test_a_damaged_note_is_ignored(config: Path) -> None:
    noted(config, 20)
    note_path(config).write_text("{not json", encoding="utf-8")

    assert nothing_due_before(config, NOW) is False


def test_a_forgotten_note_vouches_for_nothing(config: Path) -> None:
    noted(config, 20)
    forget_note(config)

    assert nothing_due_before(config, NOW) is False


def test_a_cache_folder_that_cannot_be_written_leaves_no_note(config: Path, tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the folder would be", encoding="utf-8")

    noted(config, 20)

    assert nothing_due_before(config, NOW) is False
