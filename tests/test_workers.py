"""Worker processes: how many cores other work leaves idle for them."""

from __future__ import annotations

import time

import pytest

from briefing import _workers


def test_the_load_this_process_put_in_the_average_is_not_other_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_workers.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(_workers.os, "getloadavg", lambda: (1.2, 1.0, 0.8))
    monkeypatch.setattr(_workers, "own_load", lambda: 0.0)
    busy = _workers.idle_cores()  # another process's 1.2: one core left
    monkeypatch.setattr(_workers, "own_load", lambda: 1.1)
    after_own_poll = _workers.idle_cores()  # the 1.2 was this process's own poll: both cores idle

    assert (busy, after_own_poll) == (1, 2)


def test_a_load_average_below_this_process_own_share_leaves_every_core_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_workers.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(_workers.os, "getloadavg", lambda: (0.3, 0.2, 0.1))
    monkeypatch.setattr(_workers, "own_load", lambda: 0.9)

    assert _workers.idle_cores() == 2


def test_a_process_that_has_worked_counts_some_load_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_workers, "_SINCE", (time.monotonic(), _workers._tree_cpu()))  # as if imported just now
    sum(i * i for i in range(2_000_000))  # CPU time, which the load average would count

    assert _workers.own_load() > 0.0
