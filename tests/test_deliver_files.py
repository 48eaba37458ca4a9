"""Writing outputs: atomic replacement, no churn for unchanged files, nothing outside the outputs folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from briefing.deliver import files
from briefing.errors import DeliveryError

OUTPUTS = {
    "editions/2026-11-25-morning/briefing.json": b'{"id": "2026-11-25-morning"}\n',
    "editions/2026-11-25-morning/email.txt": b"MORNING BRIEFING\n",
    "site/index.html": b"<!DOCTYPE html>\n",
}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_write_outputs_creates_every_file_and_folder(tmp_path: Path) -> None:
    written = files.write_outputs(tmp_path, OUTPUTS)
    assert (written, _tree(tmp_path)) == (sorted(OUTPUTS), OUTPUTS)


def test_write_outputs_skips_files_whose_bytes_are_unchanged(tmp_path: Path) -> None:
    files.write_outputs(tmp_path, OUTPUTS)
    index = tmp_path / "site" / "index.html"
    os.utime(index, ns=(1_000_000_000, 1_000_000_000))
    changed = {**OUTPUTS, "editions/2026-11-25-morning/email.txt": b"EVENING BRIEFING\n"}
    written = files.write_outputs(tmp_path, changed)
    assert (written, index.stat().st_mtime_ns) == (["editions/2026-11-25-morning/email.txt"], 1_000_000_000)


def test_write_outputs_leaves_no_temporary_files(tmp_path: Path) -> None:
    files.write_outputs(tmp_path, OUTPUTS)
    files.write_outputs(tmp_path, {name: data + b"more" for name, data in OUTPUTS.items()})
    assert sorted(_tree(tmp_path)) == sorted(OUTPUTS)


def test_new_files_are_readable_by_a_web_server(tmp_path: Path) -> None:
    files.write_outputs(tmp_path, {"site/index.html": b"x"})
    assert (tmp_path / "site" / "index.html").stat().st_mode & 0o777 == 0o644


def test_rewritten_files_keep_their_permissions(tmp_path: Path) -> None:
    target = tmp_path / "site" / "index.html"
    files.write_outputs(tmp_path, {"site/index.html": b"old"})
    target.chmod(0o640)
    files.write_outputs(tmp_path, {"site/index.html": b"new"})
    assert (target.read_bytes(), target.stat().st_mode & 0o777) == (b"new", 0o640)


@pytest.mark.parametrize("name", ["../escape.html", "/etc/passwd", "site/../../x", "", "a\\..\\b"])
def test_paths_outside_the_outputs_folder_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(DeliveryError, match="refusing to write"):
        files.write_outputs(tmp_path / "outputs", {name: b"x"})


def test_a_failed_write_is_a_delivery_error_and_keeps_the_old_file(tmp_path: Path) -> None:
    files.write_outputs(tmp_path, {"site/index.html": b"old"})
    blocker = tmp_path / "site" / "feed.xml"
    blocker.mkdir()  # a folder where a file should go: os.replace fails
    with pytest.raises(DeliveryError, match="cannot write"):
        files.write_outputs(tmp_path, {"site/feed.xml": b"<feed/>", "site/index.html": b"old"})
    assert (sorted(p.name for p in (tmp_path / "site").iterdir()), blocker.is_dir()) == (
        ["feed.xml", "index.html"],
        True,
    )


def test_temp_files_left_by_a_killed_run_are_swept_but_fresh_ones_kept(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    stale, fresh = tmp_path / "site" / ".index.html.abc123.tmp", tmp_path / "site" / ".index.html.def456.tmp"
    stale.write_bytes(b"<html>half")
    fresh.write_bytes(b"<html>another run, writing now")
    old = stale.stat().st_mtime - files.STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))

    files.write_outputs(tmp_path, {"site/index.html": b"<html></html>"})

    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [fresh.name, "index.html"]
