"""Parallel map for the CPU-bound stages (ingest, summarise, tag) over every core."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_FROM = 64
"""Below this many items a process pool costs more than it saves."""

_context: Any = None


def context() -> Any:
    """The object the pool was started with (the run's analysis), inside a worker or not."""
    return _context


def _set_context(value: Any) -> None:
    global _context
    _context = value


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Workers:
    """Maps top-level functions over items on every core when there is enough work, in-process
    otherwise. Results come back in input order, so output never depends on scheduling. The
    pool starts on first use and each worker receives `shared` once (not once per item)."""

    def __init__(self, shared: Any, processes: int | None = None) -> None:
        self.shared = shared
        self.processes = min(processes or cores(), 8)
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        _set_context(self.shared)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def map(self, func: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if self.processes < 2 or len(items) < PARALLEL_FROM:
            return [func(item) for item in items]
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                self.processes, initializer=_set_context, initargs=(self.shared,)
            )
        chunk = max(1, min(64, len(items) // (self.processes * 8)))
        return list(self.pool.map(func, items, chunksize=chunk))
