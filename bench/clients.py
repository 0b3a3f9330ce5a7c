"""Running N client *processes* against one database for a fixed time, and adding up their work.

Processes, not threads: a transition is mostly Python (permission, guards, hashing, SQL
compilation), so threads of one interpreter would measure the GIL rather than the database, and
production runs the engine in separate gunicorn and worker processes anyway. The raw-driver
baseline uses the same harness, so the two numbers differ only in what each client does.

Each client gets its own rows (its own case, its own counter row), so clients never wait on each
other's row locks: the figures show how the database shares its commit path, not lock queues.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import time
from collections.abc import Callable
from typing import Any

# A client: ``prepare(index, args)`` returns a ``step()`` callable that does one unit of work
# (one transaction) and returns how many units it did; ``close()`` is optional on the step.
Prepare = Callable[[int, Any], Callable[[], int]]


def _client(prepare: Prepare, index: int, args: Any, barrier, duration: float, queue) -> None:
    try:
        step = prepare(index, args)
        step()  # warm up: connections open, statements compiled and cached
        barrier.wait()
        done = 0
        start = time.perf_counter()
        deadline = start + duration
        while time.perf_counter() < deadline:
            done += step()
        elapsed = time.perf_counter() - start
        close = getattr(step, "close", None)
        if close:
            close()
        queue.put((index, done, elapsed, None))
    except BaseException as exc:  # reported to the parent, which fails the benchmark
        with contextlib.suppress(Exception):
            barrier.abort()
        queue.put((index, 0, 0.0, f"{type(exc).__name__}: {exc}"))


def throughput(prepare: Prepare, args: Any, clients: int, duration: float) -> float:
    """Units of work per second of ``clients`` processes running ``prepare``'s step for
    ``duration`` seconds, all started together."""
    context = mp.get_context("fork")
    barrier = context.Barrier(clients)
    queue = context.Queue()
    processes = [
        context.Process(
            target=_client, args=(prepare, i, args, barrier, duration, queue), daemon=True
        )
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    results = [queue.get(timeout=duration + 120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    errors = [r[3] for r in results if r[3]]
    if errors:
        raise RuntimeError("a benchmark client failed: " + "; ".join(errors))
    total = sum(r[1] for r in results)
    elapsed = max(r[2] for r in results)
    return total / elapsed
