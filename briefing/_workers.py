"""Worker processes that never outlive the process that started them.

A process killed with SIGKILL cannot stop its `ProcessPoolExecutor`, and the workers would wait on its queue
forever (orphans, parent pid 1). Each worker here watches its parent's sentinel (a pipe the parent holds open,
closed by the kernel when the parent dies, however it dies) and exits when it closes. Standard library only:
this module is imported in every worker before the work's own modules.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from concurrent.futures import ProcessPoolExecutor


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
