"""Worker processes that never outlive the process that started them, and how many cores other work leaves idle
for them (`idle_cores`).

A process killed with SIGKILL cannot stop its `ProcessPoolExecutor`, and the workers would wait on its queue
forever (orphans, parent pid 1). Each worker here watches its parent's sentinel (a pipe the parent holds open,
closed by the kernel when the parent dies, however it dies) and exits when it closes. Standard library only:
this module is imported in every worker before the work's own modules.
"""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor


def idle_cores() -> int:
    """Cores not busy with other work, for worker processes to use: the 1-minute load average, less what this
    process and its ended workers put in it (`own_load`).

    Workers pay only with idle cores to run on: on a machine whose cores are all busy, they add the cost of
    copying every input and every result between processes and gain no parallel time (bench/poll.py threshold).
    A process's own work is not "other work": after a first poll on two cores the load average is about 1 from
    the poll alone, and clustering would otherwise find no idle core beside its own.
    """
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not available on this platform: assume the cores are free
        return cores
    return max(0, int(cores - max(0.0, load - own_load()) + 0.5))


def own_load() -> float:
    """About what this process and its ended children add to the 1-minute load average: their CPU time since this
    module was imported, spread evenly over that time and weighed as the average weighs it (it forgets with a
    time constant of a minute). An estimate: a process that worked only just now is given less than it adds."""
    started, cpu_then = _SINCE
    elapsed = time.monotonic() - started
    if elapsed <= 0:
        return 0.0
    return (_tree_cpu() - cpu_then) / elapsed * (1.0 - math.exp(-elapsed / 60.0))


def _tree_cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


_SINCE = (time.monotonic(), _tree_cpu())


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes (spawn, not fork: the caller may run threads whose locks fork
    would copy) that exit when this process dies."""
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=exit_with_parent)


def exit_with_parent() -> None:
    """In a worker: end this process as soon as its parent is gone."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)  # no clean-up to do: the parent that wanted the results is gone

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
